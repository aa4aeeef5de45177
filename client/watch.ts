// One watch connection: `GET ...?watch=true` answered with a chunked stream of
// line-delimited WatchEvents. Consumed as an async iterator or with callbacks;
// stop() aborts it. An ERROR event (e.g. 410 Gone: the resourceVersion is older
// than the server keeps) ends the watch with an ApiError carrying that Status,
// so callers tell "resume again" from "re-list" with isGone(err).

import type { IncomingMessage } from 'node:http';
import type { Status, WatchEvent } from '../api/meta.js';
import { ApiError, statusFromResponse } from './errors.js';
import { LineDecoder } from './lines.js';
import { TransportError, type Transport } from './http.js';

/** Pause the socket when this many decoded events wait for a slow consumer. */
const HIGH_WATER = 1024;

export type WatchEventHandler<T> = (event: WatchEvent<T>) => void;
/** Called once when the watch ends: no error for a clean server close or stop(). */
export type WatchCloseHandler = (err?: Error) => void;

export class Watch<T = unknown> implements AsyncIterable<WatchEvent<T>> {
  private readonly queue: WatchEvent<T>[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private endError: Error | undefined;
  private stopped = false;
  private handler: WatchEventHandler<T> | undefined;
  private closeHandlers: WatchCloseHandler[] = [];
  private readonly decoder = new LineDecoder();
  private paused = false;
  /** Resolves when the watch has ended, with the error that ended it, if any. */
  readonly done: Promise<Error | undefined>;
  private resolveDone!: (e: Error | undefined) => void;

  constructor(
    private readonly res: IncomingMessage,
    private readonly abort: AbortController,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
    res.on('data', (chunk: Buffer) => {
      if (this.ended) return;
      for (const line of this.decoder.push(chunk)) this.line(line);
      if (!this.handler && this.queue.length >= HIGH_WATER && !this.paused) {
        this.paused = true;
        res.pause();
      }
    });
    res.on('end', () => {
      for (const line of this.decoder.end()) this.line(line);
      this.finish(undefined);
    });
    res.on('error', (e) => this.finish(this.stopped ? undefined : new TransportError(`watch: ${e.message}`, (e as NodeJS.ErrnoException).code, e)));
    res.on('close', () => {
      if (!this.ended) this.finish(this.stopped || res.complete ? undefined : new TransportError('watch: connection closed', 'ECONNRESET'));
    });
  }

  private line(line: string): void {
    if (this.ended) return;
    let ev: WatchEvent<T>;
    try {
      ev = JSON.parse(line) as WatchEvent<T>;
    } catch {
      this.finish(new Error(`watch: undecodable event: ${line.slice(0, 200)}`));
      this.abort.abort();
      return;
    }
    if (ev.type === 'ERROR') {
      const st = ev.object as unknown as Partial<Status>;
      this.finish(new ApiError(statusFromResponse(st?.code ?? 500, JSON.stringify({ kind: 'Status', ...st }))));
      this.abort.abort();
      return;
    }
    if (this.handler) {
      this.handler(ev);
      return;
    }
    this.queue.push(ev);
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private finish(err: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = err;
    this.wakeUp();
    this.resolveDone(err);
    for (const h of this.closeHandlers) h(err);
  }

  /** Stop watching (idempotent): the iterator ends without error. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.finish(undefined);
    this.abort.abort();
    this.res.destroy();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Callback mode: events go to onEvent as they arrive (queued ones first); onClose once at the end. */
  listen(onEvent: WatchEventHandler<T>, onClose?: WatchCloseHandler): this {
    this.handler = onEvent;
    while (this.queue.length) onEvent(this.queue.shift()!);
    if (this.paused) {
      this.paused = false;
      this.res.resume();
    }
    if (onClose) {
      if (this.ended) queueMicrotask(() => onClose(this.endError));
      else this.closeHandlers.push(onClose);
    }
    return this;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    for (;;) {
      if (this.queue.length) {
        const ev = this.queue.shift()!;
        if (this.paused && this.queue.length < HIGH_WATER / 2) {
          this.paused = false;
          this.res.resume();
        }
        yield ev;
        continue;
      }
      if (this.ended) {
        if (this.endError) throw this.endError;
        return;
      }
      await new Promise<void>((r) => (this.wake = r));
    }
  }
}

/**
 * Open a watch: resolves once the server accepted it (HTTP 200) and rejects with
 * an ApiError if it answered with an error Status (e.g. 410, 404, 403).
 */
export async function openWatch<T>(transport: Transport, path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Watch<T>> {
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort();
  if (signal) {
    if (signal.aborted) abort.abort();
    else signal.addEventListener('abort', onOuterAbort, { once: true });
  }
  const res = await transport.stream({ method: 'GET', path, headers: { Accept: 'application/json', ...headers }, signal: abort.signal });
  if (res.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    throw new ApiError(statusFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
  }
  const w = new Watch<T>(res, abort);
  if (signal) void w.done.then(() => signal.removeEventListener('abort', onOuterAbort));
  return w;
}
