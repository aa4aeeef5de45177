// The storage boundary: the apiserver's registries see only this, so they can be
// read and tested without knowing etcd. Keys are full etcd keys
// (`/registry/<resource>/<namespace>/<name>` or `/registry/<resource>/<name>`),
// values are API objects stored as JSON. Revisions are etcd mod_revisions as
// decimal strings; `metadata.resourceVersion` of every object returned is set
// from it (it is never trusted from the stored bytes).

import type { KubeObject } from '../../api/meta.js';

export interface StoredObject<T extends KubeObject = KubeObject> {
  key: string;
  object: T;
  /** etcd mod_revision of this key, decimal. */
  revision: string;
}

export interface ListResult<T extends KubeObject = KubeObject> {
  items: StoredObject<T>[];
  /** The store revision the list is consistent at. */
  revision: string;
  /** Set when `limit` cut the list: the key to continue after. */
  continueKey?: string;
  remaining?: number;
}

export interface ListOptions {
  /** Return at most this many items (0 or absent: all). */
  limit?: number;
  /** Start strictly after this key (from a continue token). */
  startAfter?: string;
  /** Kubernetes semantics: undefined or '' = most recent (quorum read);
   *  '0' = any (cache is fine); other = not older than this revision. */
  resourceVersion?: string;
  /** For continue tokens: list at exactly this revision. */
  exactRevision?: string;
}

export interface StorageWatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  /** For DELETED: the last state, with resourceVersion = the deletion revision. */
  object: T;
  revision: string;
  /** For MODIFIED (and DELETED): the state before this event, when known (etcd prevKv).
   *  The apiserver needs it so a watch with a label/field selector can turn
   *  "stopped matching" into DELETED and "started matching" into ADDED. */
  prevObject?: T;
}

export interface WatchOptions {
  /** false: the consumer keeps every object itself (the watch cache), so events need not carry
   *  prevObject, and a DELETED event's object may be only a stub (name, resourceVersion). Saves
   *  etcd reading and sending the previous value, and us decoding it, on every update. */
  previous?: boolean;
}

export interface Watcher {
  /** Stop delivering events and release resources. Idempotent. */
  stop(): void;
}

export interface WatchHandlers<T extends KubeObject = KubeObject> {
  /** May return a promise while your sink is backed up (e.g. until an HTTP response 'drain'): the watch cache then
   *  queues this watcher's events (bounded) until it settles, and ends the watch with Gone if the queue overflows.
   *  Any other return value is ignored. */
  onEvent(ev: StorageWatchEvent<T>): unknown;
  /** Called when the store progresses with no event for this watcher (for bookmarks). */
  onProgress?(revision: string): void;
  /** The watch ended and will deliver no more events: `gone` = resume revision compacted (HTTP 410). */
  onError(err: StorageError): void;
}

export type StorageErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict' // compare-and-swap lost
  | 'Gone' // revision compacted / too old
  | 'Unavailable' // etcd unreachable (HTTP 503)
  | 'Timeout' // waited too long for the store to reach a requested resourceVersion (HTTP 504)
  | 'Internal';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export interface Storage {
  /** `readOnly`: the caller will not modify the result, so a cache may hand out its shared (frozen) copy. */
  get<T extends KubeObject>(key: string, opts?: { resourceVersion?: string; readOnly?: boolean }): Promise<StoredObject<T>>;
  /** List every key under prefix (prefix ends with '/'). */
  list<T extends KubeObject>(prefix: string, opts?: ListOptions): Promise<ListResult<T>>;
  /** Create; fails with AlreadyExists if the key exists. */
  create<T extends KubeObject>(key: string, obj: T): Promise<StoredObject<T>>;
  /** Compare-and-swap on mod_revision: fails with Conflict if the key's revision is not `expectedRevision`. */
  update<T extends KubeObject>(key: string, obj: T, expectedRevision: string): Promise<StoredObject<T>>;
  /** Delete; with expectedRevision, only if unchanged (Conflict otherwise). Returns the last state. */
  delete<T extends KubeObject>(key: string, expectedRevision?: string): Promise<StoredObject<T>>;
  /** Watch keys under prefix for changes after `fromRevision` (exclusive), or from now if absent. */
  watch<T extends KubeObject>(prefix: string, fromRevision: string | undefined, handlers: WatchHandlers<T>, opts?: WatchOptions): Watcher;
  /** Current store revision. */
  currentRevision(): Promise<string>;
  /** Linearizable, keys only: how many keys prefix holds now, and how many changed after `since` (see KV.probe). */
  probe?(prefix: string, since: string): Promise<{ revision: string; count: number; modified: number }>;
  close(): Promise<void>;
}
