// Storage on etcd v3: API objects as JSON values under their keys, revisions
// from etcd's mod_revisions. The etcd client sits behind the byte-level KV
// boundary (kv.ts): in this thread (EtcdKV), or, with `worker: true`, in a
// worker thread of its own (WorkerKV), so the client's CPU (gRPC framing,
// protobuf, HTTP/2: about half of a create's) runs on another core than the
// HTTP serving and API logic. Objects are encoded and decoded here, in the
// caller's thread, because handing JS objects between threads costs more than
// parsing their JSON.

import type { KubeObject } from '../../api/meta.js';
import {
  StorageError,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageWatchEvent,
  type StoredObject,
  type WatchHandlers,
  type WatchOptions,
  type Watcher,
} from './interface.js';
import { decodeObject, encodeObject, rememberText, withRevision, withRevisionText } from './codec.js';
import type { KV, KVPair, KVWatchEvent } from './kv.js';
import { EtcdKV, type EtcdKVOptions } from './etcd-kv.js';
import { WorkerKV } from './kv-worker-client.js';
import { RetryingKV } from './kv-retry.js';

export interface EtcdStorageOptions extends EtcdKVOptions {
  /** Run the etcd client in a worker thread; default false. */
  worker?: boolean;
  /** How long a call waits for an etcd that is not running to come back (ms); default 8000, 0: fail at once. */
  retryBudgetMs?: number;
}

export class EtcdStorage implements Storage {
  readonly kv: KV;

  constructor(opts: EtcdStorageOptions) {
    const kv = opts.worker ? new WorkerKV(opts) : new EtcdKV(opts);
    this.kv = opts.retryBudgetMs === 0 ? kv : new RetryingKV(kv, { budgetMs: opts.retryBudgetMs });
  }

  private stored<T extends KubeObject>(kv: KVPair): StoredObject<T> {
    return { key: kv.key, object: decodeObject<T>(kv.value, kv.modRevision), revision: kv.modRevision };
  }

  async get<T extends KubeObject>(key: string, opts?: { resourceVersion?: string }): Promise<StoredObject<T>> {
    // rv '0' means "any state is fine": a serializable read skips the raft round.
    const kv = await this.kv.get(key, { serializable: opts?.resourceVersion === '0' });
    if (!kv) throw new StorageError('NotFound', `${key} not found`, key);
    return this.stored<T>(kv);
  }

  async list<T extends KubeObject>(prefix: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    const res = await this.kv.list(prefix, {
      startAfter: opts.startAfter,
      limit: opts.limit,
      revision: opts.exactRevision,
      serializable: opts.resourceVersion === '0',
    });
    const items = res.kvs.map((kv) => this.stored<T>(kv));
    const result: ListResult<T> = { items, revision: opts.exactRevision ?? res.revision };
    if (res.more && items.length > 0) {
      result.continueKey = items[items.length - 1].key;
      result.remaining = res.count - items.length;
    }
    return result;
  }

  async create<T extends KubeObject>(key: string, obj: T): Promise<StoredObject<T>> {
    const text = encodeObject(obj);
    const res = await this.kv.create(key, text);
    if (!res.ok) throw new StorageError('AlreadyExists', `${key} already exists`, key);
    return written(key, obj, text, res.revision);
  }

  async update<T extends KubeObject>(key: string, obj: T, expectedRevision: string): Promise<StoredObject<T>> {
    const text = encodeObject(obj);
    const res = await this.kv.update(key, text, expectedRevision);
    if (!res.ok) throw casFailure(key, res.current, expectedRevision);
    return written(key, obj, text, res.revision);
  }

  async delete<T extends KubeObject>(key: string, expectedRevision?: string): Promise<StoredObject<T>> {
    const res = await this.kv.delete(key, expectedRevision);
    if (!res.ok) throw casFailure(key, res.current, expectedRevision ?? '');
    if (!res.prev) throw new StorageError('NotFound', `${key} not found`, key);
    // The last state, stamped with the deletion's revision (what a watch's DELETED event carries).
    return { key, object: decodeObject<T>(res.prev.value, res.revision), revision: res.revision };
  }

  watch<T extends KubeObject>(prefix: string, fromRevision: string | undefined, handlers: WatchHandlers<T>, opts: WatchOptions = {}): Watcher {
    let stopped = false;
    const w = this.kv.watch(prefix, { fromRevision, previous: opts.previous ?? true }, {
      onEvents: (events) => {
        for (const ev of events) {
          if (stopped) return;
          try {
            handlers.onEvent(toEvent<T>(ev));
          } catch (err) {
            // One handler's bug must not cost the other events of this batch.
            queueMicrotask(() => {
              throw err;
            });
          }
        }
      },
      onProgress: (rev) => {
        if (!stopped) handlers.onProgress?.(rev);
      },
      onError: (err) => {
        if (stopped) return;
        stopped = true;
        handlers.onError(err);
      },
    });
    return {
      stop() {
        stopped = true;
        w.stop();
      },
    };
  }

  currentRevision(): Promise<string> {
    return this.kv.currentRevision();
  }

  probe(prefix: string, since: string): Promise<{ revision: string; count: number; modified: number }> {
    return this.kv.probe(prefix, since);
  }

  /** Compact etcd's history up to (not including) revision; older revisions then answer Gone. */
  compact(revision: string): Promise<void> {
    return this.kv.compact(revision);
  }

  close(): Promise<void> {
    return this.kv.close();
  }
}

/** What a write returns: the object at its new revision, with its JSON text remembered for the response. */
function written<T extends KubeObject>(key: string, obj: T, text: string, revision: string): StoredObject<T> {
  const object = withRevision(obj, revision);
  const full = withRevisionText(text, obj, revision);
  if (full !== undefined) rememberText(object, full);
  return { key, object, revision };
}

function casFailure(key: string, current: string | undefined, expected: string): StorageError {
  if (current === undefined) return new StorageError('NotFound', `${key} not found`, key);
  return new StorageError('Conflict', `${key}: resourceVersion ${expected} is not the latest (${current})`, key);
}

function toEvent<T extends KubeObject>(ev: KVWatchEvent): StorageWatchEvent<T> {
  const { key, modRevision: revision } = ev;
  if (ev.type === 'delete') {
    const object = ev.prev
      ? decodeObject<T>(ev.prev.value, revision)
      : ({ metadata: { name: key.slice(key.lastIndexOf('/') + 1), resourceVersion: revision } } as T);
    return { type: 'DELETED', key, object, revision, prevObject: object };
  }
  const object = decodeObject<T>(ev.value!, revision);
  if (ev.createRevision === revision) return { type: 'ADDED', key, object, revision };
  const out: StorageWatchEvent<T> = { type: 'MODIFIED', key, object, revision };
  if (ev.prev) out.prevObject = decodeObject<T>(ev.prev.value, ev.prev.modRevision);
  return out;
}
