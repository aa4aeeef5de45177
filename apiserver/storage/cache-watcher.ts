// One client of the watch cache: a prefix filter, a revision cursor, and a
// bounded queue. Events are handed over synchronously while the handler keeps
// up; when it returns a promise (its sink is backed up) further events queue
// until the promise settles, and an overflowing queue ends the watch with
// Gone (the client re-lists), so one slow watcher never holds up the others.

import type { KubeObject } from '../../api/meta.js';
import { StorageError, type StorageWatchEvent, type WatchHandlers, type Watcher } from './interface.js';

export class CacheWatcher implements Watcher {
  private queue: StorageWatchEvent[] = [];
  private qHead = 0;
  private pumping = false;
  stopped = false;
  /** Highest revision delivered or announced (events <= this are skipped). */
  cursor: bigint;

  constructor(
    readonly prefix: string,
    fromRevision: bigint,
    private readonly handlers: WatchHandlers<KubeObject>,
    private readonly queueLimit: number,
    private readonly onStop: (w: CacheWatcher) => void,
  ) {
    this.cursor = fromRevision;
  }

  get wantsProgress(): boolean {
    return this.handlers.onProgress !== undefined;
  }

  /** Nothing waiting to be delivered. */
  get idle(): boolean {
    return !this.pumping && this.qHead === this.queue.length;
  }

  /** Queue events (already filtered by the caller) without delivering yet; used for the initial replay. */
  enqueue(ev: StorageWatchEvent): void {
    this.queue.push(ev);
  }

  /** Start delivering what enqueue() queued, on a later tick (watch() has returned by then). */
  startPump(): void {
    if (this.qHead === this.queue.length) return;
    this.pumping = true;
    queueMicrotask(() => void this.pump());
  }

  deliver(ev: StorageWatchEvent, rev: bigint): void {
    if (this.stopped || rev <= this.cursor || !ev.key.startsWith(this.prefix)) return;
    if (this.pumping) {
      if (this.queue.length - this.qHead >= this.queueLimit) {
        this.fail(new StorageError('Gone', `watch on ${this.prefix} ended: the client is too slow (${this.queueLimit} events queued)`));
        return;
      }
      this.queue.push(ev);
      return;
    }
    this.cursor = rev;
    const r = this.call(ev);
    if (r) {
      this.pumping = true;
      void r.then(() => this.pump());
    }
  }

  progress(rev: bigint): void {
    if (this.stopped || !this.idle || rev <= this.cursor || !this.handlers.onProgress) return;
    this.cursor = rev;
    try {
      this.handlers.onProgress(rev.toString());
    } catch (err) {
      rethrowLater(err);
    }
  }

  /** Deliver queued events in order, waiting on the handler whenever it returns a promise. */
  private async pump(): Promise<void> {
    while (!this.stopped && this.qHead < this.queue.length) {
      const ev = this.queue[this.qHead++];
      const rev = BigInt(ev.revision);
      if (rev > this.cursor) this.cursor = rev;
      const r = this.call(ev);
      if (r) await r;
      if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.qHead);
        this.qHead = 0;
      }
    }
    this.queue = [];
    this.qHead = 0;
    this.pumping = false;
  }

  private call(ev: StorageWatchEvent): Promise<unknown> | undefined {
    try {
      const r = this.handlers.onEvent(ev);
      if (r && typeof (r as Promise<unknown>).then === 'function') {
        return (r as Promise<unknown>).then(undefined, () => undefined);
      }
    } catch (err) {
      rethrowLater(err);
    }
    return undefined;
  }

  /** End the watch with an error (after which nothing more is delivered). */
  fail(err: StorageError): void {
    if (this.stopped) return;
    this.stop();
    try {
      this.handlers.onError(err);
    } catch (e) {
      rethrowLater(e);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue = [];
    this.qHead = 0;
    this.onStop(this);
  }
}

/** A handler's exception must not break the fan-out loop; surface it as an uncaught error instead. */
function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}
