// The loop every controller runs: N workers take keys off a rate-limited work
// queue and sync them; a failed sync is retried after the queue's per-item
// exponential back-off (client-go's default controller rate limiter: 5 ms
// doubling to 1000 s, under an overall 10 qps / burst 100 bucket), a good one
// resets the key's back-off (client-go's processNextWorkItem). Each failure is
// logged once, with the delay before its retry: the log grows with the back-off,
// never a line per millisecond.

import { formatDelay, type WorkQueue } from '../client/workqueue.js';

export type SyncFn = (key: string) => Promise<void>;

const TIMER_SLACK_MS = 2;

/**
 * Requeue a key whose sync failed after its back-off, and say so once per back-off step:
 * failures that come sooner (an informer event re-queued the key before its retry was due)
 * still grow the back-off but are only counted, and the next line says how many there were.
 */
export class RetryLogger {
  private readonly quietUntil = new Map<string, { until: number; quiet: number }>();
  constructor(
    private readonly queue: WorkQueue<string>,
    private readonly name: string,
    private readonly log: (m: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  failed(key: string, err: unknown): number {
    const delay = this.queue.rateLimiter.when(key);
    const attempt = this.queue.numRequeues(key);
    const now = this.now();
    const s = this.quietUntil.get(key);
    // A timer fires up to a millisecond before Date.now() says it is due: the retry itself is not "sooner".
    if (s && now + TIMER_SLACK_MS < s.until) s.quiet++;
    else {
      const more = s?.quiet ? `, ${s.quiet} more failure${s.quiet === 1 ? '' : 's'} since the last line` : '';
      this.log(`${this.name}: syncing ${JSON.stringify(key)} failed (attempt ${attempt}${more}, retrying in ${formatDelay(delay)}): ${err instanceof Error ? err.message : String(err)}`);
      this.quietUntil.set(key, { until: now + delay, quiet: 0 });
    }
    this.queue.addAfter(key, delay);
    return delay;
  }

  succeeded(key: string): void {
    this.queue.forget(key);
    this.quietUntil.delete(key);
  }
}

export function runWorkers(queue: WorkQueue<string>, workers: number, sync: SyncFn, name: string, log: (m: string) => void = console.error): Promise<void> {
  const retries = new RetryLogger(queue, name, log);
  const one = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        retries.succeeded(key);
      } catch (err) {
        if (!queue.shuttingDown()) retries.failed(key, err);
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
