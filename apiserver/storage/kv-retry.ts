// Rides out a short etcd outage (a restart by `up`'s supervisor takes about a second)
// instead of answering 503 at once: a call is retried only when the client says the
// request never left it (no connection: etcd is not running), so a write that may have
// reached etcd is never sent twice. A hung etcd (deadline exceeded) still fails at the
// call deadline. Past the budget the last error stands (503).

import { StorageError } from './interface.js';
import type { KV, KVDeleteResult, KVListOptions, KVListResult, KVPair, KVWatchHandlers, KVWatchOptions, KVWriteResult } from './kv.js';

export interface KVRetryOptions {
  /** How long one call may keep retrying (ms); default 8000, below common 10 s client timeouts. */
  budgetMs?: number;
  /** First pause between tries (ms), doubling up to maxDelayMs; default 50. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/** etcd could not be reached at all: gRPC fails the call before sending it. */
export function neverSent(err: unknown): boolean {
  return err instanceof StorageError && err.code === 'Unavailable' && /No connection established|ECONNREFUSED/.test(err.message);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class RetryingKV implements KV {
  private readonly budgetMs: number;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private closed = false;

  constructor(
    private readonly inner: KV,
    opts: KVRetryOptions = {},
  ) {
    this.budgetMs = opts.budgetMs ?? 8000;
    this.firstDelayMs = opts.firstDelayMs ?? 50;
    this.maxDelayMs = opts.maxDelayMs ?? 500;
  }

  private async retry<T>(call: () => Promise<T>, retriable: (err: unknown) => boolean): Promise<T> {
    const deadline = Date.now() + this.budgetMs;
    let delay = this.firstDelayMs;
    for (;;) {
      try {
        return await call();
      } catch (err) {
        if (this.closed || !retriable(err) || Date.now() + delay > deadline) throw err;
        await sleep(delay);
        delay = Math.min(delay * 2, this.maxDelayMs);
      }
    }
  }

  get(key: string, opts?: { serializable?: boolean }): Promise<KVPair | undefined> {
    return this.retry(() => this.inner.get(key, opts), neverSent);
  }

  list(prefix: string, opts?: KVListOptions): Promise<KVListResult> {
    return this.retry(() => this.inner.list(prefix, opts), neverSent);
  }

  create(key: string, value: string): Promise<KVWriteResult> {
    return this.retry(() => this.inner.create(key, value), neverSent);
  }

  update(key: string, value: string, expected: string): Promise<KVWriteResult> {
    return this.retry(() => this.inner.update(key, value, expected), neverSent);
  }

  delete(key: string, expected?: string): Promise<KVDeleteResult> {
    return this.retry(() => this.inner.delete(key, expected), neverSent);
  }

  watch(prefix: string, opts: KVWatchOptions, handlers: KVWatchHandlers): { stop(): void } {
    // Watches re-establish themselves (etcd-watch.ts).
    return this.inner.watch(prefix, opts, handlers);
  }

  currentRevision(): Promise<string> {
    return this.retry(() => this.inner.currentRevision(), neverSent);
  }

  compact(revision: string): Promise<void> {
    return this.retry(() => this.inner.compact(revision), neverSent);
  }

  close(): Promise<void> {
    this.closed = true;
    return this.inner.close();
  }
}
