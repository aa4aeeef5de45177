// A SPDY/3.1 session over any byte Duplex (a raw upgraded socket, or a WebSocket tunnel),
// with each stream a Node Duplex: its readable side is what the peer sends (ended by the
// peer's FIN), its writable side becomes DATA frames (end() sends FIN). Written for the
// kubelet's port-forward server, with just enough of the client side (open, ping) to test
// it against itself.
//
// Like the Go spdystream library kubectl uses, there is no per-stream flow control: no
// WINDOW_UPDATE is sent or required. Backpressure is by the transport instead: when a
// stream's reader falls behind, the whole transport is paused until it catches up, and a
// stream's writes wait for the transport to drain.

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { encodeFrame, FLAG_FIN, FLAG_UNIDIRECTIONAL, FrameReader, GoAwayStatus, RstStatus, SpdyProtocolError, type Frame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor, type HeaderMap } from './headers.js';

const MAX_DATA_CHUNK = 32 * 1024;

export type SpdyRole = 'server' | 'client';

export class SpdyStream extends Duplex {
  /** Headers that opened the stream (the peer's SYN_STREAM, or ours for open()). */
  readonly headers: HeaderMap;
  /** The SYN_REPLY's headers, once replied (either way). */
  replyHeaders: HeaderMap | undefined;
  /** RST_STREAM status the peer sent, if it reset the stream. */
  resetStatus: number | undefined;
  private replied = false;
  private remoteEnded = false;
  private localEnded = false;
  private replyWaiters: Array<{ resolve: (h: HeaderMap) => void; reject: (e: Error) => void }> = [];

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    headers: HeaderMap,
    readonly remoteInitiated: boolean,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: 256 * 1024 });
    this.headers = headers;
  }

  /** Accept a peer's stream (SYN_REPLY); writes reply implicitly if not called first. */
  reply(headers: HeaderMap = {}, fin = false): void {
    if (!this.remoteInitiated) throw new Error('only a stream the peer opened can be replied to');
    if (this.replied || this.destroyed) return;
    this.replied = true;
    this.replyHeaders = headers;
    this.session.sendHeaderFrame('syn_reply', this.id, headers, fin ? FLAG_FIN : 0);
    if (fin) {
      this.localEnded = true;
      this.end();
    }
  }

  /** Abort the stream both ways with RST_STREAM. */
  reset(status: number = RstStatus.Cancel): void {
    if (this.destroyed) return;
    if (!this.fullyClosed()) this.session.sendFrame({ type: 'rst_stream', streamId: this.id, status });
    this.localEnded = this.remoteEnded = true; // nothing more to send in _destroy
    this.destroy();
  }

  /** Resolves with the SYN_REPLY headers of a stream we opened; rejects if it is reset first. */
  whenReplied(): Promise<HeaderMap> {
    if (this.replyHeaders) return Promise.resolve(this.replyHeaders);
    if (this.resetStatus !== undefined || this.destroyed) return Promise.reject(new Error(`stream ${this.id} was reset`));
    return new Promise((resolve, reject) => this.replyWaiters.push({ resolve, reject }));
  }

  private fullyClosed(): boolean {
    return this.localEnded && this.remoteEnded;
  }

  // ---- called by the session ----

  /** @internal */
  onReply(headers: HeaderMap, fin: boolean): void {
    if (this.replyHeaders) return;
    this.replyHeaders = headers;
    for (const w of this.replyWaiters.splice(0)) w.resolve(headers);
    this.emit('reply', headers);
    if (fin) this.onRemoteEnd();
  }

  /** @internal Returns false when the reader is behind (the session pauses the transport). */
  onData(data: Buffer, fin: boolean): boolean {
    let ok = true;
    if (!this.remoteEnded && data.length) ok = this.push(data);
    if (fin) this.onRemoteEnd();
    return ok;
  }

  /** @internal */
  onRemoteEnd(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.push(null);
  }

  /** @internal The peer reset the stream, or the session went away. */
  onReset(status: number | undefined): void {
    this.resetStatus = status;
    this.localEnded = this.remoteEnded = true;
    for (const w of this.replyWaiters.splice(0)) w.reject(new Error(`stream ${this.id} was reset`));
    this.destroy();
  }

  /** @internal The peer said it will not write (UNIDIRECTIONAL from its side means we may not). */
  markLocalEnded(): void {
    this.localEnded = true;
  }

  override _read(): void {
    this.session.streamDrained(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.localEnded) return cb(new Error(`stream ${this.id} is closed for writing`));
    if (this.remoteInitiated && !this.replied) this.reply();
    let ok = true;
    for (let off = 0; off < chunk.length; off += MAX_DATA_CHUNK) {
      ok = this.session.sendFrame({ type: 'data', streamId: this.id, flags: 0, data: chunk.subarray(off, off + MAX_DATA_CHUNK) });
    }
    if (ok) cb();
    else this.session.whenDrained(cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.localEnded) {
      if (this.remoteInitiated && !this.replied) this.reply();
      this.localEnded = true;
      this.session.sendFrame({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
    }
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // Torn down before both sides finished: tell the peer, as spdystream's Reset does.
    if (!this.fullyClosed()) this.session.sendFrame({ type: 'rst_stream', streamId: this.id, status: RstStatus.Cancel });
    this.localEnded = this.remoteEnded = true;
    for (const w of this.replyWaiters.splice(0)) w.reject(new Error(`stream ${this.id} was closed`));
    this.session.forget(this);
    cb(err);
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  goaway: [number];
  close: [];
  error: [Error];
}

export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly behind = new Set<SpdyStream>();
  private drainWaiters: Array<(err?: Error | null) => void> = [];
  private nextStreamId: number;
  private nextPingId: number;
  private lastRemoteStreamId = 0;
  private readonly pings = new Map<number, { start: bigint; resolve: (ms: number) => void; reject: (e: Error) => void }>();
  private goneAway = false;
  private closed = false;

  constructor(
    private readonly transport: Duplex,
    readonly role: SpdyRole,
  ) {
    super();
    this.nextStreamId = role === 'client' ? 1 : 2;
    this.nextPingId = role === 'client' ? 1 : 2;
    transport.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.on('drain', () => this.flushDrainWaiters());
    transport.on('end', () => this.shutdown());
    transport.on('close', () => this.shutdown());
    transport.on('error', () => this.shutdown());
  }

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  /** Open a stream (SYN_STREAM); await stream.whenReplied() for the peer's SYN_REPLY. */
  open(headers: HeaderMap, fin = false): SpdyStream {
    if (this.closed || this.goneAway) throw new Error('session is closed');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const s = new SpdyStream(this, id, headers, false);
    this.streams.set(id, s);
    this.sendHeaderFrame('syn_stream', id, headers, fin ? FLAG_FIN : 0);
    if (fin) s.markLocalEnded();
    return s;
  }

  /** Round-trip time of a PING, in milliseconds. */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(new Error('session is closed'));
    const id = this.nextPingId;
    this.nextPingId = (this.nextPingId + 2) % 0x100000000;
    return new Promise((resolve, reject) => {
      this.pings.set(id, { start: process.hrtime.bigint(), resolve, reject });
      this.sendFrame({ type: 'ping', id });
    });
  }

  /** GOAWAY, reset every stream, and end the transport. */
  close(status: number = GoAwayStatus.Ok): void {
    if (this.closed) return;
    if (!this.goneAway) {
      this.goneAway = true;
      this.sendFrame({ type: 'goaway', lastGoodStreamId: this.lastRemoteStreamId, status });
    }
    for (const s of [...this.streams.values()]) s.reset();
    this.transport.end();
    this.shutdown();
  }

  // ---- writing ----

  /** @internal Returns false when the transport wants the writer to wait for drain. */
  sendFrame(f: Frame): boolean {
    if (this.closed || this.transport.writableEnded || this.transport.destroyed) return true;
    return this.transport.write(encodeFrame(f));
  }

  /** @internal SYN_STREAM / SYN_REPLY / HEADERS, compressing in send order (one zlib stream per direction). */
  sendHeaderFrame(type: 'syn_stream' | 'syn_reply' | 'headers', streamId: number, headers: HeaderMap, flags: number): void {
    if (this.closed) return;
    const headerBlock = this.compressor.compress(headers);
    if (type === 'syn_stream') this.sendFrame({ type, streamId, associatedId: 0, priority: 0, slot: 0, flags, headerBlock });
    else this.sendFrame({ type, streamId, flags, headerBlock });
  }

  /** @internal */
  whenDrained(cb: (err?: Error | null) => void): void {
    if (this.closed) return cb(new Error('session is closed'));
    this.drainWaiters.push(cb);
  }

  private flushDrainWaiters(err?: Error): void {
    for (const cb of this.drainWaiters.splice(0)) cb(err);
  }

  // ---- reading ----

  /** @internal A stream's reader wants more: resume the transport once no stream is behind. */
  streamDrained(s: SpdyStream): void {
    if (this.behind.delete(s) && this.behind.size === 0 && !this.closed) this.transport.resume();
  }

  /** @internal */
  forget(s: SpdyStream): void {
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.streamDrained(s);
  }

  private onBytes(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
      for (const f of frames) this.onFrame(f);
    } catch (e) {
      this.protocolError(e as Error);
    }
  }

  private protocolError(e: Error): void {
    if (this.closed) return;
    if (!(e instanceof SpdyProtocolError)) this.emit('error', e);
    this.close(GoAwayStatus.ProtocolError);
  }

  private isRemoteId(id: number): boolean {
    return (id % 2 === 1) === (this.role === 'server');
  }

  private onFrame(f: Frame): void {
    if (this.closed) return;
    switch (f.type) {
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) return; // a stream already reset or finished: late frames are dropped
        if (!s.onData(f.data, (f.flags & FLAG_FIN) !== 0)) {
          this.behind.add(s);
          this.transport.pause();
        }
        return;
      }
      case 'syn_stream': {
        // Decompress even a refused stream's headers: the zlib stream must stay in step.
        const headers = this.decompressor.decompress(f.headerBlock);
        if (f.streamId === 0 || !this.isRemoteId(f.streamId) || f.streamId <= this.lastRemoteStreamId) {
          this.sendFrame({ type: 'rst_stream', streamId: f.streamId || 1, status: RstStatus.ProtocolError });
          return;
        }
        this.lastRemoteStreamId = f.streamId;
        if (this.goneAway) {
          this.sendFrame({ type: 'rst_stream', streamId: f.streamId, status: RstStatus.RefusedStream });
          return;
        }
        const s = new SpdyStream(this, f.streamId, headers, true);
        s.on('error', () => {}); // errors surface as 'close' to whoever owns the stream
        this.streams.set(f.streamId, s);
        if (f.flags & FLAG_FIN) s.onRemoteEnd();
        if (f.flags & FLAG_UNIDIRECTIONAL) s.markLocalEnded();
        if (this.listenerCount('stream') === 0) s.reset(RstStatus.RefusedStream);
        else this.emit('stream', s);
        return;
      }
      case 'syn_reply': {
        const headers = this.decompressor.decompress(f.headerBlock);
        this.streams.get(f.streamId)?.onReply(headers, (f.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'headers': {
        const headers = this.decompressor.decompress(f.headerBlock);
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.emit('headers', headers);
        if (f.flags & FLAG_FIN) s.onRemoteEnd();
        return;
      }
      case 'rst_stream':
        this.streams.get(f.streamId)?.onReset(f.status);
        return;
      case 'ping': {
        // The peer's pings (the other parity) are echoed; ours resolve their ping().
        if ((f.id % 2 === 1) !== (this.role === 'client')) {
          this.sendFrame(f);
          return;
        }
        const p = this.pings.get(f.id);
        if (p) {
          this.pings.delete(f.id);
          p.resolve(Number(process.hrtime.bigint() - p.start) / 1e6);
        }
        return;
      }
      case 'goaway':
        this.goneAway = true;
        this.emit('goaway', f.status);
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        return; // no flow control or settings to honour; unknown control frames are ignored per the spec
    }
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) s.onReset(undefined);
    this.streams.clear();
    this.behind.clear();
    this.flushDrainWaiters(new Error('session is closed'));
    for (const p of this.pings.values()) p.reject(new Error('session is closed'));
    this.pings.clear();
    if (!this.transport.destroyed) {
      this.transport.end();
      // A peer that vanished never finishes the close handshake.
      setTimeout(() => this.transport.destroy(), 2000).unref();
    }
    this.emit('close');
  }
}
