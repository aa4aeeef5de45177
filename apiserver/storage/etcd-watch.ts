// One etcd watch, resilient to etcd restarts. etcd3's own Watcher reconnects
// too, but it resumes from the *header* revision of the last response, which
// during a catch-up batch is past the last event it delivered (events would be
// lost). So this class tracks the next revision itself (last event + 1, or a
// progress notification's revision + 1) and, on disconnect, drops the etcd3
// watcher and creates a fresh one from that revision. Events go out as raw
// key/value bytes; decoding them is the caller's job.

import type { Etcd3, IWatchResponse, Watcher as Etcd3Watcher } from 'etcd3';
import { StorageError } from './interface.js';
import { prefixEnd } from './keys.js';
import type { KVWatchEvent, KVWatchHandlers } from './kv.js';

export interface EtcdWatchOptions {
  client: Etcd3;
  etcdPrefix: Buffer;
  userKey: (k: Buffer) => string;
  /** Deliver events after this revision (exclusive); undefined, '' or '0' = from now. */
  fromRevision: string | undefined;
  handlers: KVWatchHandlers;
  /** Ask etcd for each event's previous value. */
  previous: boolean;
  retryMs: number;
  maxRetryMs: number;
  onStopped: (w: EtcdWatch) => void;
}

export class EtcdWatch {
  /** Revision the next (re)created etcd watcher starts at; undefined until known when watching "from now". */
  private nextRevision: bigint | undefined;
  private current: Etcd3Watcher | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  private stopped = false;

  constructor(private readonly o: EtcdWatchOptions) {
    // '' and '0' ("any") both mean from now, as in Kubernetes.
    const from = o.fromRevision;
    this.nextRevision = from !== undefined && from !== '' && from !== '0' ? BigInt(from) + 1n : undefined;
    this.retryDelay = o.retryMs;
  }

  start(): void {
    if (this.stopped) return;
    const b = this.o.client.watch().inRange({ start: this.o.etcdPrefix, end: prefixEnd(this.o.etcdPrefix) });
    if (this.o.previous) b.withPreviousKV();
    if (this.nextRevision !== undefined) b.startRevision(this.nextRevision.toString());
    // watcher() (not create()) so the listeners are attached before any response can arrive.
    const w = b.watcher();
    this.current = w;
    w.on('connected', (res: IWatchResponse) => {
      if (w !== this.current) return;
      this.retryDelay = this.o.retryMs;
      // Watching "from now": the creation header tells where "now" was, for resuming later.
      if (this.nextRevision === undefined) this.nextRevision = BigInt(res.header.revision) + 1n;
    });
    w.on('data', (res: IWatchResponse) => {
      if (w !== this.current || this.stopped) return;
      this.onResponse(res);
    });
    w.on('disconnected', () => {
      if (w !== this.current) return;
      this.reconnect(w);
    });
    w.on('error', (err: Error) => {
      if (w !== this.current) return;
      // etcd cancels a watch whose start revision is compacted; etcd3 reports it as a bare
      // "Watcher canceled" error. Any server-side cancel means our history is gone: 410.
      // etcd3 has already dropped this watcher: cancelling it again would make etcd answer for
      // an id etcd3 no longer knows, which throws inside its stream handler and kills the stream.
      this.current = undefined;
      this.fail(new StorageError('Gone', `watch canceled by etcd (revision compacted?): ${err.message}`));
    });
  }

  private onResponse(res: IWatchResponse): void {
    const events = res.events ?? [];
    if (events.length === 0) {
      // A progress notification: every event up to header.revision has been delivered.
      const rev = BigInt(res.header.revision);
      if (this.nextRevision === undefined || rev + 1n > this.nextRevision) this.nextRevision = rev + 1n;
      this.o.handlers.onProgress(res.header.revision);
      return;
    }
    const out: KVWatchEvent[] = [];
    for (const ev of events) {
      const rev = BigInt(ev.kv.mod_revision);
      // Safety net against replays after a reconnect.
      if (this.nextRevision !== undefined && rev < this.nextRevision - 1n) continue;
      this.nextRevision = rev + 1n;
      const e: KVWatchEvent = {
        type: ev.type === 'Delete' ? 'delete' : 'put',
        key: this.o.userKey(ev.kv.key),
        modRevision: ev.kv.mod_revision,
        createRevision: ev.kv.create_revision,
      };
      if (ev.type !== 'Delete') e.value = ev.kv.value;
      if (ev.prev_kv?.value?.length) e.prev = { value: ev.prev_kv.value, modRevision: ev.prev_kv.mod_revision };
      out.push(e);
    }
    if (out.length > 0) this.o.handlers.onEvents(out);
  }

  private reconnect(old: Etcd3Watcher): void {
    this.current = undefined;
    void old.cancel().catch(() => undefined); // the stream is replaced; a failed cancel of a broken one changes nothing
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.start(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, this.o.maxRetryMs);
  }

  private fail(err: StorageError): void {
    if (this.stopped) return;
    this.stop();
    this.o.handlers.onError(err);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const w = this.current;
    this.current = undefined;
    if (w) void w.cancel().catch(() => undefined); // stopping: nothing reads from it any more
    this.o.onStopped(this);
  }
}
