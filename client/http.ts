// The transport: one pooled keep-alive agent for ordinary requests (the hot
// path: no per-request allocation beyond the request itself) and a separate
// unpooled one for long-lived streams (watches, followed logs), so a hundred
// open watches never starve short requests of sockets.

import http from 'node:http';
import https from 'node:https';
import type { ClusterConnection } from './kubeconfig.js';

export interface RawResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface TransportRequest {
  method: string;
  /** Path with query string, e.g. /api/v1/pods?limit=5 */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Socket inactivity timeout; 0 = none. */
  timeoutMs?: number;
}

export interface TransportOptions {
  maxSockets?: number;
  userAgent?: string;
  /** Default inactivity timeout for non-stream requests (ms); default 60 s. */
  timeoutMs?: number;
  /**
   * Client-side rate limit, as client-go's rest.Config QPS/Burst: requests beyond a burst
   * wait for a token (qps per second). Streams (watches, followed logs) are not limited.
   * Absent or 0: no limit.
   */
  qps?: number;
  burst?: number;
}

/** A token bucket requests wait on, first come first served. */
export class RateLimiter {
  private tokens: number;
  private at = performance.now();
  private readonly waiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  wait(): Promise<void> {
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  /** Lets every waiter go (the client is closing: their requests fail on their own). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.waiters.splice(0)) w();
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.qps);
    this.at = now;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiters.length && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiters.shift()!();
      }
      if (this.waiters.length) this.schedule();
    }, Math.max(1, Math.ceil(((1 - this.tokens) / this.qps) * 1000)));
  }
}

/** An error from the transport itself (refused, reset, timed out), not from the server. */
export class TransportError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TransportError';
    this.code = code;
  }
}

export class Transport {
  readonly base: URL;
  private readonly mod: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly streamAgent: http.Agent;
  private readonly baseHeaders: Record<string, string>;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly limiter: RateLimiter | undefined;

  constructor(conn: ClusterConnection, opts: TransportOptions = {}) {
    if (opts.qps && opts.qps > 0) this.limiter = new RateLimiter(opts.qps, Math.max(1, opts.burst ?? 1));
    this.base = new URL(conn.server);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    const secure = this.base.protocol === 'https:';
    this.mod = secure ? https : http;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    const tls: https.AgentOptions = secure
      ? {
          ...(conn.ca ? { ca: conn.ca } : {}),
          ...(conn.cert ? { cert: conn.cert } : {}),
          ...(conn.key ? { key: conn.key } : {}),
          ...(conn.tlsServerName ? { servername: conn.tlsServerName } : {}),
          rejectUnauthorized: !conn.insecureSkipTLSVerify,
        }
      : {};
    const AgentClass = secure ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: opts.maxSockets ?? 256, maxFreeSockets: 64, scheduling: 'lifo', ...tls });
    this.streamAgent = new AgentClass({ keepAlive: false, ...tls });
    this.baseHeaders = { 'User-Agent': opts.userAgent ?? 'tskube-client/0.1' };
    if (conn.token) this.baseHeaders.Authorization = `Bearer ${conn.token}`;
    else if (conn.username !== undefined && conn.password !== undefined) {
      this.baseHeaders.Authorization = `Basic ${Buffer.from(`${conn.username}:${conn.password}`).toString('base64')}`;
    }
  }

  private options(req: TransportRequest, stream: boolean): http.RequestOptions {
    const headers: Record<string, string | number> = { ...this.baseHeaders, ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
    return {
      protocol: this.base.protocol,
      hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
      port: this.base.port || (this.base.protocol === 'https:' ? 443 : 80),
      method: req.method,
      path: this.basePath + req.path,
      headers,
      agent: stream ? this.streamAgent : this.agent,
      ...(req.signal ? { signal: req.signal } : {}),
    };
  }

  /** One request, whole body buffered. Never rejects for an HTTP status; only for transport failures. */
  request(req: TransportRequest): Promise<RawResponse> {
    return this.limiter ? this.limiter.wait().then(() => this.send(req)) : this.send(req);
  }

  private send(req: TransportRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const r = this.mod.request(this.options(req, false), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }),
        );
        res.on('error', (e) => reject(wrap(e, req)));
      });
      const timeout = req.timeoutMs ?? this.timeoutMs;
      if (timeout > 0) this.track(r, req, timeout);
      r.on('error', (e) => reject(wrap(e, req)));
      r.end(req.body);
    });
  }

  /** A request whose response body is consumed as a stream (watch, log -f). Resolves on the response head. */
  stream(req: TransportRequest): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const r = this.mod.request(this.options(req, true), (res) => resolve(res));
      if (req.timeoutMs) r.setTimeout(req.timeoutMs, () => r.destroy(new TransportError(`${req.method} ${req.path}: timed out`, 'ETIMEDOUT')));
      r.on('error', (e) => reject(wrap(e, req)));
      r.end(req.body);
    });
  }

  /**
   * Request deadlines without a timer per request (socket.setTimeout on every
   * request of a reused socket is measurably costly): one sweep a second ends
   * whatever is past its deadline.
   */
  private readonly deadlines = new Map<http.ClientRequest, { at: number; what: string }>();
  private sweeper: NodeJS.Timeout | undefined;

  private track(r: http.ClientRequest, req: TransportRequest, timeout: number): void {
    this.deadlines.set(r, { at: Date.now() + timeout, what: `${req.method} ${req.path}: timed out after ${timeout} ms` });
    r.once('close', () => this.deadlines.delete(r));
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), 1000);
      this.sweeper.unref();
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [r, d] of this.deadlines) {
      if (d.at <= now) {
        this.deadlines.delete(r);
        r.destroy(new TransportError(d.what, 'ETIMEDOUT'));
      }
    }
  }

  close(): void {
    this.limiter?.close();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.agent.destroy();
    this.streamAgent.destroy();
  }
}

function wrap(e: unknown, req: TransportRequest): Error {
  if (e instanceof TransportError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return err;
  return new TransportError(`${req.method} ${req.path}: ${err?.message ?? String(e)}`, err?.code, e);
}
