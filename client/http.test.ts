import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { RateLimiter, Transport } from './http.js';

test('rate limiter: a burst goes at once, then requests are spaced by qps, in order', async () => {
  const lim = new RateLimiter(20, 5);
  const t0 = performance.now();
  const done: number[] = [];
  await Promise.all(Array.from({ length: 9 }, (_, i) => lim.wait().then(() => done.push(i))));
  const ms = performance.now() - t0;
  assert.deepEqual(done, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  // 4 beyond the burst at 20/s: about 200 ms.
  assert.ok(ms >= 180 && ms < 600, `took ${ms} ms`);
});

test('a transport with qps limits its requests; without, it does not', async () => {
  const srv = createServer((_req, res) => res.end('{}'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const server = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  const time = async (t: Transport) => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 12 }, () => t.request({ method: 'GET', path: '/' })));
    t.close();
    return performance.now() - t0;
  };
  try {
    // 20/s keeps the two far apart even on a loaded machine, where 12 free requests took 150 ms.
    const limited = await time(new Transport({ server }, { qps: 20, burst: 2 }));
    const free = await time(new Transport({ server }));
    assert.ok(limited >= 480, `10 requests past the burst at 20/s take 500 ms (took ${limited})`);
    assert.ok(free < limited / 2, `unlimited: ${free} ms`);
  } finally {
    srv.close();
  }
});
