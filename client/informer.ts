// The informer every component uses: list, then watch from the list's
// resourceVersion, keeping a local cache and telling handlers what changed.
// - BOOKMARK events advance the resourceVersion it would resume from.
// - A watch that ends (server timeout) or breaks (apiserver restart, etcd
//   outage) is re-opened from the last resourceVersion seen, after a back-off
//   when it failed, so no event is lost or repeated.
// - 410 Gone (the resourceVersion is older than the server keeps) means a
//   re-list; the new list is diffed against the cache so handlers see exactly
//   the adds, updates and deletes they missed.

import { isGone, ApiError } from './errors.js';
import { TransportError } from './http.js';
import type { Obj, ResourceClient, RestClient } from './rest.js';
import { Store, objectKey } from './store.js';
import type { Watch } from './watch.js';

export interface InformerOptions {
  /** Namespaced resources: watch one namespace (default: all namespaces). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as an update(obj, obj) this often; 0/absent = never. */
  resyncMs?: number;
  /** List page size (limit/continue); 0 = one request. Default 500. */
  pageSize?: number;
  /** Back-off after a failed list or watch: initial and maximum delay. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Where errors from the loop and from handlers go (default: console.error with the resource name). */
  onError?: (err: unknown) => void;
}

export type AddHandler<T> = (obj: T) => void;
export type UpdateHandler<T> = (oldObj: T, newObj: T) => void;
export type DeleteHandler<T> = (obj: T) => void;

interface Handlers<T> {
  add: AddHandler<T>[];
  update: UpdateHandler<T>[];
  delete: DeleteHandler<T>[];
}

export interface InformerStats {
  lists: number;
  watches: number;
  /** Re-lists caused by 410 Gone. */
  gone: number;
  /** Watches or lists that failed and were retried after a back-off. */
  failures: number;
}

export class Informer<T extends Obj> {
  readonly store = new Store<T>();
  readonly stats: InformerStats = { lists: 0, watches: 0, gone: 0, failures: 0 };
  private readonly rc: ResourceClient<T>;
  private readonly handlers: Handlers<T> = { add: [], update: [], delete: [] };
  private rv = '';
  private synced = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private watch: Watch<T> | undefined;
  /** Aborts the list or watch request in flight (stop()). */
  private listAbort: AbortController | undefined;
  private sleepWake: (() => void) | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private syncWaiters: { resolve: () => void }[] = [];

  constructor(
    client: RestClient,
    resource: string | ResourceClient<T>,
    private readonly opts: InformerOptions = {},
  ) {
    this.rc = typeof resource === 'string' ? client.resource<T>(resource, opts.namespace) : resource.inNamespace(opts.namespace ?? resource.namespace);
  }

  on(event: 'add', handler: AddHandler<T>): this;
  on(event: 'update', handler: UpdateHandler<T>): this;
  on(event: 'delete', handler: DeleteHandler<T>): this;
  on(event: 'add' | 'update' | 'delete', handler: AddHandler<T> | UpdateHandler<T>): this {
    if (event === 'add') {
      this.handlers.add.push(handler as AddHandler<T>);
      // As client-go: a handler added after the sync first hears of what is already cached.
      if (this.synced) for (const o of this.store.list()) this.call(() => (handler as AddHandler<T>)(o));
    } else if (event === 'update') this.handlers.update.push(handler);
    else this.handlers.delete.push(handler as DeleteHandler<T>);
    return this;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the next watch resumes from. */
  get lastSyncResourceVersion(): string {
    return this.rv;
  }

  get resource(): ResourceClient<T> {
    return this.rc;
  }

  /** Start the list/watch loop; resolves once the first list is in the cache (or on stop()). */
  start(): Promise<void> {
    if (!this.running) {
      this.running = this.loop();
      if (this.opts.resyncMs && this.opts.resyncMs > 0) {
        this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncMs);
        this.resyncTimer.unref?.();
      }
    }
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push({ resolve }));
  }

  /** Stop watching; resolves when the loop has exited. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.listAbort?.abort();
    this.watch?.stop();
    this.sleepWake?.();
    for (const w of this.syncWaiters.splice(0)) w.resolve();
    await this.running;
  }

  private report(err: unknown): void {
    if (this.opts.onError) this.opts.onError(err);
    else console.error(`informer ${this.rc.info.resource}: ${err instanceof Error ? err.message : String(err)}`);
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(err);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleepWake = undefined;
        resolve();
      }, ms);
      this.sleepWake = () => {
        clearTimeout(t);
        this.sleepWake = undefined;
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    const initial = this.opts.backoffInitialMs ?? 100;
    const max = this.opts.backoffMaxMs ?? 5000;
    let backoff = initial;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const started = Date.now();
        const delivered = await this.watchOnce();
        backoff = initial;
        // A watch the server closes at once with nothing in it: do not spin.
        if (delivered === 0 && Date.now() - started < 1000) await this.sleep(initial);
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          this.stats.gone++;
          needList = true;
          continue;
        }
        this.stats.failures++;
        // Transport failures and server unavailability: resume the watch from the
        // last resourceVersion once it answers. Anything else: start over with a list.
        const transient = err instanceof TransportError || (err instanceof ApiError && (err.code >= 500 || err.code === 429));
        if (!transient) {
          needList = true;
          this.report(err);
        }
        await this.sleep(backoff * (0.8 + Math.random() * 0.4));
        backoff = Math.min(backoff * 2, max);
      }
    }
  }

  /** List everything, replace the cache, and deliver the differences. */
  private async relist(): Promise<void> {
    this.stats.lists++;
    this.listAbort = new AbortController();
    const list = await this.rc.listAll(
      {
        ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
        ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
        signal: this.listAbort.signal,
      },
      this.opts.pageSize ?? 500,
    );
    this.listAbort = undefined;
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const item of list.items) {
      if (!item.kind) {
        item.kind = this.rc.info.kind;
        item.apiVersion = this.rc.apiVersion;
      }
      const key = objectKey(item);
      seen.add(key);
      const old = this.store.get(key);
      this.store.set(key, item);
      if (!old) this.emitAdd(item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.emitUpdate(old, item);
    }
    for (const [key, old] of [...this.store.entries()]) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.emitDelete(old);
    }
    this.rv = list.metadata?.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w.resolve();
    }
  }

  /** One watch from this.rv until it ends; returns how many events it delivered, throws what broke it. */
  private async watchOnce(): Promise<number> {
    this.stats.watches++;
    // Aborted by stop(), so a watch that is still being opened does not hold the loop.
    this.listAbort = new AbortController();
    const w = await this.rc.watch({
      signal: this.listAbort.signal,
      resourceVersion: this.rv,
      allowWatchBookmarks: true,
      // Spread reconnects of many informers, as the reflector does (5–10 min).
      timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
      ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
    });
    this.listAbort = undefined;
    this.watch = w;
    if (this.stopped) w.stop();
    let n = 0;
    try {
      for await (const ev of w) {
        const obj = ev.object;
        const rv = obj?.metadata?.resourceVersion;
        if (ev.type === 'BOOKMARK') {
          if (rv) this.rv = rv;
          continue;
        }
        n++;
        const key = objectKey(obj);
        const old = this.store.get(key);
        if (ev.type === 'DELETED') {
          this.store.delete(key);
          if (old) this.emitDelete(obj);
        } else if (!old) {
          this.store.set(key, obj);
          this.emitAdd(obj);
        } else if (old.metadata?.resourceVersion !== rv) {
          this.store.set(key, obj);
          this.emitUpdate(old, obj);
        }
        if (rv) this.rv = rv;
      }
    } finally {
      this.watch = undefined;
    }
    return n;
  }

  private emitAdd(obj: T): void {
    for (const h of this.handlers.add) this.call(() => h(obj));
  }

  private emitUpdate(oldObj: T, newObj: T): void {
    for (const h of this.handlers.update) this.call(() => h(oldObj, newObj));
  }

  private emitDelete(obj: T): void {
    for (const h of this.handlers.delete) this.call(() => h(obj));
  }

  private resync(): void {
    if (!this.synced || this.stopped) return;
    for (const o of this.store.list()) this.emitUpdate(o, o);
  }
}
