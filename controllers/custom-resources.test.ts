// Custom resources (of a CRD) under the controllers that must reach every kind: the garbage
// collector (ownerReferences in both directions) and the namespace controller (deleting a
// namespace empties it of custom resources too). Real apiserver and etcd.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/meta.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { waitFor } from '../testing/wait.js';
import { startGarbageCollector, type GarbageCollector } from './garbage-collector.js';
import { NamespaceController } from './namespace.js';

let env: ControllerTestEnv;
let gc: GarbageCollector;
let nsc: NamespaceController;

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'configmaps.gc.example.com' },
  spec: {
    group: 'gc.example.com',
    scope: 'Namespaced',
    // The plural of a built-in kind in another group: the controllers must not confuse them.
    names: { plural: 'configmaps', kind: 'Widget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

before(async () => {
  env = await startEnv();
  const r = await env.t.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD);
  assert.equal(r.status, 201, r.text);
  await waitFor(async () => (await env.t.req('GET', `/apis/gc.example.com/v1/namespaces/${env.ns}/configmaps`)).status === 200, 10_000);
  gc = await startGarbageCollector({ client: env.client, log: () => {}, discoveryIntervalMs: 200 });
  nsc = await new NamespaceController({ client: env.client, log: () => {}, recheckMs: 200 }).start();
});
after(async () => {
  await nsc?.stop();
  await gc?.stop();
  await env?.stop();
});

const widgets = (ns: string) => `/apis/gc.example.com/v1/namespaces/${ns}/configmaps`;

test('the garbage collector deletes dependents of a custom resource, and custom resources whose owner went', async () => {
  const w = await env.t.req('POST', widgets(env.ns), { apiVersion: 'gc.example.com/v1', kind: 'Widget', metadata: { name: 'owner' } });
  assert.equal(w.status, 201, w.text);
  const owner = w.body as KubeObject;
  const cm = await env.t.req('POST', `/api/v1/namespaces/${env.ns}/configmaps`, {
    metadata: { name: 'dep', ownerReferences: [{ apiVersion: 'gc.example.com/v1', kind: 'Widget', name: 'owner', uid: owner.metadata.uid }] },
  });
  assert.equal(cm.status, 201, cm.text);
  const dep = await env.t.req('POST', widgets(env.ns), {
    apiVersion: 'gc.example.com/v1',
    kind: 'Widget',
    metadata: { name: 'dep-widget', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'dep', uid: (cm.body as KubeObject).metadata.uid }] },
  });
  assert.equal(dep.status, 201, dep.text);
  assert.equal((await env.t.req('DELETE', `${widgets(env.ns)}/owner`)).status, 200);
  await waitFor(async () => (await env.t.req('GET', `/api/v1/namespaces/${env.ns}/configmaps/dep`)).status === 404, 15_000);
  await waitFor(async () => (await env.t.req('GET', `${widgets(env.ns)}/dep-widget`)).status === 404, 15_000);
});

test('deleting a namespace deletes its custom resources before the namespace goes', async () => {
  const ns = `${env.tag}-doomed`;
  assert.equal((await env.t.req('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status, 201);
  assert.equal((await env.t.req('POST', widgets(ns), { apiVersion: 'gc.example.com/v1', kind: 'Widget', metadata: { name: 'w', finalizers: ['example.com/hold'] } })).status, 201);
  assert.equal((await env.t.req('DELETE', `/api/v1/namespaces/${ns}`)).status, 200);
  // Held by its finalizer: the namespace waits, naming what remains.
  await waitFor(async () => {
    const got = (await env.t.req('GET', `/api/v1/namespaces/${ns}`)).body as KubeObject;
    const conds = ((got.status as { conditions?: { type: string; message?: string }[] })?.conditions ?? []);
    return conds.some((c) => c.type === 'NamespaceContentRemaining' && /configmaps\.gc\.example\.com has 1 resource instances/.test(c.message ?? ''));
  }, 15_000);
  const w = await env.t.req('PATCH', `${widgets(ns)}/w`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(w.status, 200, w.text);
  await waitFor(async () => (await env.t.req('GET', `/api/v1/namespaces/${ns}`)).status === 404, 15_000);
});
