// The watch cache: a Storage that serves reads and watches of registered
// resource prefixes from memory (one inner watch per resource), and passes
// writes and everything else through to the inner store (etcd).
//
// Read semantics (Kubernetes' resourceVersion rules):
//  - get, rv unset/'' : passed through to the inner store (a quorum read costs one
//    etcd call, the same as asking etcd for its revision, and needs no waiting).
//  - get/list, rv '0' : served from the cache at once (whatever it has seen).
//  - get/list, rv 'N' : wait until the cache has seen revision >= N, then serve;
//    after `waitTimeoutMs` (default 3 s) fail with StorageError('Timeout') (HTTP 504).
//  - list, rv unset    : consistent read: ask the inner store for its current
//    revision (one cheap call; Unavailable if etcd is down), wait until the cache
//    reaches it (events or etcd progress notifications, so etcd should run with
//    --experimental-watch-progress-notify-interval of ~100ms), then serve from the
//    cache. If it does not get there within `consistentWaitMs`, list from the
//    inner store instead.
//  - list with exactRevision (continue tokens): served from the cache when the
//    event ring still reaches back to that revision (state rolled back), else
//    from the inner store (which answers Gone once compacted).
// Watch semantics:
//  - fromRevision undefined, '' or '0': from the cache's current revision. To
//    send the initial ADDED events, list with rv '0' first and watch from that
//    list's revision: nothing is missed or repeated between the two.
//  - fromRevision 'N': replay ring events after N, then live. Older than the ring:
//    fall back to a watch on the inner store (etcd answers Gone if compacted).
//  - onProgress(rev) about every `bookmarkIntervalMs` for watchers with nothing
//    pending, for BOOKMARK events.
// Objects handed out from the cache are shared and deep-frozen: never mutate
// them (copy first); `get` returns a private copy.

import type { KubeObject } from '../../api/meta.js';
import {
  StorageError,
  type ListOptions,
  type ListResult,
  type Storage,
  type StoredObject,
  type WatchHandlers,
  type WatchOptions,
  type Watcher,
} from './interface.js';
import { ResourceCache, type ResourceCacheOptions } from './resource-cache.js';

export interface CachedStorageOptions extends Partial<ResourceCacheOptions> {
  /** How long a read with rv 'N' waits for the cache to reach N; default 3000 ms. */
  waitTimeoutMs?: number;
  /** How long a consistent list waits for the cache before asking the inner store; default 1000 ms. */
  consistentWaitMs?: number;
  /** Serve watches older than the event ring from the inner store; default true. */
  innerWatchFallback?: boolean;
}

export class CachedStorage implements Storage {
  private readonly caches: ResourceCache[] = [];
  private readonly opts: Required<CachedStorageOptions>;

  constructor(
    readonly inner: Storage,
    opts: CachedStorageOptions = {},
  ) {
    this.opts = {
      eventCapacity: opts.eventCapacity ?? 1000,
      watcherQueueLimit: opts.watcherQueueLimit ?? 5000,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 1000,
      freeze: opts.freeze ?? process.env.TSKUBE_CACHE_MUTATION_DETECTOR === '1',
      relistRetryMs: opts.relistRetryMs ?? 100,
      waitTimeoutMs: opts.waitTimeoutMs ?? 3000,
      consistentWaitMs: opts.consistentWaitMs ?? 1000,
      innerWatchFallback: opts.innerWatchFallback ?? true,
    };
  }

  /** Cache everything under prefix (ends with '/', e.g. '/registry/pods/'). Resolves when the first list is
   *  loaded (retrying while the store is down); reads before that go to the inner store. */
  cacheResource(prefix: string): Promise<void> {
    const existing = this.caches.find((c) => c.prefix === prefix);
    if (existing) return existing.whenReady();
    const c = new ResourceCache(prefix, this.inner, this.opts);
    this.caches.push(c);
    // Longest prefix first, so lookups find the most specific cache.
    this.caches.sort((a, b) => b.prefix.length - a.prefix.length);
    return c.start();
  }

  /** The cache serving key/prefix, if any (exposed for tests and metrics). */
  cacheFor(keyOrPrefix: string): ResourceCache | undefined {
    return this.caches.find((c) => keyOrPrefix.startsWith(c.prefix));
  }

  async get<T extends KubeObject>(key: string, opts?: { resourceVersion?: string; readOnly?: boolean }): Promise<StoredObject<T>> {
    const rv = opts?.resourceVersion;
    const c = this.cacheFor(key);
    if (!c || !c.ready || rv === undefined || rv === '') return this.inner.get<T>(key, opts);
    if (rv !== '0') await this.waitFor(c, parseRevision(rv), this.opts.waitTimeoutMs);
    const hit = c.get(key);
    if (!hit) throw new StorageError('NotFound', `${key} not found`, key);
    // A private copy unless the caller promises not to modify it: callers commonly modify what they got and write it back.
    return (opts?.readOnly ? hit : structuredClone(hit)) as StoredObject<T>;
  }

  async list<T extends KubeObject>(prefix: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    const c = this.cacheFor(prefix);
    if (!c || !c.ready) return this.inner.list<T>(prefix, opts);
    if (opts.exactRevision) {
      const rev = parseRevision(opts.exactRevision);
      if (rev > c.revision) await this.waitFor(c, rev, this.opts.waitTimeoutMs);
      if (!c.canListAt(rev)) return this.inner.list<T>(prefix, opts);
      return c.listAt(prefix, rev, opts.startAfter, opts.limit) as ListResult<T>;
    }
    const rv = opts.resourceVersion;
    if (rv === undefined || rv === '') {
      if (!(await this.consistent(c, prefix))) return this.inner.list<T>(prefix, opts);
    } else if (rv !== '0') {
      await this.waitFor(c, parseRevision(rv), this.opts.waitTimeoutMs);
    }
    return c.list(prefix, opts.startAfter, opts.limit) as ListResult<T>;
  }

  /**
   * Whether c holds the store's current state for its prefix (upstream's consistent read from
   * cache): either it has seen the current (quorum) revision, or a keys-only probe proves nothing
   * under the listed prefix changed since the revision it has — the common case for an idle resource
   * while other resources are written (progress notifications would take up to their interval).
   * Otherwise wait for its watch to deliver the rest; false when that takes too long.
   */
  private async consistent(c: ResourceCache, prefix: string): Promise<boolean> {
    const seen = c.revision;
    const size = c.count(prefix);
    let current: bigint;
    if (this.inner.probe) {
      const p = await this.inner.probe(prefix, String(seen));
      current = parseRevision(p.revision);
      // c may have moved on meanwhile: the probe speaks of `seen`, so compare with what c had then.
      if (c.revision >= current || (c.revision === seen && p.modified === 0 && p.count === size)) return true;
    } else {
      current = parseRevision(await this.inner.currentRevision());
    }
    return c.waitForRevision(current, this.opts.consistentWaitMs);
  }

  private async waitFor(c: ResourceCache, rev: bigint, timeoutMs: number): Promise<void> {
    if (!(await c.waitForRevision(rev, timeoutMs))) {
      throw new StorageError('Timeout', `Too large resource version: ${rev}, current: ${c.revision}`);
    }
  }

  watch<T extends KubeObject>(prefix: string, fromRevision: string | undefined, handlers: WatchHandlers<T>, opts?: WatchOptions): Watcher {
    const c = this.cacheFor(prefix);
    if (!c) return this.inner.watch(prefix, fromRevision, handlers, opts);
    const from = fromRevision === undefined || fromRevision === '' || fromRevision === '0' ? undefined : parseRevision(fromRevision);
    const h = handlers as unknown as WatchHandlers<KubeObject>;
    if (c.ready) return this.attach(c, prefix, from, fromRevision, h);
    // Not loaded yet: attach once it is (the watcher can be stopped meanwhile).
    let stopped = false;
    let w: Watcher | undefined;
    void c.whenReady().then(() => {
      if (!stopped) w = this.attach(c, prefix, from, fromRevision, h);
    });
    return {
      stop() {
        stopped = true;
        w?.stop();
      },
    };
  }

  private attach(
    c: ResourceCache,
    prefix: string,
    from: bigint | undefined,
    fromRevision: string | undefined,
    handlers: WatchHandlers<KubeObject>,
  ): Watcher {
    const w = c.watch(prefix, from, handlers);
    if (w) return w;
    if (this.opts.innerWatchFallback) return this.inner.watch(prefix, fromRevision, handlers);
    const err = new StorageError('Gone', `too old resource version: ${fromRevision} (oldest cached: ${c.revision})`);
    queueMicrotask(() => handlers.onError(err));
    return { stop() {} };
  }

  create<T extends KubeObject>(key: string, obj: T): Promise<StoredObject<T>> {
    return this.inner.create(key, obj);
  }

  update<T extends KubeObject>(key: string, obj: T, expectedRevision: string): Promise<StoredObject<T>> {
    return this.inner.update(key, obj, expectedRevision);
  }

  delete<T extends KubeObject>(key: string, expectedRevision?: string): Promise<StoredObject<T>> {
    return this.inner.delete(key, expectedRevision);
  }

  currentRevision(): Promise<string> {
    return this.inner.currentRevision();
  }

  /** Stops every cache and watcher, then closes the inner store. */
  async close(): Promise<void> {
    for (const c of this.caches) c.close();
    await this.inner.close();
  }
}

function parseRevision(rv: string): bigint {
  if (!/^\d+$/.test(rv)) throw new StorageError('Internal', `invalid resourceVersion: ${JSON.stringify(rv)}`);
  return BigInt(rv);
}
