// A lean HTTP/1.1 load generator for the benchmarks: one keep-alive socket per
// in-flight request, requests written as one pre-built buffer, responses parsed
// only as far as status line and Content-Length. On a 2-core machine the load
// generator shares the cores with the apiserver and etcd; node's http.Agent
// costs ~90 µs of CPU per request, this ~25 µs, so the figures measure the
// apiserver rather than the client (what wrk or h2load would do, but with
// per-request status checks and exact request counts).

import net from 'node:net';

export interface HttpReply {
  status: number;
  body: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Builds one request: method, path, optional JSON body, as the bytes to write. */
export function buildRequest(host: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (body !== undefined) head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  return Buffer.from(`${head}\r\n${body ?? ''}`);
}

/** One keep-alive connection carrying one request at a time. */
export class HttpConnection {
  private socket: net.Socket;
  private connected: Promise<void>;
  /** The server closed the socket while no request was on it (its keep-alive or first-request timeout). */
  private idleClosed = false;
  /** Chunks of the response being read, joined once it is complete (not per chunk: lists are MBs). */
  private chunks: Buffer[] = [];
  private have = 0;
  /** Total length of the response being read (headers + body), once its headers are in. */
  private need = -1;
  private headLen = 0;
  private status = 0;
  private pending: { resolve: (r: HttpReply) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {
    [this.socket, this.connected] = this.open();
  }

  private open(): [net.Socket, Promise<void>] {
    const socket = net.connect({ port: this.port, host: this.host, noDelay: true });
    const connected = new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    // Unhandled until a request awaits it: an idle socket's failure is the next request's.
    connected.catch(() => undefined);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // An idle socket's error (a reset) is followed by its close, handled there.
    socket.on('error', (err) => this.pending && this.fail(err));
    socket.on('close', () => {
      if (socket !== this.socket) return;
      // Idle and closed by the server (a bench phase outlasted a server timeout): the next request
      // opens a new socket, as an http.Agent would. With a request in flight it is a failure.
      if (!this.pending && !this.failure && this.need < 0 && this.have === 0) this.idleClosed = true;
      else this.fail(new Error('connection closed by the server'));
    });
    return [socket, connected];
  }

  async request(bytes: Buffer): Promise<HttpReply> {
    if (this.idleClosed) {
      this.idleClosed = false;
      [this.socket, this.connected] = this.open();
    }
    await this.connected;
    if (this.failure) throw this.failure;
    if (this.pending) throw new Error('HttpConnection carries one request at a time');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    if (this.need < 0) {
      const head = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
      const end = head.indexOf(HEADER_END);
      if (end < 0) return;
      const text = head.toString('latin1', 0, end);
      this.status = Number(text.slice(9, 12));
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      if (!m) return this.fail(new Error(`response without Content-Length: ${text.split('\r\n')[0]}`));
      this.headLen = end + 4;
      this.need = this.headLen + Number(m[1]);
    }
    if (this.have < this.need) return;
    if (this.have > this.need) return this.fail(new Error('unexpected bytes after the response'));
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.have);
    const reply = { status: this.status, body: all.subarray(this.headLen) };
    this.chunks = [];
    this.have = 0;
    this.need = -1;
    const p = this.pending;
    this.pending = undefined;
    p?.resolve(reply);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }

  close(): void {
    this.failure ??= new Error('connection closed');
    this.socket.destroy();
  }
}

/** `n` connections to host:port, for closedLoop's `n` workers. */
export function connections(n: number, port: number, host = '127.0.0.1'): HttpConnection[] {
  return Array.from({ length: n }, () => new HttpConnection(port, host));
}
