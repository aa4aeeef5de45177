// The retry rules on an in-memory KV with history (logic only; the real outage is in
// etcd.test.ts): what is retried, and how a write whose connection dropped is settled from
// what the store holds, so that it is never applied twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryingKV, dropped, neverSent } from './kv-retry.js';
import { StorageError } from './interface.js';
import type { KV, KVDeleteResult, KVListResult, KVPair, KVWriteResult } from './kv.js';

const refused = () => new StorageError('Unavailable', 'storage: etcd unavailable: 14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1');
const lost = () => new StorageError('Unavailable', 'storage: etcd unavailable: 14 UNAVAILABLE: Connection dropped');
const deadline = () => new StorageError('Unavailable', 'storage: etcd unavailable: 4 DEADLINE_EXCEEDED: Deadline exceeded');

type Fault = { error: () => StorageError; afterApplying?: boolean };

/** A KV with full history; `faults[method]` fail that method's next calls (optionally after doing the write). */
class HistoryKV implements KV {
  rev = 1;
  history: { rev: number; key: string; value?: Buffer }[] = [];
  faults: Record<string, Fault[]> = {};
  calls: Record<string, number> = {};

  private fault(m: string): Fault | undefined {
    this.calls[m] = (this.calls[m] ?? 0) + 1;
    return this.faults[m]?.shift();
  }
  /** Runs at once, like an async function: a fault thrown here becomes the rejection. */
  private run<T>(m: string, write: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      const f = this.fault(m);
      if (f && !f.afterApplying) throw f.error();
      const r = write();
      if (f) throw f.error();
      resolve(r);
    });
  }
  pairAt(key: string, rev = this.rev): KVPair | undefined {
    const h = this.history.filter((e) => e.key === key && e.rev <= rev).at(-1);
    if (!h?.value) return undefined;
    return { key, value: h.value, modRevision: String(h.rev), createRevision: '0' }; // not used here
  }
  private put(key: string, value?: Buffer): number {
    this.history.push({ rev: ++this.rev, key, value });
    return this.rev;
  }
  get(key: string) {
    return this.run('get', () => this.pairAt(key));
  }
  list(prefix: string, opts: { revision?: string; limit?: number } = {}): Promise<KVListResult> {
    return this.run('list', () => {
      const at = opts.revision ? Number(opts.revision) : this.rev;
      const keys = [...new Set(this.history.map((e) => e.key))].filter((k) => k.startsWith(prefix)).sort();
      const kvs = keys.map((k) => this.pairAt(k, at)).filter((p): p is KVPair => !!p).slice(0, opts.limit ?? Infinity);
      return { kvs, revision: String(at), more: false, count: kvs.length };
    });
  }
  create(key: string, value: string): Promise<KVWriteResult> {
    return this.run('create', () => (this.pairAt(key) ? { ok: false as const } : { ok: true as const, revision: String(this.put(key, Buffer.from(value))) }));
  }
  update(key: string, value: string, expected: string): Promise<KVWriteResult> {
    return this.run('update', () => {
      const now = this.pairAt(key);
      if (!now || now.modRevision !== expected) return { ok: false as const, current: now?.modRevision };
      return { ok: true as const, revision: String(this.put(key, Buffer.from(value))) };
    });
  }
  delete(key: string, expected?: string): Promise<KVDeleteResult> {
    return this.run('delete', () => {
      const now = this.pairAt(key);
      if (!now || (expected !== undefined && now.modRevision !== expected)) return { ok: false as const, current: now?.modRevision };
      return { ok: true as const, revision: String(this.put(key)), prev: now };
    });
  }
  watch() {
    return { stop() {} };
  }
  currentRevision() {
    return this.run('currentRevision', () => String(this.rev));
  }
  probe() {
    return this.run('probe', () => ({ revision: String(this.rev), count: 0, modified: 0 }));
  }
  compact() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
}

const fast = { budgetMs: 5000, firstDelayMs: 1, maxDelayMs: 5 };

test('error classes: never sent, dropped, deadline', () => {
  assert.ok(neverSent(refused()) && !dropped(refused()));
  assert.ok(dropped(lost()) && !neverSent(lost()));
  assert.ok(!neverSent(deadline()) && !dropped(deadline()));
  assert.ok(!neverSent(new StorageError('Conflict', 'No connection established')));
  assert.ok(!dropped(new StorageError('Unavailable', 'storage closed')));
});

test('never sent: resent until etcd answers', async () => {
  const s = new HistoryKV();
  s.faults.create = [{ error: refused }, { error: refused }, { error: refused }];
  const r = await new RetryingKV(s, fast).create('/k', 'v1');
  assert.deepEqual(r, { ok: true, revision: '2' });
  assert.equal(s.calls.create, 4);
});

test('a deadline (hung etcd) is not waited for', async () => {
  const s = new HistoryKV();
  s.faults.get = [{ error: deadline }];
  s.faults.update = [{ error: deadline }];
  const kv = new RetryingKV(s, fast);
  await assert.rejects(kv.get('/k'), /DEADLINE/);
  await assert.rejects(kv.update('/k', 'v', '1'), /DEADLINE/);
  assert.equal(s.calls.get, 1);
  assert.equal(s.calls.update, 1);
});

test('create dropped after it was applied: ours is found, not created twice', async () => {
  const s = new HistoryKV();
  s.faults.create = [{ error: lost, afterApplying: true }];
  s.faults.get = [{ error: refused }]; // etcd still restarting when we look
  const r = await new RetryingKV(s, fast).create('/k', 'mine');
  assert.deepEqual(r, { ok: true, revision: '2' });
  assert.equal(s.calls.create, 1);
  assert.equal(s.history.length, 1);
});

test('create dropped before it was applied: sent again; someone else\'s key: AlreadyExists', async () => {
  const s = new HistoryKV();
  s.faults.create = [{ error: lost }];
  assert.deepEqual(await new RetryingKV(s, fast).create('/a', 'mine'), { ok: true, revision: '2' });
  assert.equal(s.calls.create, 2);
  await s.create('/b', 'theirs');
  s.faults.create = [{ error: lost }];
  assert.deepEqual(await new RetryingKV(s, fast).create('/b', 'mine'), { ok: false });
});

test('update dropped: applied (ours there), not applied (expected still there: resent), or overtaken (conflict)', async () => {
  const s = new HistoryKV();
  await s.create('/k', 'v0');
  const kv = new RetryingKV(s, fast);
  s.faults.update = [{ error: lost, afterApplying: true }];
  assert.deepEqual(await kv.update('/k', 'v1', '2'), { ok: true, revision: '3' });
  assert.equal(s.history.length, 2, 'applied once');
  s.faults.update = [{ error: lost }];
  assert.deepEqual(await kv.update('/k', 'v2', '3'), { ok: true, revision: '4' });
  assert.equal(s.history.length, 3);
  await s.update('/k', 'other', '4');
  s.faults.update = [{ error: lost }];
  assert.deepEqual(await kv.update('/k', 'v3', '4'), { ok: false, current: '5' });
});

test('delete dropped after it was applied: the last state and the revision it was deleted at', async () => {
  const s = new HistoryKV();
  await s.create('/k', 'v0');
  for (let i = 0; i < 37; i++) await s.create(`/other${i}`, 'x');
  s.faults.delete = [{ error: lost, afterApplying: true }];
  const deletedAt = s.rev + 1;
  const r = (await new RetryingKV(s, fast).delete('/k', '2')) as Extract<KVDeleteResult, { ok: true }>;
  assert.equal(r.ok, true);
  assert.equal(r.prev?.value.toString(), 'v0');
  assert.equal(s.calls.delete, 1);
  assert.equal(r.revision, String(deletedAt), 'found by a search of the history');
  assert.ok(s.calls.list >= 5, `${s.calls.list} history reads`);
});

test('past the budget the last error stands; after close nothing is retried', async () => {
  const s = new HistoryKV();
  s.faults.get = Array.from({ length: 1000 }, () => ({ error: refused }));
  const t0 = Date.now();
  await assert.rejects(new RetryingKV(s, { budgetMs: 120, firstDelayMs: 10, maxDelayMs: 20 }).get('/k'), /No connection established/);
  assert.ok(Date.now() - t0 >= 80 && Date.now() - t0 < 1000);
  const c = new HistoryKV();
  c.faults.currentRevision = [{ error: refused }];
  const kv = new RetryingKV(c, fast);
  await kv.close();
  await assert.rejects(kv.currentRevision());
  assert.equal(c.calls.currentRevision, 1);
});
