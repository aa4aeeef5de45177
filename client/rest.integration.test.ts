// The REST client and watch against the real apiserver on a real etcd.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ReplicationController } from '../api/core.js';
import { ApiError, isConflict, isGone, isNotFound } from './errors.js';
import { eventually, startTestCluster, uniqueName, type TestCluster } from '../testing/client-env.js';
import type { WatchEvent } from '../api/meta.js';

let c: TestCluster;
let ns: string;

const podSpec = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }] }] },
});

before(async () => {
  c = await startTestCluster();
  ns = uniqueName('tkt-rest');
  await c.client.namespaces().create({ metadata: { name: ns } });
});

after(async () => {
  await c?.stop();
});

test('create, get, update with optimistic concurrency, 409 on a stale resourceVersion', async () => {
  const pods = c.client.pods(ns);
  const created = await pods.create(podSpec('p1', { app: 'web' }));
  assert.equal(created.metadata.namespace, ns);
  assert.ok(created.metadata.uid);
  assert.match(created.metadata.resourceVersion ?? '', /^\d+$/);
  assert.equal(created.spec?.restartPolicy, 'Always', 'server defaulting');
  const got = await pods.get('p1');
  assert.equal(got.metadata.uid, created.metadata.uid);
  const updated = await pods.update({ ...got, metadata: { ...got.metadata, labels: { app: 'web', v: '2' } } });
  assert.equal(updated.metadata.labels?.v, '2');
  assert.notEqual(updated.metadata.resourceVersion, got.metadata.resourceVersion);
  const stale = await pods.update({ ...got, metadata: { ...got.metadata, labels: { app: 'stale' } } }).catch((e: unknown) => e);
  assert.ok(isConflict(stale), `expected 409, got ${String(stale)}`);
  assert.equal((stale as ApiError).status.kind, 'Status');
});

test('errors carry the Status: 404, 409 AlreadyExists, 422 with field causes', async () => {
  const pods = c.client.pods(ns);
  const nf = await pods.get('nope').catch((e: unknown) => e);
  assert.ok(isNotFound(nf));
  assert.equal((nf as ApiError).reason, 'NotFound');
  await pods.create(podSpec('dup'));
  const dup = await pods.create(podSpec('dup')).catch((e: unknown) => e);
  assert.ok(dup instanceof ApiError);
  assert.equal(dup.code, 409);
  assert.equal(dup.reason, 'AlreadyExists');
  const bad = await pods.create({ ...podSpec('Bad_Name') }).catch((e: unknown) => e);
  assert.ok(bad instanceof ApiError);
  assert.equal(bad.code, 422);
  assert.equal(bad.reason, 'Invalid');
  assert.ok(bad.causes.some((cz) => cz.field === 'metadata.name'), JSON.stringify(bad.status));
});

test('list with label and field selectors, limit and continue', async () => {
  const pods = c.client.pods(ns);
  for (let i = 0; i < 5; i++) await pods.create(podSpec(`l${i}`, { set: 'list', idx: String(i) }));
  const sel = await pods.list({ labelSelector: 'set=list,idx in (1,3)' });
  assert.deepEqual(sel.items.map((p) => p.metadata.name).sort(), ['l1', 'l3']);
  const byName = await pods.list({ fieldSelector: 'metadata.name=l4' });
  assert.deepEqual(byName.items.map((p) => p.metadata.name), ['l4']);
  const page1 = await pods.list({ labelSelector: 'set=list', limit: 2 });
  assert.equal(page1.items.length, 2);
  assert.ok(page1.metadata.continue, 'a continue token');
  const all = await pods.listAll({ labelSelector: 'set=list' }, 2);
  assert.deepEqual(all.items.map((p) => p.metadata.name).sort(), ['l0', 'l1', 'l2', 'l3', 'l4']);
  assert.ok(all.metadata.resourceVersion);
  const everywhere = await c.client.pods().list({ labelSelector: 'set=list' });
  assert.equal(everywhere.items.length, 5, 'all-namespaces list');
});

test('patch: merge, strategic (containers by name), json; server-side apply with a field manager', async () => {
  const pods = c.client.pods(ns);
  await pods.create(podSpec('pp'));
  const m = await pods.patch('pp', { metadata: { labels: { merged: 'yes' } } }, 'merge');
  assert.equal(m.metadata.labels?.merged, 'yes');
  const s = await pods.patch('pp', { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } }, 'strategic');
  assert.equal(s.spec?.containers.length, 1);
  assert.equal(s.spec?.containers[0].image, 'busybox:2');
  assert.deepEqual(s.spec?.containers[0].ports?.map((p) => p.containerPort), [80], 'strategic merge kept the ports');
  const j = await pods.patch('pp', [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }], 'json');
  assert.equal(j.metadata.annotations?.a, 'b');

  const cms = c.client.configMaps(ns);
  const applied = await cms.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: ns }, data: { k: 'v1' } }, { fieldManager: 'tester' });
  assert.equal(applied.data?.k, 'v1');
  assert.ok(applied.metadata.managedFields?.some((f) => f.manager === 'tester'), 'field manager recorded');
  const again = await cms.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: ns }, data: { k: 'v2' } }, { fieldManager: 'tester' });
  assert.equal(again.data?.k, 'v2');
});

test('status, binding and scale subresources', async () => {
  const pods = c.client.pods(ns);
  const p = await pods.create(podSpec('sub'));
  await pods.bind('sub', 'node-a');
  assert.equal((await pods.get('sub')).spec?.nodeName, 'node-a');
  const cur = await pods.get('sub');
  const st = await pods.updateStatus({ ...cur, status: { ...cur.status, phase: 'Running', podIP: '10.244.0.9' } });
  assert.equal(st.status?.phase, 'Running');
  assert.equal(st.metadata.uid, p.metadata.uid);

  const rcs = c.client.replicationControllers(ns);
  const rc: ReplicationController = {
    metadata: { name: 'rc1' },
    spec: { replicas: 1, selector: { app: 'rc1' }, template: { metadata: { labels: { app: 'rc1' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  };
  await rcs.create(rc);
  const scale = await rcs.getScale('rc1');
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.spec?.replicas, 1);
  const scaled = await rcs.scale('rc1', 4);
  assert.equal(scaled.spec?.replicas, 4);
  assert.equal((await rcs.get('rc1')).spec?.replicas, 4);
});

test('delete: preconditions, graceful pod deletion, propagation', async () => {
  const pods = c.client.pods(ns);
  await pods.create(podSpec('del'));
  const wrongUid = await pods.delete('del', { preconditions: { uid: 'not-the-uid' } }).catch((e: unknown) => e);
  assert.ok(isConflict(wrongUid), `precondition failure is 409, got ${String(wrongUid)}`);
  // A pod bound to a node stays, marked, until its kubelet finishes; grace 0 removes it at once.
  await pods.bind('del', 'node-a');
  await pods.delete('del', { gracePeriodSeconds: 30 });
  const marked = await pods.get('del');
  assert.ok(marked.metadata.deletionTimestamp, 'deletionTimestamp set');
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
  await pods.delete('del', { gracePeriodSeconds: 0 });
  await eventually('pod gone', async () => isNotFound(await pods.get('del').catch((e: unknown) => e)));
  const cms = c.client.configMaps(ns);
  await cms.create({ metadata: { name: 'gone' }, data: {} });
  await cms.delete('gone', { propagationPolicy: 'Background' });
  assert.ok(isNotFound(await cms.get('gone').catch((e: unknown) => e)));
});

test('watch: ADDED, MODIFIED, DELETED from a resourceVersion, in order, filtered by label', async () => {
  const cms = c.client.configMaps(ns);
  const start = await cms.list();
  const w = await cms.watch({ resourceVersion: start.metadata.resourceVersion, labelSelector: 'w=yes' });
  const got: WatchEvent[] = [];
  const done = (async () => {
    for await (const ev of w) {
      if (ev.type === 'BOOKMARK') continue;
      got.push(ev as WatchEvent);
      if (got.length === 3) w.stop();
    }
  })();
  await cms.create({ metadata: { name: 'ignored', labels: { w: 'no' } } });
  await cms.create({ metadata: { name: 'w1', labels: { w: 'yes' } }, data: { a: '1' } });
  await cms.patch('w1', { data: { a: '2' } }, 'merge');
  await cms.delete('w1');
  await done;
  assert.deepEqual(got.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  assert.equal((got[1].object as { data?: Record<string, string> }).data?.a, '2');
  const rvs = got.map((e) => BigInt(e.object.metadata.resourceVersion!));
  assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], 'resourceVersions increase');
});

test('watch: bookmarks arrive and carry a resourceVersion while other namespaces change', async () => {
  const cms = c.client.configMaps(ns);
  const list = await cms.list();
  const w = await cms.watch({ resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 60 });
  // Writes elsewhere advance the store's revision without giving this watch an event: a bookmark tells it so.
  const other = uniqueName('tkt-rest-bm');
  await c.client.namespaces().create({ metadata: { name: other } });
  let i = 0;
  const writer = setInterval(() => {
    void c.client.configMaps(other).create({ metadata: { name: `bm${i++}` } }).catch(() => undefined);
  }, 300);
  let bookmark: WatchEvent | undefined;
  const t = setTimeout(() => w.stop(), 30_000);
  try {
    for await (const ev of w) {
      if (ev.type === 'BOOKMARK') {
        bookmark = ev as WatchEvent;
        w.stop();
      }
    }
  } finally {
    clearTimeout(t);
    clearInterval(writer);
  }
  assert.ok(bookmark, 'a bookmark within 30 s');
  assert.match(bookmark.object.metadata.resourceVersion ?? '', /^\d+$/);
  assert.ok(BigInt(bookmark.object.metadata.resourceVersion!) > BigInt(list.metadata.resourceVersion!), 'the bookmark advances the resourceVersion');
});

test('watch: a resourceVersion older than etcd keeps (compacted) is 410 Gone', async () => {
  const cms = c.client.configMaps(ns);
  const old = (await cms.list()).metadata.resourceVersion!;
  await cms.create({ metadata: { name: 'compact-me' } });
  await cms.delete('compact-me');
  await c.compactEtcd();
  // The watch cache of a running apiserver still serves that history; a restarted one
  // starts its cache at the current revision, so only etcd could serve it, and etcd has compacted it.
  await c.restartApiServer();
  const err = await (async () => {
    const w = await cms.watch({ resourceVersion: String(BigInt(old) - 1n) });
    // Drain until the ERROR event ends it.
    const events = w[Symbol.asyncIterator]();
    while (!(await events.next()).done);
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isGone(err), `expected 410, got ${String(err)}`);
  assert.equal((err as ApiError).code, 410);
});

test('a server-side Table comes back for the Table Accept header', async () => {
  const t = (await c.client.pods(ns).listTable()) as { kind: string; columnDefinitions: { name: string }[]; rows: unknown[] };
  assert.equal(t.kind, 'Table');
  assert.ok(t.columnDefinitions.some((d) => d.name === 'Name'));
  assert.ok(t.rows.length > 0);
});
