// The messages between WorkerKV (caller's thread) and the etcd client thread
// (kv-worker.ts). Requests go as arrays, one message per event-loop turn; replies
// and watch events likewise, with every value's bytes copied into one
// ArrayBuffer that is transferred, not cloned (a Buffer from the gRPC decoder is
// a view into a larger message buffer, which cloning would copy whole).

import { StorageError, type StorageErrorCode } from './interface.js';
import type { KVDeleteResult, KVListOptions, KVListResult, KVPair, KVWatchEvent } from './kv.js';

export type Request =
  | { id: number; op: 'get'; key: string; serializable: boolean }
  | { id: number; op: 'list'; prefix: string; opts: KVListOptions }
  | { id: number; op: 'create'; key: string; value: string }
  | { id: number; op: 'update'; key: string; value: string; expected: string }
  | { id: number; op: 'delete'; key: string; expected?: string }
  | { id: number; op: 'currentRevision' }
  | { id: number; op: 'probe'; prefix: string; since: string }
  | { id: number; op: 'compact'; revision: string }
  | { id: number; op: 'watch'; watch: number; prefix: string; fromRevision?: string; previous: boolean }
  | { id: number; op: 'unwatch'; watch: number }
  | { id: number; op: 'close' };

/** [offset, length] of a value's bytes in the message's ArrayBuffer. */
export type Ref = [number, number];

export interface WirePair {
  key: string;
  v: Ref;
  m: string;
  c: string;
}

export interface WireError {
  code: StorageErrorCode;
  message: string;
  key?: string;
}

export interface WireEvent {
  t: 'put' | 'delete';
  key: string;
  v?: Ref;
  m: string;
  c: string;
  p?: Ref;
  pm?: string;
}

export type Reply =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; err: WireError }
  | { w: number; events: WireEvent[] }
  | { w: number; progress: string }
  | { w: number; error: WireError };

export interface ReplyMessage {
  buf: ArrayBuffer;
  out: Reply[];
}

/** Collects byte ranges for one message; finish() copies them into one transferable buffer. */
export class Packer {
  private parts: Buffer[] = [];
  private size = 0;

  ref(b: Buffer): Ref {
    const r: Ref = [this.size, b.length];
    this.parts.push(b);
    this.size += b.length;
    return r;
  }

  pair(p: KVPair): WirePair {
    return { key: p.key, v: this.ref(p.value), m: p.modRevision, c: p.createRevision };
  }

  event(e: KVWatchEvent): WireEvent {
    const w: WireEvent = { t: e.type, key: e.key, m: e.modRevision, c: e.createRevision };
    if (e.value) w.v = this.ref(e.value);
    if (e.prev) {
      w.p = this.ref(e.prev.value);
      w.pm = e.prev.modRevision;
    }
    return w;
  }

  finish(): ArrayBuffer {
    const ab = new ArrayBuffer(this.size);
    const u8 = new Uint8Array(ab);
    let off = 0;
    for (const p of this.parts) {
      u8.set(p, off);
      off += p.length;
    }
    this.parts = [];
    this.size = 0;
    return ab;
  }
}

/** Reads values back out of a received message's buffer (views, no copies). */
export class Unpacker {
  constructor(private readonly buf: ArrayBuffer) {}

  bytes(r: Ref): Buffer {
    return Buffer.from(this.buf, r[0], r[1]);
  }

  pair(p: WirePair): KVPair {
    return { key: p.key, value: this.bytes(p.v), modRevision: p.m, createRevision: p.c };
  }

  event(w: WireEvent): KVWatchEvent {
    const e: KVWatchEvent = { type: w.t, key: w.key, modRevision: w.m, createRevision: w.c };
    if (w.v) e.value = this.bytes(w.v);
    if (w.p) e.prev = { value: this.bytes(w.p), modRevision: w.pm! };
    return e;
  }
}

/** Result packing per operation (worker side) and unpacking (caller side). */
export function packResult(op: Request['op'], value: unknown, p: Packer): unknown {
  switch (op) {
    case 'get':
      return value ? p.pair(value as KVPair) : undefined;
    case 'list': {
      const l = value as KVListResult;
      return { ...l, kvs: l.kvs.map((kv) => p.pair(kv)) };
    }
    case 'delete': {
      const d = value as KVDeleteResult;
      return d.ok && d.prev ? { ...d, prev: p.pair(d.prev) } : d;
    }
    default:
      return value;
  }
}

export function unpackResult(op: Request['op'], value: unknown, u: Unpacker): unknown {
  switch (op) {
    case 'get':
      return value ? u.pair(value as WirePair) : undefined;
    case 'list': {
      const l = value as Omit<KVListResult, 'kvs'> & { kvs: WirePair[] };
      return { ...l, kvs: l.kvs.map((kv) => u.pair(kv)) } satisfies KVListResult;
    }
    case 'delete': {
      const d = value as { ok: boolean; prev?: WirePair };
      return d.ok && d.prev ? { ...d, prev: u.pair(d.prev) } : (d);
    }
    default:
      return value;
  }
}

export function toWireError(err: unknown): WireError {
  if (err instanceof StorageError) return { code: err.code, message: err.message, key: err.key };
  return { code: 'Internal', message: `storage: ${(err as Error)?.message ?? String(err)}` };
}

export function fromWireError(e: WireError): StorageError {
  return new StorageError(e.code, e.message, e.key);
}
