// The KV boundary on the etcd3 client, in this thread. Each write is one round
// trip: a compare-and-put/delete transaction whose failure branch reads the key,
// so a failed CAS tells NotFound from Conflict without a second call. The raw KV
// RPCs are used instead of etcd3's builders to keep per-call CPU low.

import type { Etcd3, IKeyValue, IRangeRequest } from 'etcd3';
import { StorageError } from './interface.js';
import { toStorageError } from './errors.js';
import { keySuccessor, prefixEnd } from './keys.js';
import { newEtcdClient, type EtcdTLS } from './etcd-client.js';
import { EtcdWatch } from './etcd-watch.js';
import type { KV, KVDeleteResult, KVListOptions, KVListResult, KVPair, KVProbe, KVWatchHandlers, KVWatchOptions, KVWriteResult } from './kv.js';

export interface EtcdKVOptions {
  endpoints: string[] | string;
  /** Prepended to every key in etcd (and stripped from keys returned); default ''. */
  prefix?: string;
  /** Connect timeout (ms); default 1000. */
  dialTimeout?: number;
  /** Deadline of each unary etcd call (ms); default 5000. */
  callTimeoutMs?: number;
  /** Delay before re-creating a broken watch (ms), growing to maxWatchRetryMs; default 100. */
  watchRetryMs?: number;
  maxWatchRetryMs?: number;
  /** Client TLS (https:// endpoints). */
  tls?: EtcdTLS;
}

export class EtcdKV implements KV {
  readonly client: Etcd3;
  private readonly prefix: string;
  private readonly watchRetryMs: number;
  private readonly maxWatchRetryMs: number;
  private readonly watches = new Set<EtcdWatch>();
  private closed = false;

  constructor(opts: EtcdKVOptions) {
    this.client = newEtcdClient({ endpoints: opts.endpoints, dialTimeout: opts.dialTimeout, callTimeoutMs: opts.callTimeoutMs, tls: opts.tls });
    this.prefix = opts.prefix ?? '';
    this.watchRetryMs = opts.watchRetryMs ?? 100;
    this.maxWatchRetryMs = opts.maxWatchRetryMs ?? 1000;
  }

  private etcdKey(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  private userKey(k: Buffer): string {
    const s = k.toString('utf8');
    return this.prefix && s.startsWith(this.prefix) ? s.slice(this.prefix.length) : s;
  }

  private pair(kv: IKeyValue): KVPair {
    return { key: this.userKey(kv.key), value: kv.value, modRevision: kv.mod_revision, createRevision: kv.create_revision };
  }

  async get(key: string, opts?: { serializable?: boolean }): Promise<KVPair | undefined> {
    try {
      const res = await this.client.kv.range({ key: this.etcdKey(key), serializable: opts?.serializable ?? false });
      return res.kvs[0] ? this.pair(res.kvs[0]) : undefined;
    } catch (err) {
      throw toStorageError(err, key);
    }
  }

  async list(prefix: string, opts: KVListOptions = {}): Promise<KVListResult> {
    const start = this.etcdKey(prefix);
    const req: IRangeRequest = {
      key: opts.startAfter ? keySuccessor(this.etcdKey(opts.startAfter)) : start,
      range_end: prefixEnd(start),
    };
    if (opts.limit && opts.limit > 0) req.limit = opts.limit;
    if (opts.revision) req.revision = opts.revision;
    else if (opts.serializable) req.serializable = true;
    try {
      const res = await this.client.kv.range(req);
      return { kvs: res.kvs.map((kv) => this.pair(kv)), revision: res.header.revision, more: res.more, count: Number(res.count) };
    } catch (err) {
      throw toStorageError(err, prefix);
    }
  }

  async create(key: string, value: string): Promise<KVWriteResult> {
    const k = this.etcdKey(key);
    try {
      const res = await this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      });
      // A failed create means the key exists (its revision is not needed).
      return res.succeeded ? { ok: true, revision: res.header.revision } : { ok: false };
    } catch (err) {
      throw toStorageError(err, key);
    }
  }

  async update(key: string, value: string, expected: string): Promise<KVWriteResult> {
    const k = this.etcdKey(key);
    try {
      const res = await this.client.kv.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expected }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
        failure: [{ request_range: { key: k, keys_only: true } }],
      });
      if (res.succeeded) return { ok: true, revision: res.header.revision };
      return { ok: false, current: res.responses[0]?.response_range?.kvs[0]?.mod_revision };
    } catch (err) {
      throw toStorageError(err, key);
    }
  }

  async delete(key: string, expected?: string): Promise<KVDeleteResult> {
    const k = this.etcdKey(key);
    try {
      if (expected === undefined) {
        const res = await this.client.kv.deleteRange({ key: k, prev_kv: true });
        const prev = res.prev_kvs[0];
        return prev ? { ok: true, revision: res.header.revision, prev: this.pair(prev) } : { ok: false };
      }
      const res = await this.client.kv.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expected }],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k, keys_only: true } }],
      });
      if (!res.succeeded) return { ok: false, current: res.responses[0]?.response_range?.kvs[0]?.mod_revision };
      const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
      return { ok: true, revision: res.header.revision, prev: prev ? this.pair(prev) : undefined };
    } catch (err) {
      throw toStorageError(err, key);
    }
  }

  watch(prefix: string, opts: KVWatchOptions, handlers: KVWatchHandlers): { stop(): void } {
    if (this.closed) {
      queueMicrotask(() => handlers.onError(new StorageError('Unavailable', 'storage closed')));
      return { stop() {} };
    }
    const w = new EtcdWatch({
      client: this.client,
      etcdPrefix: this.etcdKey(prefix),
      userKey: (k) => this.userKey(k),
      fromRevision: opts.fromRevision,
      handlers,
      previous: opts.previous,
      retryMs: this.watchRetryMs,
      maxRetryMs: this.maxWatchRetryMs,
      onStopped: (self) => this.watches.delete(self),
    });
    this.watches.add(w);
    w.start();
    return w;
  }

  async currentRevision(): Promise<string> {
    try {
      // A linearizable read of one (absent) key: its header carries the current store revision.
      const res = await this.client.kv.range({ key: this.etcdKey('\0tskube-revision-probe'), keys_only: true });
      return res.header.revision;
    } catch (err) {
      throw toStorageError(err);
    }
  }

  async probe(prefix: string, since: string): Promise<KVProbe> {
    const start = this.etcdKey(prefix);
    try {
      // etcd counts the whole range before it drops the keys below min_mod_revision.
      const res = await this.client.kv.range({ key: start, range_end: prefixEnd(start), keys_only: true, min_mod_revision: (BigInt(since) + 1n).toString() });
      return { revision: res.header.revision, count: Number(res.count), modified: res.kvs.length };
    } catch (err) {
      throw toStorageError(err, prefix);
    }
  }

  async compact(revision: string): Promise<void> {
    try {
      await this.client.kv.compact({ revision, physical: false });
    } catch (err) {
      const e = toStorageError(err);
      if (e.code === 'Gone') return;
      throw e;
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const w of [...this.watches]) w.stop();
    this.client.close();
    return Promise.resolve();
  }
}
