// A crash corpus: requests drills found killing or confusing the apiserver. Each must get
// a 4xx Status with the code and reason upstream gives, the server must stay ready, and
// nothing stored may change (the etcd revision does not move).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import type { Status } from '../api/meta.js';
import type { ConfigMapList, Pod, ReplicationController } from '../api/core.js';

let t: TestApi;
before(async () => {
  t = await startTestApi();
  const rc = await t.req('POST', `${NS}/replicationcontrollers`, JSON.parse(rcBody('0', 'rc')));
  assert.equal(rc.status, 201, rc.text);
  const cm = await t.req('POST', `${NS}/configmaps`, { metadata: { name: 'cm' }, data: { a: 'b' } });
  assert.equal(cm.status, 201, cm.text);
});
after(async () => {
  await t?.stop();
});

const NS = '/api/v1/namespaces/default';
const rcBody = (replicas: string, name = 'rc-new') =>
  `{"metadata":{"name":"${name}"},"spec":{"replicas":${replicas},"selector":{"a":"b"},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`;
const podBody = (name: string, container: string, spec = '') =>
  `{"metadata":{"name":"${name}"},"spec":{${spec}"containers":[{"name":"c","image":"i"${container}}]}}`;
const deep = (n: number, open: string, close: string, inner = '1') => open.repeat(n) + inner + close.repeat(n);

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  type?: string;
  code: number;
  reason: string;
  message?: RegExp;
}

const MERGE = 'application/merge-patch+json';
const JSONPATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';

const CORPUS: Case[] = [
  // Out-of-range and non-integer numbers where Go has an int32/int64.
  { name: 'replicas 2^31', method: 'POST', path: `${NS}/replicationcontrollers`, body: rcBody('2147483648'), code: 400, reason: 'BadRequest', message: /cannot unmarshal number 2147483648 into Go struct field ReplicationControllerSpec\.spec\.replicas of type int32/ },
  { name: 'replicas 1e20', method: 'POST', path: `${NS}/replicationcontrollers`, body: rcBody('1e20'), code: 400, reason: 'BadRequest', message: /cannot unmarshal number 1e20 into Go struct field .* of type int32/ },
  { name: 'replicas 1e3', method: 'POST', path: `${NS}/replicationcontrollers`, body: rcBody('1e3'), code: 400, reason: 'BadRequest', message: /cannot unmarshal number 1e3 into Go struct field ReplicationControllerSpec\.spec\.replicas of type int32/ },
  { name: 'replicas 1.0', method: 'POST', path: `${NS}/replicationcontrollers`, body: rcBody('1.0'), code: 400, reason: 'BadRequest', message: /number 1\.0 into/ },
  { name: 'replicas 1.5', method: 'POST', path: `${NS}/replicationcontrollers`, body: rcBody('1.5'), code: 400, reason: 'BadRequest' },
  { name: 'replicas -1', method: 'POST', path: `${NS}/replicationcontrollers`, body: rcBody('-1'), code: 422, reason: 'Invalid', message: /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/ },
  { name: 'merge patch replicas 1e20', method: 'PATCH', path: `${NS}/replicationcontrollers/rc`, body: '{"spec":{"replicas":1e20}}', type: MERGE, code: 400, reason: 'BadRequest', message: /of type int32/ },
  { name: 'strategic patch replicas 2^31', method: 'PATCH', path: `${NS}/replicationcontrollers/rc`, body: '{"spec":{"replicas":2147483648}}', type: STRATEGIC, code: 400, reason: 'BadRequest' },
  { name: 'json patch replicas 1e3', method: 'PATCH', path: `${NS}/replicationcontrollers/rc`, body: '[{"op":"replace","path":"/spec/replicas","value":1e3}]', type: JSONPATCH, code: 400, reason: 'BadRequest', message: /number 1e3/ },
  { name: 'scale PUT 2^31', method: 'PUT', path: `${NS}/replicationcontrollers/rc/scale`, body: '{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"rc"},"spec":{"replicas":2147483648}}', code: 400, reason: 'BadRequest', message: /Scale/ },
  { name: 'scale merge patch 1e20', method: 'PATCH', path: `${NS}/replicationcontrollers/rc/scale`, body: '{"spec":{"replicas":1e20}}', type: MERGE, code: 400, reason: 'BadRequest' },
  { name: 'containerPort 2^31', method: 'POST', path: `${NS}/pods`, body: podBody('p1', ',"ports":[{"containerPort":2147483648}]'), code: 400, reason: 'BadRequest', message: /ContainerPort/ },
  { name: 'containerPort 70000', method: 'POST', path: `${NS}/pods`, body: podBody('p2', ',"ports":[{"containerPort":70000}]'), code: 422, reason: 'Invalid', message: /containerPort/ },
  { name: 'probe periodSeconds 2^31', method: 'POST', path: `${NS}/pods`, body: podBody('p3', ',"livenessProbe":{"tcpSocket":{"port":80},"periodSeconds":2147483648}'), code: 400, reason: 'BadRequest' },
  { name: 'terminationGracePeriodSeconds 2^63', method: 'POST', path: `${NS}/pods`, body: podBody('p4', '', '"terminationGracePeriodSeconds":9223372036854775808,'), code: 400, reason: 'BadRequest', message: /of type int64/ },
  { name: 'activeDeadlineSeconds 1e19', method: 'POST', path: `${NS}/pods`, body: podBody('p5', '', '"activeDeadlineSeconds":1e19,'), code: 400, reason: 'BadRequest' },
  { name: 'targetPort 2^31', method: 'POST', path: `${NS}/services`, body: '{"metadata":{"name":"s1"},"spec":{"ports":[{"port":80,"targetPort":2147483648}]}}', code: 400, reason: 'BadRequest' },
  // Quantities beyond a double.
  { name: 'cpu "1e1000"', method: 'POST', path: `${NS}/pods`, body: podBody('q1', ',"resources":{"limits":{"cpu":"1e1000"}}'), code: 422, reason: 'Invalid', message: /quantities must match/ },
  { name: 'cpu 1e1000 (number)', method: 'POST', path: `${NS}/pods`, body: podBody('q2', ',"resources":{"requests":{"cpu":1e1000}}'), code: 422, reason: 'Invalid', message: /quantities must match/ },
  // Depth: JSON nested past the limit, in every body kind.
  { name: 'deep JSON body', method: 'POST', path: `${NS}/configmaps`, body: `{"metadata":{"name":"deep"},"data":${deep(100_000, '{"a":', '}')}}`, code: 400, reason: 'BadRequest', message: /max depth/ },
  { name: 'deep JSON patch', method: 'PATCH', path: `${NS}/configmaps/cm`, body: deep(100_000, '[', ']'), type: JSONPATCH, code: 400, reason: 'BadRequest', message: /max depth/ },
  { name: 'deep JSON patch value', method: 'PATCH', path: `${NS}/configmaps/cm`, body: `[{"op":"add","path":"/metadata/annotations","value":${deep(20_000, '{"a":', '}')}}]`, type: JSONPATCH, code: 400, reason: 'BadRequest', message: /max depth/ },
  { name: 'deep merge patch', method: 'PATCH', path: `${NS}/configmaps/cm`, body: `{"metadata":${deep(50_000, '{"a":', '}')}}`, type: MERGE, code: 400, reason: 'BadRequest' },
  { name: 'deep apply (YAML flow)', method: 'PATCH', path: `${NS}/configmaps/cm?fieldManager=x`, body: `metadata:\n  labels: ${deep(50_000, '[', ']')}\n`, type: 'application/apply-patch+yaml', code: 400, reason: 'BadRequest', message: /maxDepth/ },
  { name: 'YAML alias bomb', method: 'POST', path: `${NS}/configmaps`, type: 'application/yaml', code: 400, reason: 'BadRequest', message: /excessive aliasing/, body: ['metadata: {name: bomb}', 'a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n') },
  // Huge body.
  { name: '4 MiB body', method: 'POST', path: `${NS}/configmaps`, body: `{"metadata":{"name":"big"},"data":{"a":"${'x'.repeat(4 * 1024 * 1024)}"}}`, code: 413, reason: 'RequestEntityTooLarge' },
  // The drill's prototype pollution, through managedFields (merge is covered in proto-keys.test.ts).
  { name: '__proto__ in managedFields', method: 'PATCH', path: `${NS}/configmaps/cm`, body: '{"metadata":{"labels":{"-bad":"x"},"managedFields":[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"__proto__":{"polluted":{}}}}]}}', type: MERGE, code: 422, reason: 'Invalid' },
];

/** Query parameters that are wrong the same way for a list and a watch. */
const BAD_QUERIES: { query: string; code: number; reason: string; message: RegExp; listOnly?: boolean; watchOnly?: boolean }[] = [
  { query: 'resourceVersion=abc', code: 400, reason: 'BadRequest', message: /resourceVersion: Invalid value: "abc": strconv\.ParseUint: parsing "abc": invalid syntax/ },
  { query: 'resourceVersion=-1', code: 400, reason: 'BadRequest', message: /parsing "-1": invalid syntax/ },
  { query: 'resourceVersion=99999999999999999999999', code: 400, reason: 'BadRequest', message: /value out of range/ },
  { query: 'limit=abc', code: 400, reason: 'BadRequest', message: /strconv\.ParseInt: parsing "abc": invalid syntax/ },
  { query: 'limit=1e3', code: 400, reason: 'BadRequest', message: /invalid syntax/ },
  { query: 'timeoutSeconds=abc', code: 400, reason: 'BadRequest', message: /strconv\.ParseInt: parsing "abc"/ },
  { query: 'timeoutSeconds=99999999999999999999', code: 400, reason: 'BadRequest', message: /value out of range/ },
  { query: 'labelSelector=a%3D%3D%3Db', code: 400, reason: 'BadRequest', message: /./ },
  { query: 'labelSelector=a%20in%20(', code: 400, reason: 'BadRequest', message: /./ },
  { query: 'fieldSelector=spec.bogus%3Dx', code: 400, reason: 'BadRequest', message: /field label not supported: spec\.bogus/ },
  { query: 'resourceVersionMatch=bogus&resourceVersion=1', code: 422, reason: 'Invalid', message: /ListOptions\.meta\.k8s\.io "" is invalid: .*resourceVersionMatch: Unsupported value: "bogus"/ },
  { query: 'resourceVersionMatch=Exact', code: 422, reason: 'Invalid', message: /resourceVersionMatch is forbidden unless resourceVersion is provided/, listOnly: true },
  { query: 'sendInitialEvents=true', code: 422, reason: 'Invalid', message: /sendInitialEvents is forbidden for list/, listOnly: true },
  { query: 'sendInitialEvents=true', code: 422, reason: 'Invalid', message: /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/, watchOnly: true },
  { query: 'continue=garbage', code: 400, reason: 'BadRequest', message: /continue key is not valid/, listOnly: true },
];

async function revision(): Promise<string> {
  return t.api.storage.currentRevision();
}

function assertStatus(r: { status: number; text: string; headers: Headers }, code: number, reason: string, message: RegExp | undefined, what: string): void {
  assert.equal(r.status, code, `${what}: ${r.text.slice(0, 300)}`);
  const s = JSON.parse(r.text) as Status;
  assert.equal(s.kind, 'Status', what);
  assert.equal(s.code, code, what);
  assert.equal(s.reason, reason, `${what}: ${s.message}`);
  if (message) assert.match(s.message ?? '', message, what);
}

/** t.req with the JSON body read as T (what the test expects back; a wrong shape fails its asserts). */
async function req<T>(...args: Parameters<TestApi['req']>) {
  const r = await t.req(...args);
  return { ...r, body: r.body as T };
}

describe('crash corpus', () => {
  test('every request gets its 4xx Status, nothing is stored, the server stays ready', async () => {
    const before = await revision();
    const rcBefore = (await t.req('GET', `${NS}/replicationcontrollers/rc`)).text;
    for (const c of CORPUS) {
      const r = await t.req(c.method, c.path, c.body, { 'content-type': c.type ?? 'application/json' });
      assertStatus(r, c.code, c.reason, c.message, c.name);
      assert.equal((await t.req('GET', '/readyz')).status, 200, `not ready after ${c.name}`);
    }
    assert.equal(await revision(), before, 'something was written');
    assert.equal((await t.req('GET', `${NS}/replicationcontrollers/rc`)).text, rcBefore);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // Metrics labels come from fixed sets: unknown resources and groups mint no series.
    for (const path of [`${NS}/zzzunknownzzz`, '/apis/zzz.evil.group/v1/zzzthings', `${NS}/configmaps/cm/zzzsub`]) {
      assert.equal((await t.req('GET', path)).status, 404, path);
    }
    const metrics = await t.req('GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.doesNotMatch(metrics.text, /zzz/);
  });

  test('bad list and watch parameters answer the same 4xx, never a 200 with an empty stream', async () => {
    for (const q of BAD_QUERIES) {
      if (!q.watchOnly) {
        const list = await t.req('GET', `${NS}/configmaps?${q.query}`);
        assertStatus(list, q.code, q.reason, q.message, `list ?${q.query}`);
      }
      if (!q.listOnly) {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), 5000);
        const res = await fetch(`${t.url}${NS}/configmaps?watch=true&${q.query}`, { signal: ac.signal });
        const text = await res.text();
        clearTimeout(timer);
        assertStatus({ status: res.status, text, headers: res.headers }, q.code, q.reason, q.message, `watch ?${q.query}`);
        // The legacy /watch/ path and the get-one path check the same way.
        const legacy = await fetch(`${t.url}/api/v1/watch/namespaces/default/configmaps?${q.query}`, { signal: AbortSignal.timeout(5000) });
        assert.equal(legacy.status, q.code, `legacy watch ?${q.query}`);
      }
    }
    // A WebSocket watch is refused before the upgrade, with the same Status.
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}${NS}/configmaps?watch=true&resourceVersion=abc`);
    const refused = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('upgraded')));
      ws.on('error', () => undefined);
    });
    assert.equal(refused.code, 400);
    assert.equal((JSON.parse(refused.body) as Status).reason, 'BadRequest');
    const one = await t.req('GET', `${NS}/configmaps/cm?resourceVersion=abc`);
    assertStatus(one, 400, 'BadRequest', /resourceVersion: Invalid value/, 'get ?resourceVersion=abc');
  });

  test('what upstream accepts is accepted: negative limit lists everything, booleans in strconv.ParseBool\'s words', async () => {
    const all = await req<ConfigMapList>('GET', `${NS}/configmaps`);
    const neg = await req<ConfigMapList>('GET', `${NS}/configmaps?limit=-1`);
    assert.equal(neg.status, 200);
    assert.equal(neg.body.items.length, all.body.items.length);
    assert.equal(neg.body.metadata.continue, undefined);
    // watch=True / watch=1 / watch=t are watches; watch=false / watch=0 / watch=FALSE are lists; others are 400s.
    for (const v of ['True', '1', 'TRUE', 't']) {
      const res = await fetch(`${t.url}${NS}/configmaps?watch=${v}&timeoutSeconds=1`);
      const text = await res.text();
      assert.equal(res.status, 200);
      assert.match(text, /^\{"type":"ADDED"/, `watch=${v}`);
    }
    for (const v of ['false', '0', 'FALSE', 'f']) {
      const r = await req<ConfigMapList>('GET', `${NS}/configmaps?watch=${v}`);
      assert.equal(r.body.kind, 'ConfigMapList', `watch=${v}`);
    }
    for (const q of ['watch=yes', 'watch=', 'watch=tRUE', 'allowWatchBookmarks=on&watch=1', 'watch=1&sendInitialEvents=2&resourceVersionMatch=NotOlderThan']) {
      assertStatus(await t.req('GET', `${NS}/configmaps?${q}`), 400, 'BadRequest', /strconv\.ParseBool: parsing ".*": invalid syntax/, q);
    }
    // resourceVersionMatch=NotOlderThan with a resourceVersion, and Exact, are fine.
    const rv = all.body.metadata.resourceVersion ?? '';
    assert.equal((await t.req('GET', `${NS}/configmaps?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`)).status, 200);
    const exact = await req<ConfigMapList>('GET', `${NS}/configmaps?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    assert.equal(exact.status, 200, exact.text);
    assert.equal(exact.body.metadata.resourceVersion, rv);
  });

  test('JSON patches cannot grow an object past the depth limit a step at a time', async () => {
    // podAffinity is stored as given (an object kept whole, x-kubernetes-preserve-unknown-fields), and a Deployment's template may change.
    const deploy = `/apis/apps/v1/namespaces/${NS.split('/').pop()}/deployments`;
    const c = await t.req('POST', deploy, { metadata: { name: 'deep' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }], affinity: { podAffinity: {} } } } } });
    assert.equal(c.status, 201, c.text);
    const add = (path: string, depth: number) => `[{"op":"add","path":"${path}","value":${deep(depth, '{"a":', '}')}}]`;
    const at = '/spec/template/spec/affinity/podAffinity/deep';
    const first = await t.req('PATCH', `${deploy}/deep`, add(at, 600), { 'content-type': JSONPATCH });
    assert.equal(first.status, 200, first.text.slice(0, 300));
    const before = await revision();
    const second = await t.req('PATCH', `${deploy}/deep`, add(`${at}${'/a'.repeat(599)}`, 600), { 'content-type': JSONPATCH });
    assertStatus(second, 400, 'BadRequest', /exceeds the max depth/, 'second deep add');
    assert.equal(await revision(), before);
    assert.equal((await t.req('GET', '/readyz')).status, 200);
  });

  test('grace periods at the int64 edge: a valid timestamp, never a 500; beyond int64 a 400', async () => {
    const mk = (name: string, spec = '') => t.req('POST', `${NS}/pods`, `{"metadata":{"name":"${name}"},"spec":{${spec}"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}`);
    assert.equal((await mk('g1', '"terminationGracePeriodSeconds":9000000000000000000,')).status, 201);
    const d1 = await req<Pod>('DELETE', `${NS}/pods/g1`);
    assert.equal(d1.status, 200, d1.text);
    assert.match(d1.body.metadata.deletionTimestamp ?? '', /^9999-12-31T23:59:59Z$/);
    assert.equal((await mk('g2')).status, 201);
    const d2 = await t.req('DELETE', `${NS}/pods/g2?gracePeriodSeconds=9000000000000000000`);
    assert.equal(d2.status, 200, d2.text);
    const d3 = await t.req('DELETE', `${NS}/pods/g2?gracePeriodSeconds=9223372036854775808`);
    assertStatus(d3, 400, 'BadRequest', /value out of range/, 'grace 2^63 query');
    const d4 = await t.req('DELETE', `${NS}/pods/g2`, '{"gracePeriodSeconds":1e300}');
    assertStatus(d4, 400, 'BadRequest', /of type int64/, 'grace 1e300 body');
  });

  test('quantities as JSON numbers are accepted and stored in canonical form; YAML 1e3 is a number as in Go', async () => {
    const r = await req<Pod>('POST', `${NS}/pods`, podBody('qn', ',"resources":{"limits":{"cpu":1,"memory":1.5},"requests":{"cpu":0.5}}'));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.spec?.containers[0].resources, { limits: { cpu: '1', memory: '1500m' }, requests: { cpu: '500m', memory: '1500m' } });
    assert.equal(r.body.status?.qosClass, 'Burstable');
    // sigs.k8s.io/yaml turns YAML's 1e3 into the JSON number 1000 before Go decodes it.
    const y = await req<ReplicationController>('POST', `${NS}/replicationcontrollers`, 'metadata: {name: rc-yaml}\nspec:\n  replicas: 1e3\n  selector: {a: b}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: i}]}\n', { 'content-type': 'application/yaml' });
    assert.equal(y.status, 201, y.text);
    assert.equal(y.body.spec?.replicas, 1000);
    await t.req('DELETE', `${NS}/replicationcontrollers/rc-yaml`);
  });
});
