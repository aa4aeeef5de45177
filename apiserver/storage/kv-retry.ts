// Rides out a short etcd outage (a restart by `up`'s supervisor takes about a second)
// instead of answering 503 at once:
//  - a call the client never sent (no connection: etcd is not running) is retried;
//  - a read whose connection dropped is retried (reads are idempotent);
//  - a write whose connection dropped may or may not have been applied: once etcd answers
//    again, the key is read and the outcome decided from it (our bytes there: done; the
//    expected revision still there: not applied, send again; anything else: the conflict
//    the write would have met). A write is never applied twice.
// A hung etcd (deadline exceeded) still fails at the call deadline, and past the budget
// the last error stands (503).

import { StorageError } from './interface.js';
import type { KV, KVDeleteResult, KVListOptions, KVListResult, KVPair, KVProbe, KVWatchHandlers, KVWatchOptions, KVWriteResult } from './kv.js';

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

/** The connection broke during the call (not a deadline: a hung etcd is not waited for). */
export function dropped(err: unknown): boolean {
  return err instanceof StorageError && err.code === 'Unavailable' && !neverSent(err) && !/deadline/i.test(err.message) && err.message !== 'storage closed';
}

const readRetriable = (err: unknown) => neverSent(err) || dropped(err);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What reading the key after an ambiguous write says: a result, or "not applied: send it again". */
type Settled<T> = T | 'resend';

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

  private async retry<T>(call: () => Promise<T>, retriable: (err: unknown) => boolean, deadline = Date.now() + this.budgetMs): Promise<T> {
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

  /** A write: resent while never sent; after a dropped connection, settled from what etcd holds. */
  private async write<T>(call: () => Promise<T>, settle: () => Promise<Settled<T>>): Promise<T> {
    const deadline = Date.now() + this.budgetMs;
    for (;;) {
      try {
        return await this.retry(call, neverSent, deadline);
      } catch (err) {
        if (this.closed || !dropped(err) || Date.now() > deadline) throw err;
        let outcome: Settled<T>;
        try {
          outcome = await this.retry(settle, readRetriable, deadline);
        } catch {
          throw err; // still unknown: the write's own error stands
        }
        if (outcome !== 'resend') return outcome;
      }
    }
  }

  get(key: string, opts?: { serializable?: boolean }): Promise<KVPair | undefined> {
    return this.retry(() => this.inner.get(key, opts), readRetriable);
  }

  list(prefix: string, opts?: KVListOptions): Promise<KVListResult> {
    return this.retry(() => this.inner.list(prefix, opts), readRetriable);
  }

  create(key: string, value: string): Promise<KVWriteResult> {
    return this.write(
      () => this.inner.create(key, value),
      async () => {
        const now = await this.inner.get(key);
        if (!now) return 'resend';
        // A created object's bytes carry its new uid: equal bytes are ours.
        return now.value.equals(Buffer.from(value)) ? { ok: true, revision: now.modRevision } : { ok: false };
      },
    );
  }

  update(key: string, value: string, expected: string): Promise<KVWriteResult> {
    return this.write(
      () => this.inner.update(key, value, expected),
      async () => {
        const now = await this.inner.get(key);
        if (!now) return { ok: false };
        if (now.modRevision === expected) return 'resend';
        return now.value.equals(Buffer.from(value)) ? { ok: true, revision: now.modRevision } : { ok: false, current: now.modRevision };
      },
    );
  }

  delete(key: string, expected?: string): Promise<KVDeleteResult> {
    return this.write(
      () => this.inner.delete(key, expected),
      async (): Promise<Settled<KVDeleteResult>> => {
        const now = await this.inner.get(key);
        if (now) return expected === undefined || now.modRevision === expected ? 'resend' : { ok: false, current: now.modRevision };
        // Gone. Without the revision it was deleted at, the last state cannot be told: unknown.
        if (expected === undefined) throw new StorageError('Unavailable', 'delete outcome unknown');
        const prev = await this.at(key, expected);
        if (!prev) return { ok: false };
        return { ok: true, revision: await this.deletedAt(key, expected), prev };
      },
    );
  }

  /** The key at a past revision (undefined: absent then). */
  private async at(key: string, revision: string): Promise<KVPair | undefined> {
    const r = await this.inner.list(key, { revision, limit: 1 });
    return r.kvs[0]?.key === key ? r.kvs[0] : undefined;
  }

  /** The revision a key present at `present` and absent now was deleted at (binary search of its history). */
  private async deletedAt(key: string, present: string): Promise<string> {
    let lo = BigInt(present);
    let hi = BigInt(await this.inner.currentRevision());
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (await this.at(key, String(mid))) lo = mid;
      else hi = mid;
    }
    return String(hi);
  }

  watch(prefix: string, opts: KVWatchOptions, handlers: KVWatchHandlers): { stop(): void } {
    // Watches re-establish themselves (etcd-watch.ts).
    return this.inner.watch(prefix, opts, handlers);
  }

  currentRevision(): Promise<string> {
    return this.retry(() => this.inner.currentRevision(), readRetriable);
  }

  probe(prefix: string, since: string): Promise<KVProbe> {
    return this.retry(() => this.inner.probe(prefix, since), readRetriable);
  }

  compact(revision: string): Promise<void> {
    return this.retry(() => this.inner.compact(revision), readRetriable);
  }

  close(): Promise<void> {
    this.closed = true;
    return this.inner.close();
  }
}
