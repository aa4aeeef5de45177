import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdHandle } from '../../testing/etcd.js';
import { waitFor, uniqueTag } from '../../testing/wait.js';
import type { KubeObject } from '../../api/meta.js';
import { EtcdStorage } from './etcd.js';
import { newEtcdClient } from './etcd-client.js';
import { StorageError, type StorageWatchEvent } from './interface.js';
import { startCompactor } from './compactor.js';

let etcd: EtcdHandle;
/** A plain etcd3 client, to look at what the store wrote. */
let raw: Etcd3;

before(async () => {
  etcd = await startEtcd();
  raw = newEtcdClient({ endpoints: etcd.endpoint });
});
after(async () => {
  raw?.close();
  await etcd?.stop();
});

function pod(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, ...extra };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof StorageError, `not a StorageError: ${String(err)}`);
    return err.code;
  }
}

// Every behaviour holds with the etcd client in this thread and in a worker thread.
for (const worker of [false, true]) {
  describe(worker ? 'etcd client in a worker thread' : 'etcd client in this thread', () => {
    let store: EtcdStorage;
    before(() => {
      store = new EtcdStorage({ endpoints: etcd.endpoint, worker });
    });
    after(async () => {
      await store?.close();
    });

    test('create/get/update/delete with compare-and-swap', async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      const key = base + 'a';
      const created = await store.create(key, { ...pod('a'), metadata: { name: 'a', resourceVersion: '999' } });
      assert.equal(created.object.metadata.resourceVersion, created.revision);
      assert.notEqual(created.revision, '999');
      // resourceVersion is not stored in the bytes.
      const bytes = JSON.parse((await raw.get(key).string()) ?? '{}') as KubeObject;
      assert.equal(bytes.metadata.resourceVersion, undefined);
      assert.equal(bytes.metadata.name, 'a');

      assert.equal(await code(store.create(key, pod('a'))), 'AlreadyExists');
      const got = await store.get(key);
      assert.equal(got.revision, created.revision);
      assert.equal(got.object.metadata.resourceVersion, created.revision);
      assert.equal(got.object.kind, 'Pod');

      const updated = await store.update(key, pod('a', { spec: { x: 1 } }), created.revision);
      assert.ok(BigInt(updated.revision) > BigInt(created.revision));
      assert.equal(await code(store.update(key, pod('a', { spec: { x: 2 } }), created.revision)), 'Conflict');
      assert.deepEqual((await store.get(key)).object.spec, { x: 1 });
      assert.equal(await code(store.update(base + 'missing', pod('m'), '5')), 'NotFound');

      assert.equal(await code(store.delete(key, created.revision)), 'Conflict');
      const deleted = await store.delete(key, updated.revision);
      assert.ok(BigInt(deleted.revision) > BigInt(updated.revision));
      assert.equal(deleted.object.metadata.resourceVersion, deleted.revision);
      assert.deepEqual(deleted.object.spec, { x: 1 });
      assert.equal(await code(store.get(key)), 'NotFound');
      assert.equal(await code(store.delete(key)), 'NotFound');
      assert.equal(await code(store.delete(key, '3')), 'NotFound');

      await store.create(key, pod('a'));
      const d2 = await store.delete(key);
      assert.equal(d2.object.metadata.name, 'a');
    });

    test('list: prefix only, paging with continue keys, exact-revision lists', async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      await store.create(base.slice(0, -1) + 'x/not-mine', pod('other')); // shares the string prefix minus '/'
      for (let i = 0; i < 25; i++) await store.create(`${base}p${String(i).padStart(2, '0')}`, pod(`p${i}`));
      const all = await store.list(base);
      assert.equal(all.items.length, 25);
      assert.equal(all.continueKey, undefined);
      assert.deepEqual(
        all.items.map((i) => i.key),
        [...all.items.map((i) => i.key)].sort(),
      );
      for (const it of all.items) assert.equal(it.object.metadata.resourceVersion, it.revision);

      const p1 = await store.list(base, { limit: 10 });
      assert.equal(p1.items.length, 10);
      assert.equal(p1.continueKey, `${base}p09`);
      assert.equal(p1.remaining, 15);
      // A write between pages must not show up in the next page at the first page's revision.
      const changed = await store.update(`${base}p15`, pod('p15', { spec: { changed: true } }), all.items[15].revision);
      await store.create(`${base}p99`, pod('p99'));
      const p2 = await store.list(base, { limit: 10, startAfter: p1.continueKey, exactRevision: p1.revision });
      assert.equal(p2.revision, p1.revision);
      assert.equal(p2.items[0].key, `${base}p10`);
      assert.equal(p2.items[5].object.spec, undefined);
      const p3 = await store.list(base, { limit: 10, startAfter: p2.continueKey, exactRevision: p1.revision });
      assert.equal(p3.items.length, 5);
      assert.equal(p3.continueKey, undefined);
      assert.equal(p3.items.at(-1)?.key, `${base}p24`);

      const now = await store.list(base);
      assert.equal(now.items.length, 26);
      assert.deepEqual(now.items[15].object.spec, { changed: true });
      assert.equal(now.items[15].revision, changed.revision);
      assert.ok(BigInt(now.revision) >= BigInt(changed.revision));
      const cached = await store.list(base, { resourceVersion: '0' });
      assert.equal(cached.items.length, 26);
    });

    test('watch delivers ADDED/MODIFIED/DELETED after fromRevision, only under the prefix', async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      const before = await store.create(`${base}ns1/old`, pod('old'));
      const events: StorageWatchEvent[] = [];
      const errors: StorageError[] = [];
      const w = store.watch(`${base}ns1/`, before.revision, { onEvent: (e) => events.push(e), onError: (e) => errors.push(e) });
      try {
        const a = await store.create(`${base}ns1/a`, pod('a'));
        await store.create(`${base}ns2/b`, pod('b')); // other sub-prefix: not delivered
        const a2 = await store.update(`${base}ns1/a`, pod('a', { spec: { v: 2 } }), a.revision);
        const del = await store.delete(`${base}ns1/a`);
        await waitFor(() => events.length >= 3, 10_000, 'three events');
        assert.deepEqual(
          events.map((e) => [e.type, e.key, e.revision]),
          [
            ['ADDED', `${base}ns1/a`, a.revision],
            ['MODIFIED', `${base}ns1/a`, a2.revision],
            ['DELETED', `${base}ns1/a`, del.revision],
          ],
        );
        assert.equal(events[1].object.metadata.resourceVersion, a2.revision);
        // MODIFIED carries the previous state too (for selector transitions).
        assert.equal(events[1].prevObject?.metadata.resourceVersion, a.revision);
        assert.equal(events[1].prevObject?.spec, undefined);
        assert.deepEqual(events[1].object.spec, { v: 2 });
        // DELETED carries the last state with the deletion revision.
        assert.deepEqual(events[2].object.spec, { v: 2 });
        assert.equal(events[2].object.metadata.resourceVersion, del.revision);
        assert.equal(errors.length, 0);
      } finally {
        w.stop();
      }
    });

    test("watch from '0' or undefined starts now; objects up to 3 MiB are stored", async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      await store.create(`${base}old`, pod('old'));
      const events: StorageWatchEvent[] = [];
      const w = store.watch(base, '0', { onEvent: (e) => events.push(e), onError: () => undefined });
      try {
        // Wait until the watch is established (a progress notification proves it), then write.
        const progressed: string[] = [];
        const wp = store.watch(base, undefined, { onEvent: () => undefined, onProgress: (r) => progressed.push(r), onError: () => undefined });
        await waitFor(() => progressed.length > 0);
        wp.stop();
        const big = await store.create(`${base}big`, pod('big', { data: 'x'.repeat(3 * 1024 * 1024 - 1000) }));
        await waitFor(() => events.length >= 1);
        assert.deepEqual(events.map((e) => e.revision), [big.revision]);
        assert.equal((events[0].object.data as string).length, 3 * 1024 * 1024 - 1000);
      } finally {
        w.stop();
      }
    });

    test('watch from a past revision replays history', async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      const a = await store.create(`${base}a`, pod('a'));
      const b = await store.create(`${base}b`, pod('b'));
      const events: StorageWatchEvent[] = [];
      const w = store.watch(base, String(BigInt(a.revision) - 1n), { onEvent: (e) => events.push(e), onError: () => undefined });
      try {
        await waitFor(() => events.length >= 2);
        assert.deepEqual(events.map((e) => e.revision), [a.revision, b.revision]);
      } finally {
        w.stop();
      }
    });

    test('watch sends progress notifications when idle', async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      const progress: string[] = [];
      const w = store.watch(base, undefined, { onEvent: () => undefined, onProgress: (r) => progress.push(r), onError: () => undefined });
      try {
        await waitFor(() => progress.length >= 2, 10_000, 'progress notifications');
        const rev = await store.currentRevision();
        assert.ok(BigInt(progress.at(-1)!) <= BigInt(rev));
      } finally {
        w.stop();
      }
    });

    test('watch resumes after an etcd restart without losing or repeating events', { timeout: 120_000 }, async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      const events: StorageWatchEvent[] = [];
      const errors: StorageError[] = [];
      const start = await store.currentRevision();
      const w = store.watch(base, start, { onEvent: (e) => events.push(e), onError: (e) => errors.push(e) });
      try {
        const revs: string[] = [];
        for (let i = 0; i < 5; i++) revs.push((await store.create(`${base}before${i}`, pod(`b${i}`))).revision);
        await waitFor(() => events.length >= 5);
        await etcd.restart();
        for (let i = 0; i < 5; i++) revs.push((await store.create(`${base}after${i}`, pod(`a${i}`))).revision);
        await waitFor(() => events.length >= 10, 20_000, 'events after restart');
        // Kill hard while idle, write right after it comes back.
        etcd.kill9();
        await etcd.restart();
        revs.push((await store.create(`${base}afterkill`, pod('k'))).revision);
        await waitFor(() => events.length >= 11, 20_000, 'event after kill -9');
        await new Promise((r) => setTimeout(r, 300)); // let any duplicate arrive
        assert.deepEqual(events.map((e) => e.revision), revs);
        assert.equal(errors.length, 0);
      } finally {
        w.stop();
      }
    });

    test('a watch catching up on a long history survives etcd being killed mid-way', { timeout: 120_000 }, async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      const from = await store.currentRevision();
      const revs: string[] = [];
      // etcd replays history to a new watch in batches of at most 1000 revisions, about every 100 ms:
      // 2500 revisions make the kill land between batches, when etcd3's own resume point is wrong.
      for (let batch = 0; batch < 50; batch++) {
        const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => store.create(`${base}o${batch}-${i}`, pod('o'))));
        revs.push(...rs.map((r) => r.revision));
      }
      revs.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      const events: StorageWatchEvent[] = [];
      const errors: StorageError[] = [];
      const w = store.watch(base, from, { onEvent: (e) => events.push(e), onError: (e) => errors.push(e) });
      try {
        await waitFor(() => events.length > 0, 10_000, 'first replayed event');
        etcd.kill9();
        await etcd.restart();
        const last = await store.create(`${base}zz`, pod('zz'));
        revs.push(last.revision);
        await waitFor(() => events.length >= revs.length, 30_000, 'all events');
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(events.map((e) => e.revision), revs);
        assert.equal(errors.length, 0);
      } finally {
        w.stop();
      }
    });

    test('with no hold budget: Unavailable fast while etcd is down, and immediate recovery', { timeout: 120_000 }, async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      const a = await store.create(`${base}a`, pod('a'));
      const quick = new EtcdStorage({ endpoints: etcd.endpoint, worker, retryBudgetMs: 0 });
      await etcd.pause();
      try {
        for (const op of [
          () => quick.get(`${base}a`),
          () => quick.list(base),
          () => quick.create(`${base}b`, pod('b')),
          () => quick.update(`${base}a`, pod('a'), a.revision),
          () => quick.delete(`${base}a`),
          () => quick.currentRevision(),
          () => quick.get(`${base}a`),
        ]) {
          const t0 = Date.now();
          assert.equal(await code(op()), 'Unavailable');
          const ms = Date.now() - t0;
          assert.ok(ms < 2500, `took ${ms} ms`);
        }
      } finally {
        await etcd.restart();
      }
      // No circuit breaker: the very first call after etcd is back succeeds.
      const got = await quick.get(`${base}a`);
      assert.equal(got.revision, a.revision);
      await quick.close();
    });

    test('etcd restarting: calls wait for it (within the budget) and succeed once, a write exactly once', { timeout: 120_000 }, async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      const a = await store.create(`${base}a`, pod('a'));
      await etcd.pause();
      const t0 = Date.now();
      const held = Promise.all([
        store.create(`${base}b`, pod('b')),
        store.update(`${base}a`, pod('a', { spec: { v: 2 } }), a.revision),
        store.list(base),
      ]);
      await new Promise((r) => setTimeout(r, 700));
      await etcd.restart();
      const [b, a2, l] = await held;
      assert.ok(Date.now() - t0 >= 700, 'they waited');
      assert.ok(BigInt(a2.revision) > BigInt(a.revision));
      assert.ok(BigInt(b.revision) > 0n);
      assert.ok(l.items.length >= 1);
      const after = await store.list(base);
      assert.deepEqual(after.items.map((i) => i.key), [`${base}a`, `${base}b`]);
    });

    test('etcd down longer than the budget: Unavailable after about the budget', { timeout: 120_000 }, async () => {
      const short = new EtcdStorage({ endpoints: etcd.endpoint, worker, retryBudgetMs: 600 });
      await short.currentRevision();
      await etcd.pause();
      try {
        const t0 = Date.now();
        assert.equal(await code(short.create(`/registry/pods/${uniqueTag()}/x`, pod('x'))), 'Unavailable');
        const ms = Date.now() - t0;
        assert.ok(ms >= 300 && ms < 3000, `took ${ms} ms`);
      } finally {
        await etcd.restart();
        await short.close();
      }
    });

    test('compaction: exact-revision list and watch from a compacted revision are Gone', async () => {
      const base = `/registry/pods/${uniqueTag()}/`;
      const a = await store.create(`${base}a`, pod('a'));
      await store.update(`${base}a`, pod('a', { spec: { v: 2 } }), a.revision);
      await store.create(`${base}b`, pod('b'));
      const compactor = startCompactor(store, 60_000, 0);
      try {
        assert.equal(await compactor.runOnce(), undefined); // first tick only records the revision
        const head = await store.currentRevision();
        await store.create(`${base}c`, pod('c'));
        assert.equal(await compactor.runOnce(), head);
      } finally {
        compactor.stop();
      }
      assert.equal(await code(store.list(base, { exactRevision: a.revision })), 'Gone');
      const errors: StorageError[] = [];
      const events: StorageWatchEvent[] = [];
      const t0 = Date.now();
      const w = store.watch(base, a.revision, { onEvent: (e) => events.push(e), onError: (e) => errors.push(e) });
      try {
        await waitFor(() => errors.length > 0, 10_000, 'Gone error');
        assert.equal(errors[0].code, 'Gone');
        assert.equal(events.length, 0);
        assert.ok(Date.now() - t0 < 5000);
      } finally {
        w.stop();
      }
      const ok = await store.list(base);
      assert.equal(ok.items.length, 3);
      // The canceled watch did not break the client's shared watch stream: a new watch still gets events.
      const later: StorageWatchEvent[] = [];
      const w2 = store.watch(base, ok.revision, { onEvent: (e) => later.push(e), onError: (e) => errors.push(e) });
      try {
        const d = await store.create(`${base}d`, pod('d'));
        await waitFor(() => later.length === 1, 10_000, 'event after a canceled watch');
        assert.equal(later[0].revision, d.revision);
        assert.equal(errors.length, 1);
      } finally {
        w2.stop();
      }
    });

    test('prefix option: keys are stored under it and returned without it', async () => {
      const px = `/${uniqueTag()}`;
      const s2 = new EtcdStorage({ endpoints: etcd.endpoint, prefix: px, worker });
      try {
        const events: StorageWatchEvent[] = [];
        const start = await s2.currentRevision();
        const w = s2.watch('/registry/pods/', start, { onEvent: (e) => events.push(e), onError: () => undefined });
        const c = await s2.create('/registry/pods/default/a', pod('a'));
        assert.equal(c.key, '/registry/pods/default/a');
        assert.ok(await raw.get(`${px}/registry/pods/default/a`).string());
        assert.equal(await raw.get('/registry/pods/default/a').string(), null);
        const l = await s2.list('/registry/pods/');
        assert.deepEqual(l.items.map((i) => i.key), ['/registry/pods/default/a']);
        assert.equal((await s2.get('/registry/pods/default/a')).revision, c.revision);
        await waitFor(() => events.length === 1);
        assert.equal(events[0].key, '/registry/pods/default/a');
        w.stop();
      } finally {
        await s2.close();
      }
    });
  });
}
