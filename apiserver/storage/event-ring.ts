// A fixed-capacity ring of recent watch events, each with the object's state
// before it (so a list can be rolled back to an older revision for continue
// tokens). `oldest` is the revision after which the ring holds every event.

import type { StorageWatchEvent, StoredObject } from './interface.js';

export interface RingEntry {
  ev: StorageWatchEvent;
  rev: bigint;
  /** The key's state before this event (undefined: it did not exist). */
  prev: StoredObject | undefined;
}

export class EventRing {
  private buf: (RingEntry | undefined)[];
  private head = 0; // index of the oldest entry
  private count = 0;
  /** Every event with revision > oldest is in the ring. */
  oldest: bigint;

  constructor(
    readonly capacity: number,
    startRevision: bigint,
  ) {
    this.buf = new Array<RingEntry | undefined>(capacity);
    this.oldest = startRevision;
  }

  get length(): number {
    return this.count;
  }

  push(e: RingEntry): void {
    if (this.count === this.capacity) {
      const evicted = this.buf[this.head]!;
      this.oldest = evicted.rev;
      this.buf[this.head] = e;
      this.head = (this.head + 1) % this.capacity;
    } else {
      this.buf[(this.head + this.count) % this.capacity] = e;
      this.count++;
    }
  }

  /** Drop everything; the ring now covers only revisions after startRevision. */
  reset(startRevision: bigint): void {
    this.buf = new Array<RingEntry | undefined>(this.capacity);
    this.head = 0;
    this.count = 0;
    this.oldest = startRevision;
  }

  /** i-th entry, oldest first. */
  get(i: number): RingEntry {
    return this.buf[(this.head + i) % this.capacity]!;
  }

  /** Index of the first entry with revision > rev (binary search; revisions are non-decreasing). */
  firstAfter(rev: bigint): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.get(mid).rev <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
