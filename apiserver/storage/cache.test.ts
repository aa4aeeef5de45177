import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEtcd, type EtcdHandle } from '../../testing/etcd.js';
import { waitFor, uniqueTag, sleep } from '../../testing/wait.js';
import type { KubeObject } from '../../api/meta.js';
import { EtcdStorage } from './etcd.js';
import { CachedStorage } from './cache.js';
import { StorageError, type StorageWatchEvent } from './interface.js';
import { startCompactor } from './compactor.js';

let etcd: EtcdHandle;
let inner: EtcdStorage;
let cache: CachedStorage;
const RES = `/registry/${uniqueTag()}/`; // one cached resource for the whole file

before(async () => {
  etcd = await startEtcd();
  // No hold while etcd is down (kv-retry.ts, tested in etcd.test.ts): this file tests the cache's own answers.
  inner = new EtcdStorage({ endpoints: etcd.endpoint, retryBudgetMs: 0 });
  // freeze: the mutation detector, whatever TSKUBE_CACHE_MUTATION_DETECTOR says (one test below is about it).
  cache = new CachedStorage(inner, { eventCapacity: 200, bookmarkIntervalMs: 100, watcherQueueLimit: 50, freeze: true });
  await cache.cacheResource(RES);
});
after(async () => {
  await cache?.close();
  await etcd?.stop();
});

function obj(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, ...extra };
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

test('read-your-writes: a write is visible to get/list with rv unset at once, and to rv N', async () => {
  const ns = `${RES}${uniqueTag()}/`;
  for (let i = 0; i < 20; i++) {
    const c = await cache.create(`${ns}o${i}`, obj(`o${i}`));
    const l = await cache.list(ns);
    assert.equal(l.items.length, i + 1, 'consistent list sees the write');
    assert.ok(BigInt(l.revision) >= BigInt(c.revision));
    const g = await cache.get(`${ns}o${i}`, { resourceVersion: c.revision });
    assert.equal(g.revision, c.revision);
    assert.equal((await cache.get(`${ns}o${i}`)).revision, c.revision);
  }
  const u = await cache.update(`${ns}o3`, obj('o3', { spec: { v: 1 } }), (await cache.get(`${ns}o3`)).revision);
  const l2 = await cache.list(ns, { resourceVersion: u.revision });
  assert.deepEqual(l2.items.find((i) => i.key === `${ns}o3`)?.object.spec, { v: 1 });
  await cache.delete(`${ns}o3`);
  assert.equal((await cache.list(ns)).items.length, 19);
  assert.equal(await code(cache.get(`${ns}o3`, { resourceVersion: '0' })), 'NotFound');
  // get returns a private copy; list items are deep-frozen (shared; the mutation detector is on).
  const g = await cache.get(`${ns}o1`, { resourceVersion: '0' });
  g.object.metadata.name = 'changed';
  assert.equal((await cache.get(`${ns}o1`, { resourceVersion: '0' })).object.metadata.name, 'o1');
  const l3 = await cache.list(ns, { resourceVersion: '0' });
  assert.throws(() => {
    (l3.items[0].object.metadata as { name?: string }).name = 'x';
  }, TypeError);
});

test('without the mutation detector, shared objects are still frozen at the top (what marks them as shared)', async () => {
  const c2 = new CachedStorage(inner, { freeze: false });
  const ns = `${RES}${uniqueTag()}/`;
  try {
    await c2.cacheResource(RES);
    const a = await c2.create(`${ns}a`, obj('a'));
    const l = await c2.list(ns, { resourceVersion: a.revision });
    assert.ok(Object.isFrozen(l.items[0]) && Object.isFrozen(l.items[0].object));
    assert.equal(Object.isFrozen(l.items[0].object.metadata), false);
  } finally {
    c2.cacheFor(RES)?.close();
  }
});

test('rv N beyond what the store has: Timeout', async () => {
  const far = (BigInt(await cache.currentRevision()) + 1000n).toString();
  const quick = new CachedStorage(inner, { waitTimeoutMs: 300 });
  const t0 = Date.now();
  try {
    await quick.cacheResource(RES);
    assert.equal(await code(quick.list(RES, { resourceVersion: far })), 'Timeout');
    assert.equal(await code(quick.get(`${RES}x`, { resourceVersion: far })), 'Timeout');
  } finally {
    for (const c of [quick.cacheFor(RES)!]) c.close();
  }
  assert.ok(Date.now() - t0 < 5000);
});

test('cached lists page with continue keys and match etcd at exact past revisions', async () => {
  const ns = `${RES}${uniqueTag()}/`;
  const other = `${RES}${uniqueTag()}/`;
  const revs: string[] = [];
  const live = new Map<string, string>();
  // Random churn in two namespaces.
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 120; i++) {
    const base = rnd(4) === 0 ? other : ns;
    const key = `${base}k${String(rnd(30)).padStart(2, '0')}`;
    const cur = live.get(key);
    let r;
    if (!cur) r = await cache.create(key, obj(key, { spec: { i } }));
    else if (rnd(3) === 0) {
      r = await cache.delete(key);
      live.delete(key);
      revs.push(r.revision);
      continue;
    } else r = await cache.update(key, obj(key, { spec: { i } }), cur);
    live.set(key, r.revision);
    revs.push(r.revision);
  }
  const c = cache.cacheFor(ns)!;
  await c.waitForRevision(BigInt(revs.at(-1)!), 5000);
  for (const at of [revs[5], revs[40], revs[77], revs[118], revs[119]]) {
    assert.ok(c.canListAt(BigInt(at)), `ring reaches ${at}`);
    for (const prefix of [ns, RES]) {
      const want = await inner.list(prefix, { exactRevision: at });
      for (const limit of [1, 4, 7, 0]) {
        const got: string[] = [];
        let startAfter: string | undefined;
        let remaining: number | undefined;
        for (let page = 0; page < 200; page++) {
          const l = await cache.list(prefix, { exactRevision: at, startAfter, limit });
          assert.equal(l.revision, at);
          for (const it of l.items) got.push(`${it.key}@${it.revision}:${JSON.stringify(it.object.spec)}`);
          if (remaining !== undefined) assert.equal(l.items.length <= remaining, true);
          if (!l.continueKey) break;
          const e = await inner.list(prefix, { exactRevision: at, startAfter, limit });
          assert.equal(l.remaining, e.remaining, `remaining at ${at} after ${startAfter}`);
          remaining = l.remaining;
          startAfter = l.continueKey;
        }
        assert.deepEqual(
          got,
          want.items.map((it) => `${it.key}@${it.revision}:${JSON.stringify(it.object.spec)}`),
          `list ${prefix} at ${at} limit ${limit}`,
        );
      }
    }
  }
  // First page at "now" then continue at its revision while writes go on.
  const p1 = await cache.list(ns, { limit: 1 });
  assert.ok(p1.continueKey, 'more than one key left');
  await cache.create(`${ns}zz-new`, obj('new'));
  const p2 = await cache.list(ns, { limit: 1000, startAfter: p1.continueKey, exactRevision: p1.revision });
  assert.equal(p2.items.some((i) => i.key === `${ns}zz-new`), false);
  const full = await inner.list(ns, { exactRevision: p1.revision });
  assert.deepEqual(
    [...p1.items, ...p2.items].map((i) => i.key),
    full.items.map((i) => i.key),
    JSON.stringify({ p1: p1.items.map((i) => i.key), p1rev: p1.revision, p1c: p1.continueKey, p2: p2.items.map((i) => i.key) }),
  );
});

test('watch from the cache: types, sub-prefix filter, replay from a revision, bookmarks', async () => {
  const ns = `${RES}${uniqueTag()}/`;
  const start = await cache.currentRevision();
  const a = await cache.create(`${ns}a`, obj('a'));
  await cache.create(`${RES}${uniqueTag()}/elsewhere`, obj('x'));
  const a2 = await cache.update(`${ns}a`, obj('a', { spec: { v: 2 } }), a.revision);
  const d = await cache.delete(`${ns}a`);
  // Replay from `start` (in the ring), then live.
  const events: StorageWatchEvent[] = [];
  const progress: string[] = [];
  const w = cache.watch(ns, start, {
    onEvent: (e) => events.push(e),
    onProgress: (r) => progress.push(r),
    onError: (e) => assert.fail(e),
  });
  try {
    await waitFor(() => events.length >= 3);
    const b = await cache.create(`${ns}b`, obj('b'));
    await waitFor(() => events.length >= 4);
    assert.deepEqual(
      events.map((e) => [e.type, e.key, e.revision]),
      [
        ['ADDED', `${ns}a`, a.revision],
        ['MODIFIED', `${ns}a`, a2.revision],
        ['DELETED', `${ns}a`, d.revision],
        ['ADDED', `${ns}b`, b.revision],
      ],
    );
    assert.equal(events[1].prevObject?.metadata.resourceVersion, a.revision);
    assert.equal((events[1].prevObject as { spec?: unknown }).spec, undefined, 'prevObject is the state before');
    // DELETED carries the last state at the deletion revision (from the cache's own map; the
    // cache's etcd watch asks for no previous values).
    assert.deepEqual((events[2].object as { spec?: unknown }).spec, { v: 2 });
    assert.equal(events[2].object.metadata.resourceVersion, d.revision);
    assert.equal(events[2].prevObject?.metadata.resourceVersion, a2.revision);
    // A write elsewhere advances the store; this watcher gets a bookmark-able progress at >= it.
    const other = await cache.create(`${RES}${uniqueTag()}/later`, obj('later'));
    await waitFor(() => progress.some((p) => BigInt(p) >= BigInt(other.revision)), 5000, 'progress');
    assert.equal(events.length, 4);
  } finally {
    w.stop();
  }
});

test('100 watchers share one etcd watch and all see every event in order', async () => {
  const ns = `${RES}${uniqueTag()}/`;
  const from = await cache.currentRevision();
  const seen: string[][] = [];
  const watchers = [];
  for (let i = 0; i < 100; i++) {
    const mine: string[] = [];
    seen.push(mine);
    watchers.push(cache.watch(ns, from, { onEvent: (e) => mine.push(e.revision), onError: (e) => assert.fail(e) }));
  }
  try {
    const revs: string[] = [];
    const writes = [];
    for (let i = 0; i < 40; i++) writes.push(cache.create(`${ns}o${i}`, obj(`o${i}`)));
    for (const r of await Promise.all(writes)) revs.push(r.revision);
    revs.sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    await waitFor(() => seen.every((s) => s.length >= 40), 10_000, 'fan-out');
    for (const s of seen) assert.deepEqual(s, revs);
    assert.equal(cache.cacheFor(ns)!.watcherCount, 100);
  } finally {
    for (const w of watchers) w.stop();
  }
  assert.equal(cache.cacheFor(ns)!.watcherCount, 0);
});

test('a slow watcher is ended with Gone without holding up the others', async () => {
  const ns = `${RES}${uniqueTag()}/`;
  const fast: string[] = [];
  let slowCalls = 0;
  const slowErrors: StorageError[] = [];
  const never = new Promise(() => undefined);
  const wf = cache.watch(ns, undefined, { onEvent: (e) => fast.push(e.revision), onError: (e) => assert.fail(e) });
  const ws = cache.watch(ns, undefined, {
    onEvent: () => {
      slowCalls++;
      return never; // the sink never drains
    },
    onError: (e) => slowErrors.push(e),
  });
  try {
    const writes = [];
    for (let i = 0; i < 80; i++) writes.push(cache.create(`${ns}o${i}`, obj(`o${i}`)));
    await Promise.all(writes);
    await waitFor(() => fast.length >= 80 && slowErrors.length === 1, 10_000, 'fast done, slow ended');
    assert.equal(slowErrors[0].code, 'Gone');
    assert.equal(slowCalls, 1);
  } finally {
    wf.stop();
    ws.stop();
  }
});

test('watch older than the ring: Gone without fallback, inner watch (or Gone once compacted) with it', async () => {
  const ns = `${RES}${uniqueTag()}/`;
  const old = await cache.create(`${ns}first`, obj('first'));
  for (let i = 0; i < 210; i++) await cache.create(`${ns}f${i}`, obj(`f${i}`)); // ring holds 200
  const c = cache.cacheFor(ns)!;
  await c.waitForRevision(BigInt(await cache.currentRevision()), 5000);
  assert.equal(c.canListAt(BigInt(old.revision)), false);

  const strict = new CachedStorage(inner, { eventCapacity: 10, innerWatchFallback: false });
  await strict.cacheResource(RES);
  const errs: StorageError[] = [];
  const w1 = strict.watch(ns, old.revision, { onEvent: () => assert.fail('no events expected'), onError: (e) => errs.push(e) });
  await waitFor(() => errs.length === 1);
  assert.equal(errs[0].code, 'Gone');
  w1.stop();
  strict.cacheFor(RES)!.close();

  // Fallback: etcd still has the history.
  const evs: StorageWatchEvent[] = [];
  const w2 = cache.watch(ns, old.revision, { onEvent: (e) => evs.push(e), onError: (e) => assert.fail(e) });
  await waitFor(() => evs.length >= 210);
  assert.equal(evs[0].key, `${ns}f0`);
  w2.stop();

  // After compaction etcd has no history either: Gone (HTTP 410).
  const comp = startCompactor(inner, 60_000, 0);
  await comp.runOnce();
  await cache.create(`${ns}tick`, obj('tick'));
  await comp.runOnce();
  comp.stop();
  const errs2: StorageError[] = [];
  const w3 = cache.watch(ns, old.revision, { onEvent: () => undefined, onError: (e) => errs2.push(e) });
  await waitFor(() => errs2.length === 1);
  assert.equal(errs2[0].code, 'Gone');
  w3.stop();
  assert.equal(await code(cache.list(ns, { exactRevision: old.revision, limit: 5 })), 'Gone');
});

test('etcd down: rv 0 reads still served, consistent reads Unavailable fast; cache resumes after restart', { timeout: 120_000 }, async () => {
  const ns = `${RES}${uniqueTag()}/`;
  const a = await cache.create(`${ns}a`, obj('a'));
  const events: StorageWatchEvent[] = [];
  const w = cache.watch(ns, a.revision, { onEvent: (e) => events.push(e), onError: (e) => assert.fail(e) });
  await cache.list(ns); // cache has caught up
  await etcd.pause();
  try {
    const l = await cache.list(ns, { resourceVersion: '0' });
    assert.equal(l.items.length, 1);
    assert.equal((await cache.get(`${ns}a`, { resourceVersion: '0' })).revision, a.revision);
    for (const op of [() => cache.list(ns), () => cache.get(`${ns}a`), () => cache.create(`${ns}b`, obj('b'))]) {
      const t0 = Date.now();
      assert.equal(await code(op()), 'Unavailable');
      assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms`);
    }
  } finally {
    await etcd.restart();
  }
  const b = await cache.create(`${ns}b`, obj('b'));
  const l2 = await cache.list(ns);
  assert.deepEqual(
    l2.items.map((i) => i.key),
    [`${ns}a`, `${ns}b`],
  );
  await waitFor(() => events.length >= 1);
  await sleep(200);
  assert.deepEqual(events.map((e) => [e.type, e.revision]), [['ADDED', b.revision]]);
  w.stop();
  assert.equal(cache.cacheFor(ns)!.relists, 0);
});

/** Forwards to the real store, but can end every watch it handed out with Gone (as etcd does after a
 *  compaction while the watch was disconnected), to exercise the cache's re-list path. */
class GoneInjector {
  private watches: { w: { stop(): void }; onError: (e: StorageError) => void }[] = [];
  readonly store: import('./interface.js').Storage;
  constructor(inner: EtcdStorage) {
    this.store = Object.assign(Object.create(inner) as EtcdStorage, {
      watch: (prefix: string, from: string | undefined, h: import('./interface.js').WatchHandlers) => {
        const w = inner.watch(prefix, from, h);
        this.watches.push({ w, onError: (e) => h.onError(e) });
        return w;
      },
    });
  }
  breakAll(): void {
    const ws = this.watches;
    this.watches = [];
    for (const { w, onError } of ws) {
      w.stop();
      onError(new StorageError('Gone', 'injected: required revision has been compacted'));
    }
  }
}

test('when the inner watch reports Gone the cache re-lists, ends its watchers with Gone, and stays correct', async () => {
  const ns = `${RES}${uniqueTag()}/`;
  const inj = new GoneInjector(inner);
  const c2 = new CachedStorage(inj.store);
  await c2.cacheResource(RES);
  const rc = c2.cacheFor(RES)!;
  try {
    await c2.create(`${ns}a`, obj('a'));
    const errs: StorageError[] = [];
    const w = c2.watch(ns, undefined, { onEvent: () => undefined, onError: (e) => errs.push(e) });
    inj.breakAll();
    await c2.create(`${ns}b`, obj('b')); // written while the cache has no watch
    await waitFor(() => rc.relists === 1 && rc.fresh, 10_000, 're-list');
    assert.equal(errs.length, 1);
    assert.equal(errs[0].code, 'Gone');
    w.stop();
    const l = await c2.list(ns);
    assert.deepEqual(l.items.map((i) => i.key), [`${ns}a`, `${ns}b`]);
    const c = await c2.create(`${ns}c`, obj('c'));
    assert.equal((await c2.get(`${ns}c`, { resourceVersion: c.revision })).revision, c.revision);
  } finally {
    rc.close();
  }
});
