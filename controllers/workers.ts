// The loop every controller runs: N workers take keys off a rate-limited work
// queue and sync them; a failed sync is retried after the queue's per-item
// exponential back-off (client-go's default controller rate limiter: 5 ms
// doubling to 1000 s, under an overall 10 qps / burst 100 bucket), a good one
// resets the key's back-off (client-go's processNextWorkItem). Each failure is
// logged once, with the delay before its retry: the log grows with the back-off,
// never a line per millisecond.

import { formatDelay, type WorkQueue } from '../client/workqueue.js';

export type SyncFn = (key: string) => Promise<void>;

/** Requeue a key whose sync failed after its back-off, and say so once. */
export function requeueAfterError(queue: WorkQueue<string>, key: string, err: unknown, name: string, log: (m: string) => void): number {
  const delay = queue.rateLimiter.when(key);
  const attempt = queue.numRequeues(key);
  log(`${name}: syncing ${JSON.stringify(key)} failed (attempt ${attempt}, retrying in ${formatDelay(delay)}): ${err instanceof Error ? err.message : String(err)}`);
  queue.addAfter(key, delay);
  return delay;
}

export function runWorkers(queue: WorkQueue<string>, workers: number, sync: SyncFn, name: string, log: (m: string) => void = console.error): Promise<void> {
  const one = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        if (!queue.shuttingDown()) requeueAfterError(queue, key, err, name, log);
      } finally {
        queue.done(key);
      }
    }
  };
  return Promise.all(Array.from({ length: Math.max(1, workers) }, one)).then(() => undefined);
}

/** Wait for every informer's first list, so no controller acts on a half-filled cache. */
export async function startInformers(informers: { start(): Promise<void> }[]): Promise<void> {
  await Promise.all(informers.map((i) => i.start()));
}
