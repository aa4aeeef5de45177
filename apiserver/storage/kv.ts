// The byte-level boundary under EtcdStorage: etcd's key-value operations as the
// apiserver uses them, with values as raw bytes and revisions as decimal strings.
// Everything crossing it is plain data (strings, Buffers), so an implementation
// can run the etcd client in another thread (kv-worker-client.ts) as well as in
// this one (etcd-kv.ts). Failures reject with StorageError.

import type { StorageError } from './interface.js';

export interface KVPair {
  /** The key as the caller names it (without the store's key prefix). */
  key: string;
  value: Buffer;
  modRevision: string;
  createRevision: string;
}

export interface KVListOptions {
  /** Start strictly after this key. */
  startAfter?: string;
  limit?: number;
  /** Read at exactly this (past) revision. */
  revision?: string;
  /** Serve from the local member without a raft round (any recent state is fine). */
  serializable?: boolean;
}

export interface KVListResult {
  kvs: KVPair[];
  /** The store revision the read was served at. */
  revision: string;
  /** More keys follow the last one returned (limit cut the range). */
  more: boolean;
  /** How many keys the whole range holds. */
  count: number;
}

/** A compare-and-swap outcome: done at `revision`, or refused because the key's mod revision is `current` (absent: no such key). */
export type KVWriteResult = { ok: true; revision: string } | { ok: false; current?: string };

export type KVDeleteResult = { ok: true; revision: string; prev?: KVPair } | { ok: false; current?: string };

export interface KVWatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** The new value (put only). */
  value?: Buffer;
  modRevision: string;
  createRevision: string;
  /** The value before this event, when the watch asked for it. */
  prev?: { value: Buffer; modRevision: string };
}

export interface KVWatchHandlers {
  /** Events of one etcd response, in revision order. */
  onEvents(events: KVWatchEvent[]): void;
  /** Every event up to `revision` has been delivered. */
  onProgress(revision: string): void;
  /** The watch ended for good (Gone: its start revision was compacted). */
  onError(err: StorageError): void;
}

export interface KVWatchOptions {
  /** Deliver events after this revision (exclusive); undefined, '' or '0' = from now. */
  fromRevision?: string;
  /** Ask etcd for each event's previous value. */
  previous: boolean;
}

/** What `probe` found under a prefix at the current revision. */
export interface KVProbe {
  /** The store revision the probe was answered at (a linearizable read). */
  revision: string;
  /** How many keys the prefix holds at that revision. */
  count: number;
  /** How many of them were created or modified after the `since` revision. */
  modified: number;
}

export interface KV {
  get(key: string, opts?: { serializable?: boolean }): Promise<KVPair | undefined>;
  /** Every key under prefix (which ends with '/'), in key order. */
  list(prefix: string, opts?: KVListOptions): Promise<KVListResult>;
  /** Put if the key does not exist. */
  create(key: string, value: string): Promise<KVWriteResult>;
  /** Put if the key's mod revision is `expected`. */
  update(key: string, value: string, expected: string): Promise<KVWriteResult>;
  /** Delete (if `expected` is given, only while the key's mod revision is that); `prev` is the deleted pair. */
  delete(key: string, expected?: string): Promise<KVDeleteResult>;
  /** Watch keys under prefix; stop() is idempotent. */
  watch(prefix: string, opts: KVWatchOptions, handlers: KVWatchHandlers): { stop(): void };
  currentRevision(): Promise<string>;
  /**
   * Keys only, linearizable: how many keys the prefix holds now and how many of those changed after
   * `since`. Equal count and none modified means the prefix's state at `revision` is the state at
   * `since` (an added key shows as modified, a deleted one lowers the count).
   */
  probe(prefix: string, since: string): Promise<KVProbe>;
  /** Compact history before revision; compacting at or below an earlier compaction is a no-op. */
  compact(revision: string): Promise<void>;
  close(): Promise<void>;
}
