// The watch cache of one resource prefix (e.g. '/registry/pods/'): one watch
// on the inner store keeps a sorted in-memory copy of every object, a ring of
// recent events, and fans events out to any number of watchers.

import type { KubeObject } from '../../api/meta.js';
import {
  StorageError,
  type ListResult,
  type Storage,
  type StoredObject,
  type StorageWatchEvent,
  type WatchHandlers,
  type Watcher,
} from './interface.js';
import { SortedKeys, prefixEndString } from './sorted-keys.js';
import { EventRing } from './event-ring.js';
import { withRevision } from './codec.js';
import { CacheWatcher } from './cache-watcher.js';

export interface ResourceCacheOptions {
  /** Events kept for watch resumption and continue tokens; default 1000. */
  eventCapacity: number;
  /** Max events queued for one slow watcher before it is ended with Gone; default 5000. */
  watcherQueueLimit: number;
  /** How often idle watchers get onProgress (bookmarks); default 1000 ms. */
  bookmarkIntervalMs: number;
  /**
   * Deep-freeze cached objects, so that any mutation of them throws: a mutation detector,
   * as client-go has one, for tests (hack/test.sh sets TSKUBE_CACHE_MUTATION_DETECTOR=1),
   * off by default because it costs ~10 µs of every event. Either way the shared objects
   * and events themselves are frozen, shallowly: Object.isFrozen tells a shared object
   * (http/watch.ts serialises those once for all watchers). Never mutate them.
   */
  freeze: boolean;
  /** Retry delay after a failed (re)list, growing to 2 s; default 100 ms. */
  relistRetryMs: number;
}

interface Waiter {
  rev: bigint;
  resolve: () => void;
}

export class ResourceCache {
  private readonly objects = new Map<string, StoredObject>();
  private readonly keys = new SortedKeys();
  private readonly ring: EventRing;
  private readonly watchers = new Set<CacheWatcher>();
  private waiters: Waiter[] = [];
  private readyWaiters: (() => void)[] = [];
  private innerWatch: Watcher | undefined;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The cache reflects the store at exactly this revision (all events up to it applied). */
  revision = 0n;
  /** Initial list done (reads can be served). */
  ready = false;
  /** The inner watch is live (false while (re)listing). */
  fresh = false;
  /** Why the inner watch last ended (for diagnostics). */
  lastWatchError: StorageError | undefined;
  /** Times the cache had to re-list (the inner watch reported Gone). */
  relists = 0;

  constructor(
    readonly prefix: string,
    private readonly inner: Storage,
    private readonly opts: ResourceCacheOptions,
  ) {
    this.ring = new EventRing(opts.eventCapacity, 0n);
  }

  /** Start (or restart) from a full list; resolves once the cache is ready, retrying while the store is down. */
  start(): Promise<void> {
    const ready = this.whenReady();
    void this.relist(this.opts.relistRetryMs);
    return ready;
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private async relist(retryMs: number): Promise<void> {
    if (this.closed) return;
    this.fresh = false;
    this.innerWatch?.stop();
    this.innerWatch = undefined;
    let list: ListResult;
    try {
      list = await this.inner.list(this.prefix);
    } catch {
      if (this.closed) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.relist(Math.min(retryMs * 2, 2000)), retryMs);
      return;
    }
    if (this.closed) return;
    const rev = BigInt(list.revision);
    if (this.ready) {
      // History between our last event and this list is unknown: watchers must re-list too (410).
      for (const w of [...this.watchers]) w.fail(new StorageError('Gone', `watch cache for ${this.prefix} was re-listed`));
      this.relists++;
    }
    this.objects.clear();
    for (const it of list.items) this.objects.set(it.key, this.opts.freeze ? deepFreeze(it) : freezeStored(it));
    this.keys.reset([...this.objects.keys()]);
    this.ring.reset(rev);
    this.setRevision(rev);
    this.innerWatch = this.inner.watch(this.prefix, list.revision, {
      onEvent: (ev) => this.apply(ev),
      onProgress: (r) => this.setRevision(BigInt(r)),
      onError: (err) => {
        if (this.closed) return;
        // Gone (history compacted while we were away) or anything else fatal: start over from a list.
        this.fresh = false;
        this.innerWatch = undefined;
        this.lastWatchError = err;
        void this.relist(this.opts.relistRetryMs);
      },
    }, { previous: false }); // prevObject comes from our own map (see apply)
    this.fresh = true;
    if (!this.ready) {
      this.ready = true;
      const ws = this.readyWaiters;
      this.readyWaiters = [];
      for (const r of ws) r();
    }
    this.scheduleBookmarks();
  }

  private apply(ev: StorageWatchEvent): void {
    const rev = BigInt(ev.revision);
    if (rev < this.revision) return; // replay of something already applied
    const prev = this.objects.get(ev.key);
    // The inner watch carries no previous values: every object since the list is in our map.
    if (ev.type === 'DELETED' && prev) ev = { ...ev, object: withRevision(prev.object, ev.revision), prevObject: prev.object };
    else if (ev.type === 'MODIFIED' && !ev.prevObject && prev) ev = { ...ev, prevObject: prev.object };
    if (this.opts.freeze) deepFreeze(ev);
    else freezeEvent(ev);
    if (ev.type === 'DELETED') {
      if (prev) {
        this.objects.delete(ev.key);
        this.keys.remove(ev.key);
      }
    } else {
      this.objects.set(ev.key, Object.freeze({ key: ev.key, object: ev.object, revision: ev.revision }));
      if (!prev) this.keys.insert(ev.key);
    }
    this.ring.push({ ev, rev, prev });
    this.setRevision(rev);
    for (const w of this.watchers) w.deliver(ev, rev);
  }

  private setRevision(rev: bigint): void {
    if (rev <= this.revision) return;
    this.revision = rev;
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.rev <= rev) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Wait until the cache has seen revision rev; false on timeout. */
  /** How many objects the cache holds under prefix (at `revision`). */
  count(prefix: string): number {
    const [begin, end] = this.keys.prefixRange(prefix);
    return end - begin;
  }

  async waitForRevision(rev: bigint, timeoutMs: number): Promise<boolean> {
    if (this.ready && this.revision >= rev) return true;
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        rev,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  /** List keys under prefix after startAfter at the cache's current revision. */
  list(prefix: string, startAfter: string | undefined, limit: number | undefined): ListResult {
    const [begin, end] = this.keys.prefixRange(prefix);
    let i = startAfter !== undefined ? Math.max(begin, this.keys.upperBound(startAfter)) : begin;
    const n = limit && limit > 0 ? Math.min(limit, end - i) : end - i;
    const items: StoredObject[] = new Array<StoredObject>(n);
    for (let j = 0; j < n; j++, i++) items[j] = this.objects.get(this.keys.at(i))!;
    const result: ListResult = { items, revision: this.revision.toString() };
    if (i < end && n > 0) {
      result.continueKey = items[n - 1].key;
      result.remaining = end - i;
    }
    return result;
  }

  /** Whether list state at rev can be rebuilt from the ring. */
  canListAt(rev: bigint): boolean {
    return this.ready && rev >= this.ring.oldest && rev <= this.revision;
  }

  /** List as of an older revision (for continue tokens): current state with newer ring events undone. */
  listAt(prefix: string, rev: bigint, startAfter: string | undefined, limit: number | undefined): ListResult {
    if (rev === this.revision) return this.list(prefix, startAfter, limit);
    const end = prefixEndString(prefix);
    const lower = startAfter !== undefined && startAfter >= prefix ? startAfter : undefined;
    const inRange = (k: string) => k >= prefix && k < end && (lower === undefined || k > lower);
    // Newest to oldest, so each key ends up with its state just after rev.
    const overrides = new Map<string, StoredObject | undefined>();
    for (let i = this.ring.length - 1; i >= 0; i--) {
      const e = this.ring.get(i);
      if (e.rev <= rev) break;
      if (inRange(e.ev.key)) overrides.set(e.ev.key, e.prev);
    }
    const extra = [...overrides.keys()].filter((k) => !this.objects.has(k)).sort();
    const [begin, stop] = this.keys.prefixRange(prefix);
    let i = lower !== undefined ? Math.max(begin, this.keys.upperBound(lower)) : begin;
    let x = 0;
    const items: StoredObject[] = [];
    const max = limit && limit > 0 ? limit : Infinity;
    let lastKey: string | undefined;
    while (items.length < max && (i < stop || x < extra.length)) {
      let k: string;
      if (x >= extra.length || (i < stop && this.keys.at(i) < extra[x])) k = this.keys.at(i++);
      else k = extra[x++];
      const v = overrides.has(k) ? overrides.get(k) : this.objects.get(k);
      if (v) items.push(v);
      lastKey = k;
    }
    const result: ListResult = { items, revision: rev.toString() };
    if (lastKey !== undefined && (i < stop || x < extra.length)) {
      // Count what is left at rev: remaining current keys, adjusted by the overrides among them.
      let remaining = stop - i;
      for (const [k, v] of overrides) {
        if (k <= lastKey) continue;
        const now = this.objects.has(k);
        if (now && !v) remaining--;
        else if (!now && v) remaining++;
      }
      if (remaining > 0 && items.length > 0) {
        result.continueKey = items[items.length - 1].key;
        result.remaining = remaining;
      }
    }
    return result;
  }

  /** Add a watcher for keys under prefix after fromRevision; false if the ring no longer reaches back that far. */
  watch(prefix: string, fromRevision: bigint | undefined, handlers: WatchHandlers<KubeObject>): CacheWatcher | undefined {
    const from = fromRevision ?? this.revision;
    if (from < this.ring.oldest) return undefined;
    const w = new CacheWatcher(prefix, from, handlers, this.opts.watcherQueueLimit, (self) => this.watchers.delete(self));
    for (let i = this.ring.firstAfter(from); i < this.ring.length; i++) {
      const e = this.ring.get(i);
      if (e.ev.key.startsWith(prefix)) w.enqueue(e.ev);
    }
    w.startPump();
    this.watchers.add(w);
    this.scheduleBookmarks();
    return w;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Periodic onProgress for idle watchers, so the apiserver can send BOOKMARKs. */
  private scheduleBookmarks(): void {
    if (this.bookmarkTimer || this.closed || this.watchers.size === 0) return;
    this.bookmarkTimer = setInterval(() => {
      if (this.watchers.size === 0) {
        clearInterval(this.bookmarkTimer);
        this.bookmarkTimer = undefined;
        return;
      }
      if (!this.fresh) return;
      for (const w of this.watchers) w.progress(this.revision);
    }, this.opts.bookmarkIntervalMs);
    this.bookmarkTimer.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.bookmarkTimer);
    clearTimeout(this.retryTimer);
    this.innerWatch?.stop();
    for (const w of [...this.watchers]) w.fail(new StorageError('Unavailable', 'storage closed'));
  }
}

function freezeStored(s: StoredObject): StoredObject {
  Object.freeze(s.object);
  return Object.freeze(s);
}

function freezeEvent(ev: StorageWatchEvent): void {
  Object.freeze(ev.object);
  if (ev.prevObject) Object.freeze(ev.prevObject);
  Object.freeze(ev);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}
