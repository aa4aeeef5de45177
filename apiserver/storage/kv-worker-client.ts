// The KV boundary served by an etcd client in a worker thread (kv-worker.ts).
// Calls made during one event-loop turn go over as one message. If the thread
// dies, every call in flight fails with Unavailable, every watch ends with
// Unavailable (a watch cache re-lists), and the next call starts a new thread.

import { Worker } from 'node:worker_threads';
import { StorageError } from './interface.js';
import type { EtcdKVOptions } from './etcd-kv.js';
import type { KV, KVDeleteResult, KVListOptions, KVListResult, KVPair, KVProbe, KVWatchHandlers, KVWatchOptions, KVWriteResult } from './kv.js';
import { Unpacker, fromWireError, unpackResult, type ReplyMessage, type Request } from './kv-wire.js';

type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  op: Request['op'];
  resolve(v: unknown): void;
  reject(e: StorageError): void;
}

// Under tsx (tests from the sources) this module is .ts and so is the worker's.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './kv-worker.ts' : './kv-worker.js', import.meta.url);

export class WorkerKV implements KV {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly watches = new Map<number, KVWatchHandlers>();
  private outbox: Request[] = [];
  private scheduled = false;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: EtcdKVOptions) {}

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_URL, {
      workerData: { ...this.opts },
      name: 'tskube-etcd',
      execArgv: workerExecArgv(process.execArgv),
      // gRPC's garbage survives scavenges at ~20% of what it allocates, so scavenge pauses grow
      // with the young generation: at 12 MiB the longest is ~7 ms instead of ~15 ms (a request
      // in flight waits it out) for ~3% more GC time. (A --max-semi-space-size flag overrides it.)
      resourceLimits: { maxYoungGenerationSizeMb: 12 },
    });
    w.on('message', (m: ReplyMessage) => this.onMessage(m));
    w.on('error', (err) => this.lost(w, `etcd client thread failed: ${err.message}`));
    w.on('exit', (code) => this.lost(w, `etcd client thread exited (${code})`));
    this.worker = w;
    return w;
  }

  /** The thread keeps the process alive only while something waits on it, as a socket would. */
  private updateRef(): void {
    if (!this.worker) return;
    if (this.pending.size > 0 || this.watches.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private lost(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.outbox = [];
    const err = new StorageError('Unavailable', why);
    const pending = [...this.pending.values()];
    this.pending.clear();
    const watches = [...this.watches.values()];
    this.watches.clear();
    // Calls fail even after close (their callers must not hang); watches were ended by close.
    for (const p of pending) p.reject(err);
    if (this.closed) return;
    for (const h of watches) h.onError(err);
  }

  private post(req: Request): void {
    this.thread();
    this.outbox.push(req);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const reqs = this.outbox;
    this.outbox = [];
    if (reqs.length > 0) this.thread().postMessage(reqs);
    this.updateRef();
  }

  private call<T>(body: RequestBody): Promise<T> {
    if (this.closed) return Promise.reject(new StorageError('Unavailable', 'storage closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { op: body.op, resolve: resolve, reject });
      this.post({ ...body, id });
    });
  }

  private onMessage(m: ReplyMessage): void {
    const u = new Unpacker(m.buf);
    for (const r of m.out) {
      if ('id' in r) {
        const p = this.pending.get(r.id);
        if (!p) continue;
        this.pending.delete(r.id);
        if (r.ok) p.resolve(unpackResult(p.op, r.value, u));
        else p.reject(fromWireError(r.err));
        continue;
      }
      const h = this.watches.get(r.w);
      if (!h) continue;
      if ('events' in r) h.onEvents(r.events.map((e) => u.event(e)));
      else if ('progress' in r) h.onProgress(r.progress);
      else {
        this.watches.delete(r.w);
        h.onError(fromWireError(r.error));
      }
    }
    this.updateRef();
  }

  get(key: string, opts?: { serializable?: boolean }): Promise<KVPair | undefined> {
    return this.call({ op: 'get', key, serializable: opts?.serializable ?? false });
  }

  list(prefix: string, opts: KVListOptions = {}): Promise<KVListResult> {
    return this.call({ op: 'list', prefix, opts });
  }

  create(key: string, value: string): Promise<KVWriteResult> {
    return this.call({ op: 'create', key, value });
  }

  update(key: string, value: string, expected: string): Promise<KVWriteResult> {
    return this.call({ op: 'update', key, value, expected });
  }

  delete(key: string, expected?: string): Promise<KVDeleteResult> {
    return this.call({ op: 'delete', key, expected });
  }

  currentRevision(): Promise<string> {
    return this.call({ op: 'currentRevision' });
  }

  probe(prefix: string, since: string): Promise<KVProbe> {
    return this.call({ op: 'probe', prefix, since });
  }

  compact(revision: string): Promise<void> {
    return this.call({ op: 'compact', revision });
  }

  watch(prefix: string, opts: KVWatchOptions, handlers: KVWatchHandlers): { stop(): void } {
    if (this.closed) {
      queueMicrotask(() => handlers.onError(new StorageError('Unavailable', 'storage closed')));
      return { stop() {} };
    }
    const id = this.nextId++;
    this.watches.set(id, handlers);
    this.post({ id, op: 'watch', watch: id, prefix, fromRevision: opts.fromRevision, previous: opts.previous });
    return {
      stop: () => {
        // Unknown id: already ended (error, lost thread) or stopped.
        if (!this.watches.delete(id) || this.closed) return;
        this.post({ id: this.nextId++, op: 'unwatch', watch: id });
      },
    };
  }

  /** Ends the client thread abruptly, as a crash would (for tests): what is in flight fails with Unavailable. */
  async crashThread(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.lost(w, 'etcd client thread terminated');
    await w.terminate();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const w = this.worker;
    // Calls already made still get their answers; nothing new is accepted.
    const last = w ? this.call<void>({ op: 'close' }).catch(() => undefined) : undefined;
    this.closed = true;
    if (!w) return;
    // A thread that does not answer within 2 s is ended anyway.
    await Promise.race([last, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.watches.clear();
    await w.terminate();
  }
}

/**
 * The parent's node flags that a worker takes too: module loaders (tsx, when run from the
 * sources), profiling and diagnostics. Not the rest: per-process flags (V8's, e.g.
 * --max-semi-space-size, which apply to every thread anyway) make the Worker constructor
 * throw, and flags about the main script (-e, --input-type, --test) make the worker fail.
 */
export function workerExecArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^(--[^=]+|-[a-zA-Z])(=.*)?$/.exec(a);
    if (!m) continue;
    const [, name, inlineValue] = m;
    if (WITH_VALUE.has(name)) {
      if (inlineValue !== undefined) out.push(a);
      else if (i + 1 < argv.length) out.push(a, argv[++i]);
      continue;
    }
    if (/^--(cpu-prof|heap-prof)/.test(name) || SWITCHES.has(name)) out.push(a);
  }
  return out;
}

const WITH_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C', '--unhandled-rejections']);
const SWITCHES = new Set(['--enable-source-maps', '--no-warnings', '--trace-warnings', '--trace-uncaught', '--no-deprecation']);
