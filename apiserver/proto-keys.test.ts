// Fuzz test: the keys that reach Object.prototype in JavaScript (__proto__,
// constructor, prototype) sent at several depths through every write verb and
// patch type. The server must answer 2xx or 4xx, never 5xx, stay ready, keep
// serving /metrics, and no object in the process may gain a property.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import type { KubeObject, Status } from '../api/meta.js';
import type { ConfigMap, ConfigMapList, Secret } from '../api/core.js';

let t: TestApi;
before(async () => {
  t = await startTestApi();
});
after(async () => {
  await t?.stop();
});

const KEYS = ['__proto__', 'constructor', 'prototype'];
const NS = '/api/v1/namespaces/default';

/** t.req with the JSON body read as T (what the test expects back; a wrong shape fails its asserts). */
async function req<T>(...args: Parameters<TestApi['req']>) {
  const r = await t.req(...args);
  return { ...r, body: r.body as T };
}
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const ARRAY_NAMES = Object.getOwnPropertyNames(Array.prototype).sort().join(',');

/** JSON text with KEY replaced: JSON.parse makes own properties of it, as a body would. */
const j = (template: string, key: string) => template.replaceAll('KEY', key);

/** Object bodies (for POST/PUT/merge/strategic/apply) with the key at several depths. */
const OBJECT_SHAPES = [
  '{"KEY":{"polluted":"yes"}}',
  '{"metadata":{"KEY":{"polluted":"yes"}}}',
  '{"metadata":{"labels":{"KEY":"yes"}}}',
  '{"metadata":{"labels":{"KEY":{"polluted":"yes"}}}}',
  '{"metadata":{"annotations":{"KEY":"yes","a":"b"}}}',
  '{"metadata":{"annotations":{"KEY":{"KEY":{"polluted":"yes"}}}}}',
  '{"data":{"KEY":"yes"}}',
  '{"data":{"KEY":{"polluted":"yes"}}}',
  '{"binaryData":{"KEY":"eWVz"}}',
  '{"spec":{"KEY":{"polluted":"yes"}}}',
  '{"metadata":{"managedFields":[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"KEY":{"polluted":{}}}}]}}',
  '{"metadata":{"managedFields":[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:KEY":{"f:polluted":{}}}}}]}}',
  '{"metadata":{"managedFields":[{"manager":"m","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:KEY":{"f:hasOwnProperty":{}}}}}]}}',
  '{"$setElementOrder/KEY":[{"polluted":"yes"}],"metadata":{"$retainKeys":["KEY"],"KEY":{"polluted":"yes"}}}',
  '{"$deleteFromPrimitiveList/KEY":["x"],"metadata":{"$patch":"replace","KEY":{"polluted":"yes"}}}',
];

const JSON_PATCHES = [
  '[{"op":"add","path":"/metadata/KEY/polluted","value":"yes"}]',
  '[{"op":"add","path":"/KEY/polluted","value":"yes"}]',
  '[{"op":"add","path":"/metadata/KEY","value":{"polluted":"yes"}}]',
  '[{"op":"add","path":"/data/KEY","value":"yes"}]',
  '[{"op":"replace","path":"/metadata/KEY/toString","value":"yes"}]',
  '[{"op":"remove","path":"/metadata/KEY/hasOwnProperty"}]',
  '[{"op":"copy","from":"/metadata/KEY","path":"/data/x"}]',
  '[{"op":"move","from":"/metadata/KEY/hasOwnProperty","path":"/data/x"}]',
  '[{"op":"test","path":"/metadata/KEY","value":{}}]',
  '[{"op":"add","path":"/metadata/labels/KEY","value":"yes"}]',
];

const YAML_SHAPES = ['KEY:\n  polluted: "yes"\n', 'metadata:\n  KEY:\n    polluted: "yes"\n', 'data:\n  KEY: "yes"\n'];

interface Sent {
  what: string;
  status: number;
  text: string;
}

function assertUnpolluted(where: string) {
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.polluted, undefined, `Object.prototype polluted after ${where}`);
  assert.equal(typeof probe.hasOwnProperty, 'function', `Object.prototype damaged after ${where}`);
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(','), PROTO_NAMES, `Object.prototype changed after ${where}`);
  assert.equal(Object.getOwnPropertyNames(Array.prototype).sort().join(','), ARRAY_NAMES, `Array.prototype changed after ${where}`);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
}

async function send(what: string, method: string, path: string, body: string | undefined, contentType: string): Promise<Sent> {
  const r = await t.req(method, path, body, { 'content-type': contentType });
  assertUnpolluted(what);
  return { what, status: r.status, text: r.text };
}

function baseFor(resource: string, name: string): Record<string, unknown> {
  switch (resource) {
    case 'configmaps':
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' } };
    case 'secrets':
      return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { a: 'b' } };
    case 'pods':
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    default:
      return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], selector: { app: 'x' } } };
  }
}

/** The shape merged into a valid base object, so the key reaches deep code, not only decoding. */
function mergedBody(resource: string, name: string, shape: string): string {
  const base = JSON.stringify(baseFor(resource, name));
  // Splice the shape's members into the base's top-level object, keeping own "__proto__" keys.
  return `${base.slice(0, -1)},${shape.slice(1)}`;
}

describe('__proto__, constructor and prototype keys', () => {
  test('every verb and patch type answers 2xx/4xx, the process stays clean and ready', async () => {
    const results: Sent[] = [];
    const resources = ['configmaps', 'secrets', 'pods', 'services'];
    let n = 0;
    for (const resource of resources) {
      for (const key of KEYS) {
        for (const shape of OBJECT_SHAPES) {
          const s = j(shape, key);
          const name = `p${n++}`;
          const coll = `${NS}/${resource}`;
          results.push(await send(`POST ${resource} ${s}`, 'POST', coll, mergedBody(resource, name, s), 'application/json'));
          // A clean object to update and patch, whatever the POST answered.
          const clean = `c${n}`;
          const created = await req<KubeObject>('POST', coll, baseFor(resource, clean));
          assert.equal(created.status, 201, created.text);
          const item = `${coll}/${clean}`;
          const rv = created.body.metadata.resourceVersion ?? '';
          const put = mergedBody(resource, clean, s).replace('"metadata":{', `"metadata":{"resourceVersion":"${rv}",`);
          results.push(await send(`PUT ${resource} ${s}`, 'PUT', item, put, 'application/json'));
          results.push(await send(`merge ${resource} ${s}`, 'PATCH', item, s, 'application/merge-patch+json'));
          results.push(await send(`strategic ${resource} ${s}`, 'PATCH', item, s, 'application/strategic-merge-patch+json'));
          results.push(await send(`apply ${resource} ${s}`, 'PATCH', `${item}?fieldManager=fuzz&force=true`, mergedBody(resource, clean, s), 'application/apply-patch+yaml'));
        }
        const item = `${NS}/${resource}/c${n}`;
        for (const p of JSON_PATCHES) {
          const s = j(p, key);
          results.push(await send(`json ${resource} ${s}`, 'PATCH', item, s, 'application/json-patch+json'));
        }
        for (const y of YAML_SHAPES) {
          const name = `y${n++}`;
          const body = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${j(y, key).replace(/^metadata:\n/, 'metadata:\n  labels: {}\n')}`;
          results.push(await send(`POST yaml ${y}`, 'POST', `${NS}/configmaps`, body, 'application/yaml'));
          results.push(await send(`apply yaml ${y}`, 'PATCH', `${NS}/configmaps/${name}?fieldManager=fuzz`, body, 'application/apply-patch+yaml'));
        }
        for (const q of [`labelSelector=${key}`, `labelSelector=${key}%3Dx`, `labelSelector=!${key}`, `fieldSelector=${key}%3Dx`, `fieldSelector=metadata.${key}%3Dx`]) {
          const r = await t.req('GET', `${NS}/${resource}?${q}`);
          assertUnpolluted(q);
          results.push({ what: `list ${q}`, status: r.status, text: r.text });
        }
      }
    }
    const bad = results.filter((r) => r.status >= 500 || r.status < 200);
    assert.deepEqual(bad.map((b) => `${b.what} -> ${b.status} ${b.text.slice(0, 200)}`), []);
    assert.ok(results.length > 500, `only ${results.length} requests sent`);
    // Every 4xx is a Status object.
    for (const r of results.filter((x) => x.status >= 400)) assert.equal((JSON.parse(r.text) as Status).kind, 'Status', r.what);
    const ready = await t.req('GET', '/readyz');
    assert.equal(ready.status, 200);
    const metrics = await t.req('GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.doesNotMatch(metrics.text, /polluted/);
    assert.match(metrics.text, /apiserver_request_total\{verb="patch",resource="configmaps"/);
  });

  test('the drill: merge patch with metadata.__proto__ leaves the server alive and the key is dropped like any unknown field', async () => {
    const c = await t.req('POST', `${NS}/configmaps`, { metadata: { name: 'drill' }, data: { a: 'b' } });
    assert.equal(c.status, 201);
    const r = await req<ConfigMap>('PATCH', `${NS}/configmaps/drill`, '{"metadata":{"__proto__":{"polluted":"yes"}}}', { 'content-type': 'application/merge-patch+json' });
    assert.equal(r.status, 200, r.text);
    assertUnpolluted('drill');
    assert.equal(Object.prototype.hasOwnProperty.call(r.body.metadata, '__proto__'), false);
    await new Promise((res) => setTimeout(res, 200));
    assert.equal((await t.req('GET', '/readyz')).status, 200);
    assert.equal((await t.req('GET', '/metrics')).status, 200);
  });

  test('as in Go, such keys are plain data where the schema allows any key', async () => {
    const body = '{"metadata":{"name":"data-keys","labels":{"constructor":"x","prototype":"y"}},"data":{"__proto__":"p","constructor":"c","prototype":"q"}}';
    const c = await t.req('POST', `${NS}/configmaps`, body);
    assert.equal(c.status, 201, c.text);
    const got = await req<ConfigMap>('GET', `${NS}/configmaps/data-keys`);
    assert.deepEqual(Object.entries((JSON.parse(got.text) as ConfigMap).data ?? {}), [['__proto__', 'p'], ['constructor', 'c'], ['prototype', 'q']]);
    assert.deepEqual(got.body.metadata.labels, { constructor: 'x', prototype: 'y' });
    // Merge patch deletes and replaces them as data.
    const p = await t.req('PATCH', `${NS}/configmaps/data-keys`, '{"data":{"__proto__":null,"constructor":"c2"}}', { 'content-type': 'application/merge-patch+json' });
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(Object.entries((JSON.parse(p.text) as ConfigMap).data ?? {}), [['constructor', 'c2'], ['prototype', 'q']]);
    // JSON patch adds one back.
    const jp = await t.req('PATCH', `${NS}/configmaps/data-keys`, '[{"op":"add","path":"/data/__proto__","value":"again"}]', { 'content-type': 'application/json-patch+json' });
    assert.equal(jp.status, 200, jp.text);
    assert.equal((JSON.parse(jp.text) as ConfigMap).data?.['__proto__'], 'again');
    // Selectors see labels as data: "constructor" exists, "toString" does not.
    const sel = await req<ConfigMapList>('GET', `${NS}/configmaps?labelSelector=constructor&fieldSelector=metadata.name%3Ddata-keys`);
    assert.deepEqual(sel.body.items.map((i) => i.metadata.name), ['data-keys']);
    const none = await req<ConfigMapList>('GET', `${NS}/configmaps?labelSelector=toString`);
    assert.equal(none.body.items.length, 0);
    // An invalid label key ("__proto__" does not start with an alphanumeric) is a 422, as upstream.
    const bad = await req<Status>('POST', `${NS}/configmaps`, '{"metadata":{"name":"bad-label","labels":{"__proto__":"x"}}}');
    assert.equal(bad.status, 422, bad.text);
    assert.match(bad.body.message ?? '', /metadata\.labels/);
    // Secret stringData keys become data keys.
    const s = await t.req('POST', `${NS}/secrets`, '{"metadata":{"name":"s-proto"},"stringData":{"__proto__":"v"}}');
    assert.equal(s.status, 201, s.text);
    assert.equal((JSON.parse(s.text) as Secret).data?.['__proto__'], Buffer.from('v').toString('base64'));
    assertUnpolluted('data keys');
  });
});
