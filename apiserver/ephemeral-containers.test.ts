// pods/ephemeralcontainers on a real apiserver and etcd: additions only, upstream's 422s.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import type { Pod } from '../api/core.js';
import type { Status } from '../api/meta.js';

const NS = '/api/v1/namespaces/default';
const EC = `${NS}/pods/p/ephemeralcontainers`;
const STRATEGIC = { 'content-type': 'application/strategic-merge-patch+json' };
let t: TestApi;
before(async () => {
  t = await startTestApi();
  const r = await t.req('POST', `${NS}/pods`, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  await t?.stop();
});

const causes = (body: unknown) => ((body as Status).details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

test('a pod created with ephemeral containers is refused', async () => {
  const r = await t.req('POST', `${NS}/pods`, { metadata: { name: 'q' }, spec: { containers: [{ name: 'c', image: 'i' }], ephemeralContainers: [{ name: 'd', image: 'i' }] } });
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(causes(r.body), ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
});

test('GET, a strategic-merge PATCH adding one (defaulted), then a PUT adding a second', async () => {
  const g = await t.req('GET', EC);
  assert.equal(g.status, 200, g.text);
  assert.equal((g.body as Pod).kind, 'Pod');
  const patch = { spec: { ephemeralContainers: [{ name: 'debugger-1', image: 'busybox', targetContainerName: 'c', stdin: true, tty: true }] } };
  const r = await t.req('PATCH', EC, patch, STRATEGIC);
  assert.equal(r.status, 200, r.text);
  const ec = (r.body as Pod).spec!.ephemeralContainers!;
  assert.equal(ec.length, 1);
  assert.equal(ec[0].targetContainerName, 'c');
  assert.equal(ec[0].terminationMessagePolicy, 'File');
  const pod = r.body as Pod;
  pod.spec!.ephemeralContainers!.push({ name: 'debugger-2', image: 'busybox' });
  const u = await t.req('PUT', EC, pod);
  assert.equal(u.status, 200, u.text);
  assert.deepEqual((u.body as Pod).spec!.ephemeralContainers!.map((c) => c.name), ['debugger-1', 'debugger-2']);
  // A JSON patch (what kubectl debug sends when it has the pod) appends too.
  const j = await t.req('PATCH', EC, [{ op: 'add', path: '/spec/ephemeralContainers/-', value: { name: 'debugger-3', image: 'busybox' } }], { 'content-type': 'application/json-patch+json' });
  assert.equal(j.status, 200, j.text);
  assert.equal((j.body as Pod).spec!.ephemeralContainers!.length, 3);
});

test('only spec.ephemeralContainers is taken: other spec changes through the subresource are ignored', async () => {
  const r = await t.req('PATCH', EC, { spec: { activeDeadlineSeconds: 5, ephemeralContainers: [{ name: 'debugger-4', image: 'busybox' }] } }, STRATEGIC);
  assert.equal(r.status, 200, r.text);
  assert.equal((r.body as Pod).spec!.activeDeadlineSeconds, undefined);
});

test('changes, removals, forbidden fields, duplicate names and unknown targets get upstream\'s 422', async () => {
  const before = await t.req('GET', `${NS}/pods/p`);
  const rv = (before.body as Pod).metadata.resourceVersion;
  const cases: [unknown, string, string[]][] = [
    [[{ op: 'replace', path: '/spec/ephemeralContainers/0/image', value: 'other' }], 'application/json-patch+json', ['spec.ephemeralContainers[0]: Forbidden: existing ephemeral containers "debugger-1" may not be changed']],
    [[{ op: 'remove', path: '/spec/ephemeralContainers/0' }], 'application/json-patch+json', ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-1" may not be removed']],
    [{ spec: { ephemeralContainers: [{ name: 'x', image: 'i', ports: [{ containerPort: 80 }], readinessProbe: { exec: { command: ['true'] } } }] } }, STRATEGIC['content-type'], [
      'spec.ephemeralContainers[4].ports: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[4].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
    ]],
    [{ spec: { ephemeralContainers: [{ name: 'c', image: 'i' }] } }, STRATEGIC['content-type'], ['spec.ephemeralContainers[4].name: Duplicate value: "c"']],
    [{ spec: { ephemeralContainers: [{ name: 'y', image: 'i', targetContainerName: 'nope' }] } }, STRATEGIC['content-type'], ['spec.ephemeralContainers[4].targetContainerName: Not found: "nope"']],
  ];
  for (const [body, type, want] of cases) {
    const r = await t.req('PATCH', EC, body, { 'content-type': type });
    assert.equal(r.status, 422, r.text);
    assert.equal((r.body as Status).reason, 'Invalid');
    assert.deepEqual(causes(r.body), want, r.text);
  }
  const after = await t.req('GET', `${NS}/pods/p`);
  assert.equal((after.body as Pod).metadata.resourceVersion, rv, 'nothing written');
  // The main resource may not change them either.
  const pod = after.body as Pod;
  pod.spec!.ephemeralContainers = [];
  const u = await t.req('PUT', `${NS}/pods/p`, pod);
  assert.equal(u.status, 422, u.text);
});

test('DELETE and POST on the subresource are refused', async () => {
  assert.equal((await t.req('DELETE', EC)).status, 405);
  assert.equal((await t.req('POST', EC, {})).status, 405);
});

test('hostile bodies get a 4xx, never a 500, and nothing is written', async () => {
  const rv = ((await t.req('GET', `${NS}/pods/p`)).body as Pod).metadata.resourceVersion;
  const bodies: unknown[] = [
    { spec: { ephemeralContainers: [null] } },
    { spec: { ephemeralContainers: 'x' } },
    { spec: { ephemeralContainers: [{ name: '__proto__', image: 'i' }] } },
    { spec: { ephemeralContainers: [{ name: 'z', image: 'i', targetContainerName: '__proto__' }] } },
    { spec: { ephemeralContainers: [{ name: 'z'.repeat(100_000), image: 'i' }] } },
    { spec: { ephemeralContainers: [{ name: 'z', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/x', subPath: '../..' }] }] } },
    { spec: null },
  ];
  for (const b of bodies) {
    for (const [type, body] of [[STRATEGIC['content-type'], b], ['application/merge-patch+json', b]] as const) {
      const r = await t.req('PATCH', EC, body, { 'content-type': type });
      assert.ok(r.status >= 400 && r.status < 500, `${JSON.stringify(body).slice(0, 80)}: ${r.status} ${r.text.slice(0, 300)}`);
    }
  }
  const put = await t.req('PUT', EC, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ephemeralContainers: [null] } });
  assert.ok(put.status >= 400 && put.status < 500, put.text);
  assert.equal(((await t.req('GET', `${NS}/pods/p`)).body as Pod).metadata.resourceVersion, rv);
});
