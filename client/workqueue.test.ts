import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketRateLimiter, defaultControllerRateLimiter, ExponentialFailureRateLimiter, formatDelay, MaxOfRateLimiter, WorkQueue, type RateLimiter } from './workqueue.js';

test('an item added twice before processing is processed once, in FIFO order', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.len(), 0);
});

test('an item re-added while processing is not handed out until done, then once', async () => {
  const q = new WorkQueue<string>();
  q.add('x');
  const item = await q.get();
  assert.equal(item, 'x');
  q.add('x');
  q.add('x');
  assert.equal(q.len(), 0, 'not queued while processing');
  let second: string | undefined;
  const p = q.get().then((v) => (second = v));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(second, undefined, 'a second worker must not get x while it is processed');
  q.done('x');
  await p;
  assert.equal(second, 'x');
  q.done('x');
  assert.equal(q.len(), 0);
});

test('a waiting get() receives an add', async () => {
  const q = new WorkQueue<number>();
  const p = q.get();
  q.add(7);
  assert.equal(await p, 7);
});

test('addAfter delays, keeps the earliest, and de-duplicates', async () => {
  const q = new WorkQueue<string>();
  const t0 = Date.now();
  q.addAfter('d', 500);
  q.addAfter('d', 60);
  q.addAfter('d', 300);
  assert.equal(q.waitingCount(), 1);
  assert.equal(q.len(), 0);
  const item = await q.get();
  const waited = Date.now() - t0;
  assert.equal(item, 'd');
  assert.ok(waited >= 55 && waited < 400, `waited ${waited} ms`);
  q.done('d');
  assert.equal(q.len(), 0);
});

test('addAfter with a delay past what setTimeout holds (2^31 ms) waits, not fires at once', async () => {
  const q = new WorkQueue<string>();
  q.addAfter('far', 2 ** 31 * 1000);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(q.len(), 0, 'not due');
  assert.equal(q.waitingCount(), 1);
  q.shutDown();
});

test('addRateLimited backs off exponentially per item and forget resets it', () => {
  const q = new WorkQueue<string>({ rateLimiter: new ExponentialFailureRateLimiter<string>(5, 1000) });
  const lim = q.rateLimiter;
  assert.equal(lim.when('a'), 5);
  assert.equal(lim.when('a'), 10);
  assert.equal(lim.when('a'), 20);
  assert.equal(lim.when('b'), 5, 'per item');
  assert.equal(q.numRequeues('a'), 3);
  for (let i = 0; i < 20; i++) lim.when('a');
  assert.equal(lim.when('a'), 1000, 'capped');
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
  assert.equal(lim.when('a'), 5);
  q.shutDown();
});

test('addRateLimited really delays the item', async () => {
  const q = new WorkQueue<string>({ rateLimiter: new ExponentialFailureRateLimiter<string>(40, 1000) });
  q.addRateLimited('r'); // 40 ms
  q.addRateLimited('r'); // 80 ms, but the earlier 40 ms wins
  const t0 = Date.now();
  assert.equal(await q.get(), 'r');
  assert.ok(Date.now() - t0 >= 30);
  assert.equal(q.numRequeues('r'), 2);
});

test('bucket limiter: burst is free, then qps spacing', () => {
  // Used through the interface, as the queue does (the bucket ignores which item asks).
  const b: RateLimiter<string> = new BucketRateLimiter<string>(10, 3);
  assert.equal(b.when('x'), 0);
  assert.equal(b.when('x'), 0);
  assert.equal(b.when('x'), 0);
  const d = b.when('x');
  assert.ok(d > 50 && d <= 100, `fourth waits ~100 ms, got ${d}`);
  const m = new MaxOfRateLimiter<string>(new ExponentialFailureRateLimiter<string>(5, 1000), b);
  assert.ok(m.when('y') >= 100);
});

test('shutDown releases waiting getters and ignores new adds; drain waits for processing', async () => {
  const q = new WorkQueue<string>();
  q.add('p');
  const got = await q.get();
  const waiting = q.get();
  let drained = false;
  const drain = q.shutDownWithDrain().then(() => (drained = true));
  assert.equal(await waiting, undefined);
  q.add('late');
  assert.equal(q.len(), 0);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(drained, false);
  q.done(got!);
  await drain;
  assert.equal(drained, true);
  assert.equal(await q.get(), undefined);
  assert.equal(q.shuttingDown(), true);
});

test('many items: each handed out exactly once across concurrent workers', async () => {
  const q = new WorkQueue<number>();
  const seen = new Map<number, number>();
  const workers = Array.from({ length: 4 }, async () => {
    for (;;) {
      const it = await q.get();
      if (it === undefined) return;
      seen.set(it, (seen.get(it) ?? 0) + 1);
      await new Promise((r) => setImmediate(r));
      q.done(it);
    }
  });
  for (let i = 0; i < 1000; i++) q.add(i % 500);
  while (q.len() > 0) await new Promise((r) => setTimeout(r, 5));
  await q.shutDownWithDrain();
  await Promise.all(workers);
  assert.equal(seen.size, 500);
  for (const [, n] of seen) assert.ok(n >= 1 && n <= 2);
});

test('default controller rate limiter (fake clock): 5 ms doubling to 1000 s per item, under a 10 qps / burst 100 bucket', () => {
  let now = 1_000_000;
  const lim = defaultControllerRateLimiter<string>(() => now);
  // One item failing again and again: the per-item back-off dominates.
  const delays = Array.from({ length: 20 }, () => lim.when('a'));
  assert.deepEqual(delays.slice(0, 8), [5, 10, 20, 40, 80, 160, 320, 640]);
  assert.equal(delays[17], 655_360);
  assert.equal(delays[18], 1000_000, 'capped at 1000 s');
  assert.equal(delays[19], 1000_000);
  assert.equal(lim.numRequeues('a'), 20);
  lim.forget('a');
  assert.equal(lim.numRequeues('a'), 0);
  now += 100_000; // the bucket refills (to at most 100 tokens)
  assert.equal(lim.when('a'), 5, 'forgotten: back to the base delay');
  // Many distinct items failing once each: the first 100 ride the burst, then 10 per second.
  const fresh = new MaxOfRateLimiter<string>(new ExponentialFailureRateLimiter<string>(5, 1000_000), new BucketRateLimiter<string>(10, 100, () => now));
  const first = Array.from({ length: 100 }, (_, i) => fresh.when(`k${i}`));
  assert.ok(first.every((d) => d === 5), 'burst: only the per-item 5 ms');
  assert.equal(fresh.when('k100'), 100, 'the 101st waits for a token (100 ms at 10 qps)');
  assert.equal(fresh.when('k101'), 200);
  now += 1000; // 10 tokens back, 2 of them already promised
  assert.equal(fresh.when('k102'), 5, 'tokens again: only the per-item delay');
});

test('formatDelay writes delays for people', () => {
  assert.equal(formatDelay(5), '5ms');
  assert.equal(formatDelay(1280), '1.3s');
  assert.equal(formatDelay(163_840), '2m44s');
  assert.equal(formatDelay(1000_000), '16m40s');
});
