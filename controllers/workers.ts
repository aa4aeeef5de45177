// The loop every controller runs: N workers take keys off a rate-limited work
// queue and sync them; a failed sync is retried with back-off, a good one
// resets the key's back-off (client-go's processNextWorkItem).

import type { WorkQueue } from '../client/workqueue.js';

export type SyncFn = (key: string) => Promise<void>;

export function runWorkers(queue: WorkQueue<string>, workers: number, sync: SyncFn, name: string, log: (m: string) => void = console.error): Promise<void> {
  const one = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        if (!queue.shuttingDown()) {
          log(`${name}: syncing ${JSON.stringify(key)} failed: ${err instanceof Error ? err.message : String(err)}`);
          queue.addRateLimited(key);
        }
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
