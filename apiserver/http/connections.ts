// Connection hygiene for the apiserver's HTTP(S) server: one client must not be able
// to take every file descriptor (the whole cluster of `up` shares one process and one
// RLIMIT_NOFILE) or every slot, and so starve the others.
//
// - Connections are capped in total and per client address. A new connection over a
//   cap first evicts the oldest *idle* connection (no request in flight: a flood of
//   sockets that never send anything, or keep-alive leftovers); only when every
//   connection is busy is the newcomer refused with a 429 Status and Retry-After.
//   Eviction is what keeps loopback components (kubelet, controllers on 127.0.0.1)
//   alive under a local flood from that same address: their busy connections
//   (requests, watches) are never taken, their idle ones are reopened on demand.
// - A connection that sends no request within firstRequestTimeoutMs is closed; idle
//   keep-alive connections close after idleTimeoutMs.
// - Long-running requests (watches, exec/attach/port-forward upgrades) are counted
//   in total and per address, beyond which they get the 429 too.

import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { ApiError } from '../errors.js';
import { endSocketWithStatus } from './respond.js';

export interface ConnectionLimits {
  /** Open connections in all (accepted sockets, including ones still in the TLS handshake). */
  maxConnections: number;
  /** Open connections from one client address; below maxConnections so others always get in. */
  maxConnectionsPerAddress: number;
  /** Watches and upgraded streams in all. */
  maxLongRunning: number;
  /** Watches and upgraded streams from one client address. */
  maxLongRunningPerAddress: number;
  /** A connection that has sent no complete request headers by then is closed. */
  firstRequestTimeoutMs: number;
  /** Keep-alive connections idle this long are closed (Go's http.Server IdleTimeout in kube-apiserver: 90 s). */
  idleTimeoutMs: number;
}

/** The soft RLIMIT_NOFILE of this process (from /proc), or undefined. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Defaults sized from the descriptor limit: half of it for client connections (the
 * rest is etcd's client, the kubelet's containers and files, the other components of
 * `up`), at most 10000; one address may hold half of that.
 */
export function defaultConnectionLimits(nofile = openFileLimit(), maxConnections?: number): ConnectionLimits {
  const total = maxConnections ?? Math.max(64, Math.min(10_000, Math.floor((nofile ?? 20_000) / 2)));
  return {
    maxConnections: total,
    maxConnectionsPerAddress: Math.max(16, Math.floor(total / 2)),
    maxLongRunning: Math.max(32, Math.floor(total / 2)),
    maxLongRunningPerAddress: Math.max(16, Math.floor(total / 4)),
    firstRequestTimeoutMs: 10_000,
    idleTimeoutMs: 90_000,
  };
}

/** What kube-apiserver answers when it sheds load (max-requests-inflight, APF). */
export function tooManyRequests(): ApiError {
  return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
}

interface Conn {
  socket: Socket;
  addr: string;
  /** Requests in flight plus upgraded streams. */
  busy: number;
  served: boolean;
  /** Evicted: forgotten at once, before its socket's 'close'. */
  gone?: boolean;
  timer?: NodeJS.Timeout;
}

export interface ConnectionStats {
  open: number;
  longRunning: number;
  evicted: number;
  refused: number;
}

/** The key of one TCP connection, the same for the raw socket and a TLS socket over it. */
const connKey = (s: { remoteAddress?: string; remotePort?: number }) => `${s.remoteAddress ?? ''}|${s.remotePort ?? 0}`;
/** IPv4-mapped IPv6 addresses are their IPv4 address. */
const clientAddress = (s: { remoteAddress?: string }) => (s.remoteAddress ?? '').replace(/^::ffff:/, '');

export class ConnectionGuard {
  /** Insertion order = connection age: the first idle one found is the oldest. */
  private readonly conns = new Map<string, Conn>();
  /** Sockets a request arrives on (the raw socket, or the TLS socket over it) → their connection. */
  private readonly bySocket = new WeakMap<object, Conn>();
  private readonly byAddress = new Map<string, Map<string, Conn>>();
  private readonly longRunningByAddress = new Map<string, number>();
  private longRunning = 0;
  private evicted = 0;
  private refused = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly tls: boolean,
  ) {}

  /** Wire into a server before it listens. */
  attach(server: Server): void {
    server.keepAliveTimeout = this.limits.idleTimeoutMs;
    // Headers must arrive within the first-request window (slowloris), and before the keep-alive timeout fires on a reused socket.
    server.headersTimeout = Math.max(1000, this.limits.firstRequestTimeoutMs);
    server.on('connection', (socket: Socket) => this.accept(socket));
    server.on('secureConnection', (tlsSocket: Socket) => {
      const c = this.conns.get(connKey(tlsSocket));
      if (c) this.bySocket.set(tlsSocket, c);
    });
    server.on('upgrade', (req) => {
      const c = this.connOf(req.socket);
      if (c) this.markBusy(c);
    });
  }

  stats(): ConnectionStats {
    return { open: this.conns.size, longRunning: this.longRunning, evicted: this.evicted, refused: this.refused };
  }

  private accept(socket: Socket): void {
    const addr = clientAddress(socket);
    const mine = this.byAddress.get(addr);
    if (mine && mine.size >= this.limits.maxConnectionsPerAddress && !this.evictIdle(mine.values())) return this.refuse(socket);
    if (this.conns.size >= this.limits.maxConnections && !this.evictIdle(this.conns.values())) return this.refuse(socket);
    const c: Conn = { socket, addr, busy: 0, served: false };
    const key = connKey(socket);
    this.conns.set(key, c);
    this.bySocket.set(socket, c);
    let set = this.byAddress.get(addr);
    if (!set) this.byAddress.set(addr, (set = new Map<string, Conn>()));
    set.set(key, c);
    c.timer = setTimeout(() => {
      if (!c.served) socket.destroy();
    }, this.limits.firstRequestTimeoutMs);
    c.timer.unref();
    socket.once('close', () => {
      clearTimeout(c.timer);
      this.conns.delete(key);
      const s = this.byAddress.get(addr);
      s?.delete(key);
      if (s && s.size === 0) this.byAddress.delete(addr);
    });
  }

  /** Close the oldest connection with nothing in flight; false when all are busy. */
  private evictIdle(candidates: Iterable<Conn>): boolean {
    for (const c of candidates) {
      if (c.busy === 0) {
        this.evicted++;
        c.gone = true;
        c.socket.destroy();
        // 'close' comes later; forget it now so the caps see the room at once.
        const key = connKey(c.socket);
        this.conns.delete(key);
        const s = this.byAddress.get(c.addr);
        s?.delete(key);
        if (s && s.size === 0) this.byAddress.delete(c.addr);
        return true;
      }
    }
    return false;
  }

  /** Over a cap with nothing to evict: a 429 Status on plain HTTP; TLS has no HTTP before its handshake, so it is closed. */
  private refuse(socket: Socket): void {
    this.refused++;
    if (this.tls) {
      socket.destroy();
      return;
    }
    socket.on('error', () => undefined); // the client may be gone already; nothing to tell it
    endSocketWithStatus(socket, tooManyRequests());
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private connOf(socket: Socket): Conn | undefined {
    const c = this.bySocket.get(socket) ?? this.conns.get(connKey(socket));
    // An evicted connection is no longer tracked, even if its socket has not closed yet.
    return c && !c.gone ? c : undefined;
  }

  private markBusy(c: Conn): void {
    c.busy++;
    c.served = true;
    clearTimeout(c.timer);
  }

  /** A request began on `socket`; returns the call that marks it done. */
  requestStarted(socket: Socket): () => void {
    const c = this.connOf(socket);
    if (!c) return () => undefined;
    this.markBusy(c);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      c.busy--;
    };
  }

  /** Admit a long-running request from `socket`'s address, or throw the 429. Returns its release. */
  admitLongRunning(socket: { remoteAddress?: string }): () => void {
    const addr = clientAddress(socket);
    const mine = this.longRunningByAddress.get(addr) ?? 0;
    if (this.longRunning >= this.limits.maxLongRunning || mine >= this.limits.maxLongRunningPerAddress) throw tooManyRequests();
    this.longRunning++;
    this.longRunningByAddress.set(addr, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.longRunning--;
      const n = (this.longRunningByAddress.get(addr) ?? 1) - 1;
      if (n > 0) this.longRunningByAddress.set(addr, n);
      else this.longRunningByAddress.delete(addr);
    };
  }
}
