// The retry rule on a scripted KV (logic only; the real outage is in etcd.test.ts): what is
// retried, how often, and that a write which may have reached etcd is never sent twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryingKV, neverSent } from './kv-retry.js';
import { StorageError } from './interface.js';
import type { KV } from './kv.js';

const refused = () => new StorageError('Unavailable', 'storage: etcd unavailable: 14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1');
const dropped = () => new StorageError('Unavailable', 'storage: etcd unavailable: 14 UNAVAILABLE: Connection dropped');
const deadline = () => new StorageError('Unavailable', 'storage: etcd unavailable: 4 DEADLINE_EXCEEDED: Deadline exceeded');

function scripted(failures: (() => StorageError)[]): { kv: KV; calls: () => number } {
  let n = 0;
  const next = <T>(v: T) => {
    const f = failures[n++];
    return f ? Promise.reject(f()) : Promise.resolve(v);
  };
  const kv = {
    get: () => next(undefined),
    list: () => next({ kvs: [], revision: '1', more: false, count: 0 }),
    create: () => next({ ok: true as const, revision: '2' }),
    update: () => next({ ok: true as const, revision: '3' }),
    delete: () => next({ ok: true as const, revision: '4' }),
    currentRevision: () => next('5'),
    compact: () => next(undefined),
    watch: () => ({ stop() {} }),
    close: () => Promise.resolve(),
  } as KV;
  return { kv, calls: () => n };
}

test('neverSent: only "no connection" unavailability', () => {
  assert.ok(neverSent(refused()));
  assert.ok(!neverSent(dropped()));
  assert.ok(!neverSent(deadline()));
  assert.ok(!neverSent(new StorageError('Conflict', 'No connection established')));
  assert.ok(!neverSent(new Error('No connection established')));
});

test('a refused call is retried until it succeeds', async () => {
  const s = scripted([refused, refused, refused]);
  const kv = new RetryingKV(s.kv, { budgetMs: 5000, firstDelayMs: 1, maxDelayMs: 5 });
  assert.deepEqual(await kv.create('k', 'v'), { ok: true, revision: '2' });
  assert.equal(s.calls(), 4);
});

test('a write whose connection dropped, or a deadline, is not retried (it may have been applied)', async () => {
  for (const f of [dropped, deadline]) {
    const s = scripted([f]);
    const kv = new RetryingKV(s.kv, { budgetMs: 5000, firstDelayMs: 1 });
    await assert.rejects(kv.update('k', 'v', '1'), (e: unknown) => e instanceof StorageError && e.code === 'Unavailable');
    assert.equal(s.calls(), 1);
  }
});

test('past the budget the last error stands', async () => {
  const s = scripted(Array(1000).fill(refused));
  const kv = new RetryingKV(s.kv, { budgetMs: 120, firstDelayMs: 10, maxDelayMs: 20 });
  const t0 = Date.now();
  await assert.rejects(kv.get('k'), /No connection established/);
  const ms = Date.now() - t0;
  assert.ok(ms >= 80 && ms < 1000, `took ${ms} ms`);
  assert.ok(s.calls() >= 3 && s.calls() < 20, `${s.calls()} calls`);
});

test('after close nothing is retried', async () => {
  const s = scripted([refused, refused]);
  const kv = new RetryingKV(s.kv, { budgetMs: 5000, firstDelayMs: 1 });
  await kv.close();
  await assert.rejects(kv.currentRevision());
  assert.equal(s.calls(), 1);
});
