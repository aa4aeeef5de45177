// The sockets: one UDP socket and one TCP server on the same address and port.
// TCP is bounded: at most maxConnections at once, each holding at most one
// frame of maxQueryBytes and maxInFlight unanswered queries, closed when idle
// or when the client does not read its answers.

import dgram from 'node:dgram';
import net from 'node:net';
import { isIP } from 'node:net';
import { FrameReader, frame } from './tcp-frames.js';

export type Handle = (msg: Buffer, udp: boolean) => Promise<Buffer | null>;
/** Answers a query at once when it can (a cached answer); undefined sends it to Handle. */
export type FastHandle = (msg: Buffer, udp: boolean) => Buffer | undefined;

export interface ListenOptions {
  host: string;
  port: number;
  maxConnections?: number;
  /** Longest query accepted over TCP; a longer announced length closes the connection. */
  maxQueryBytes?: number;
  idleTimeoutMs?: number;
  maxInFlight?: number;
}

export interface Listeners {
  host: string;
  port: number;
  close(): Promise<void>;
}

const MAX_PENDING_WRITE = 256 * 1024;
const noop = (): void => undefined;

function serveTcpConnection(sock: net.Socket, handle: Handle, o: Required<Omit<ListenOptions, 'host' | 'port'>>): void {
  const reader = new FrameReader(o.maxQueryBytes);
  let inFlight = 0;
  sock.setTimeout(o.idleTimeoutMs, () => sock.destroy());
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: Buffer) => {
    const msgs = reader.push(chunk);
    if (!msgs) {
      sock.destroy();
      return;
    }
    for (const m of msgs) {
      inFlight++;
      if (inFlight >= o.maxInFlight) sock.pause();
      void handle(m, false).then((res) => {
        inFlight--;
        if (sock.destroyed) return;
        if (res) sock.write(frame(res));
        if (sock.writableLength > MAX_PENDING_WRITE) sock.destroy();
        else if (inFlight < o.maxInFlight && sock.isPaused()) sock.resume();
      });
    }
  });
}

export async function listen(handle: Handle, opts: ListenOptions, fast?: FastHandle, attempt = 0): Promise<Listeners> {
  const o = { maxConnections: 256, maxQueryBytes: 4096, idleTimeoutMs: 10_000, maxInFlight: 32, ...opts };
  const udp = dgram.createSocket({ type: isIP(o.host) === 6 ? 'udp6' : 'udp4' });
  udp.on('message', (msg, rinfo) => {
    const now = fast?.(msg, true);
    if (now) {
      udp.send(now, rinfo.port, rinfo.address, noop);
      return;
    }
    void handle(msg, true).then((res) => {
      if (res) udp.send(res, rinfo.port, rinfo.address, noop);
    });
  });
  udp.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(o.port, o.host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  const port = udp.address().port;
  const tcp = net.createServer((sock) => serveTcpConnection(sock, handle, o));
  tcp.maxConnections = o.maxConnections;
  tcp.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, o.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((r) => udp.close(() => r()));
    // Port 0: the UDP port the kernel picked may be some TCP connection's local port; pick again.
    if (o.port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 20) return listen(handle, opts, fast, attempt + 1);
    throw err;
  }
  const conns = new Set<net.Socket>();
  tcp.on('connection', (s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
  });
  return {
    host: o.host,
    port,
    async close() {
      for (const s of conns) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
