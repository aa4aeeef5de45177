import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialFailureRateLimiter, WorkQueue } from '../client/workqueue.js';
import { runWorkers } from './workers.js';

test('a failing sync is retried with growing back-off, one log line per retry; success forgets the back-off', async () => {
  const q = new WorkQueue<string>({ rateLimiter: new ExponentialFailureRateLimiter<string>(10, 10_000) });
  const attempts: number[] = [];
  const lines: string[] = [];
  let failing = true;
  const t0 = Date.now();
  const done = runWorkers(
    q,
    2,
    () => {
      attempts.push(Date.now() - t0);
      return failing ? Promise.reject(new Error('namespace is being terminated')) : Promise.resolve();
    },
    'test',
    (m) => lines.push(m),
  );
  q.add('ns/rc');
  try {
    await new Promise((r) => setTimeout(r, 700));
    // A sync that has started may not have logged its failure yet: let it settle first.
    for (let i = 0; i < 50 && lines.length < attempts.length; i++) await new Promise((r) => setTimeout(r, 1));
    // 10, 20, 40, 80, 160, 320 ms: about 6 retries in 700 ms (not hundreds).
    assert.ok(attempts.length >= 4 && attempts.length <= 8, `attempts at ${attempts.join(', ')} ms`);
    assert.equal(lines.length, attempts.length, 'one line per failed attempt');
    assert.match(lines[0], /^test: syncing "ns\/rc" failed \(attempt 1, retrying in 10ms\): namespace is being terminated$/);
    assert.match(lines[2], /attempt 3, retrying in 40ms/);
    const n = attempts.length;
    assert.ok(attempts[n - 1] - attempts[n - 2] >= 70, `the gaps grow: attempts at ${attempts.join(', ')} ms`);
    // It recovers: the next attempt succeeds and the back-off is forgotten.
    failing = false;
    q.add('ns/rc');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(q.numRequeues('ns/rc'), 0);
    const before = lines.length;
    failing = true;
    q.add('ns/rc');
    await new Promise((r) => setTimeout(r, 30));
    assert.match(lines[before], /attempt 1, retrying in 10ms/, 'starts again from the base delay');
  } finally {
    // Also when an assertion failed: a running queue would keep the file from ever ending.
    await q.shutDownWithDrain();
    await done;
  }
});

test('a key re-queued by events while it fails: the back-off still grows, the log stays one line per back-off step', async () => {
  const q = new WorkQueue<string>({ rateLimiter: new ExponentialFailureRateLimiter<string>(10, 10_000) });
  let attempts = 0;
  const lines: string[] = [];
  const done = runWorkers(
    q,
    1,
    () => {
      attempts++;
      return Promise.reject(new Error('forbidden'));
    },
    'test',
    (m) => lines.push(m),
  );
  // An informer event every 2 ms (pods of the namespace being deleted, say) re-adds the key at once.
  const storm = setInterval(() => q.add('ns/rc'), 2);
  await new Promise((r) => setTimeout(r, 600));
  clearInterval(storm);
  await q.shutDownWithDrain();
  await done;
  assert.ok(attempts > 50, `events drive many syncs (${attempts})`);
  assert.ok(lines.length <= 12, `but only ${lines.length} lines for ${attempts} failures`);
  assert.match(lines[lines.length - 1], /more failures since the last line/);
});
