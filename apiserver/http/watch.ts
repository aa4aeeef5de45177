// Serving a watch: events as newline-delimited JSON over a chunked response, or as
// WebSocket text messages. Bookmarks are throttled; an ERROR event (410 etc.) ends it.

import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { KubeObject } from '../../api/meta.js';
import type { ApiError } from '../errors.js';

/** Where watch events go; the HTTP and WebSocket transports implement it. */
export interface WatchTransport {
  send(line: string): void;
  close(): void;
  onClose(cb: () => void): void;
}

export function httpTransport(res: ServerResponse): WatchTransport {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.flushHeaders();
  // Small events must not wait for Nagle: watch latency is a measured figure.
  res.socket?.setNoDelay(true);
  return {
    send: (line) => {
      res.write(line);
    },
    close: () => res.end(),
    onClose: (cb) => res.on('close', cb),
  };
}

export function wsTransport(ws: WebSocket): WatchTransport {
  return {
    send: (line) => ws.send(line.trimEnd()),
    close: () => ws.close(1000),
    onClose: (cb) => ws.on('close', cb),
  };
}

export interface WatchStreamOptions {
  transport: WatchTransport;
  kind: string;
  apiVersion: string;
  bookmarks: boolean;
  /** Turns each object into what the client asked for (e.g. a Table row). */
  present?: (obj: KubeObject) => unknown;
  timeoutSeconds?: number;
}

const BOOKMARK_INTERVAL_MS = 5000;

/**
 * Events from the watch cache are shared, frozen objects: every watcher of one event
 * gets the same object, so it is serialised once, not once per watcher.
 */
const serialized = new WeakMap<object, string>();
function serialize(obj: KubeObject): string {
  let s = serialized.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    if (Object.isFrozen(obj)) serialized.set(obj, s);
  }
  return s;
}

export class WatchStream {
  private closed = false;
  private lastBookmark = Date.now();
  private timer?: NodeJS.Timeout;
  private stopHooks: (() => void)[] = [];
  private pendingBookmark?: string;
  private bookmarkTimer?: NodeJS.Timeout;

  constructor(private readonly o: WatchStreamOptions) {
    o.transport.onClose(() => this.finish());
    if (o.timeoutSeconds && o.timeoutSeconds > 0) {
      this.timer = setTimeout(() => this.end(), o.timeoutSeconds * 1000);
      this.timer.unref();
    }
  }

  get isClosed() {
    return this.closed;
  }

  onStop(cb: () => void) {
    if (this.closed) cb();
    else this.stopHooks.push(cb);
  }

  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) {
    if (this.closed) return;
    this.pendingBookmark = undefined;
    const json = this.o.present ? JSON.stringify(this.o.present(obj)) : serialize(obj);
    this.o.transport.send(`{"type":"${type}","object":${json}}\n`);
  }

  /**
   * Storage reports progress once per revision, so a bookmark that falls inside the
   * throttle interval is kept and sent when the interval ends, never dropped.
   */
  bookmark(revision: string, force = false, annotations?: Record<string, string>) {
    if (this.closed || !this.o.bookmarks) return;
    const wait = this.lastBookmark + BOOKMARK_INTERVAL_MS - Date.now();
    if (!force && wait > 0) {
      this.pendingBookmark = revision;
      this.bookmarkTimer ??= setTimeout(() => {
        this.bookmarkTimer = undefined;
        if (this.pendingBookmark) this.bookmark(this.pendingBookmark, true);
      }, wait);
      this.bookmarkTimer.unref();
      return;
    }
    this.pendingBookmark = undefined;
    this.lastBookmark = Date.now();
    const metadata: Record<string, unknown> = { resourceVersion: revision };
    if (annotations) metadata.annotations = annotations;
    this.o.transport.send(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: this.o.kind, apiVersion: this.o.apiVersion, metadata } })}\n`);
  }

  error(err: ApiError) {
    if (this.closed) return;
    this.o.transport.send(`${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`);
    this.end();
  }

  end() {
    if (this.closed) return;
    this.o.transport.close();
    this.finish();
  }

  private finish() {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.bookmarkTimer) clearTimeout(this.bookmarkTimer);
    for (const h of this.stopHooks.splice(0)) h();
  }
}
