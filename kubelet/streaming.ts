// exec, attach and port-forward over WebSocket, as the kubelet serves them:
// - /exec/<ns>/<pod>/<container>?command=..&stdin&stdout&stderr&tty and
//   /attach/<ns>/<pod>/<container>?... with the channel.k8s.io subprotocols
//   (v5, v4, base): each binary message is [channel, ...payload]; 0 stdin,
//   1 stdout, 2 stderr, 3 error (v4+: a Status JSON at the end), 4 resize
//   ({"Width","Height"}), and v5's 255 close ([255, channel] half-closes stdin).
// - /portForward/<ns>/<pod>?ports=p1,p2 with portforward.k8s.io: per port i,
//   channel 2i carries data and 2i+1 errors; the server opens each channel
//   with the port number as two little-endian bytes.
// - /portForward/<ns>/<pod> as kubectl port-forward uses it: SPDY/3.1 streams, on a
//   plain `Upgrade: SPDY/3.1` connection or tunnelled in WebSocket binary messages
//   (subprotocol SPDY/3.1+portforward.k8s.io); see portforward-spdy.ts.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import type { Pod } from '../api/core.js';
import type { RuntimeService, StreamSession } from '../runtime/cri.js';
import type { SpdySession } from './spdy/session.js';
import { PORT_FORWARD_PROTOCOL, servePortForwardSpdy, SPDY_TUNNEL_PREFIX, type PortForwardTarget } from './portforward-spdy.js';

const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
const SPDY_TUNNEL_PROTOCOL = SPDY_TUNNEL_PREFIX + PORT_FORWARD_PROTOCOL;
const PF_PROTOCOLS = ['portforward.k8s.io', 'v4.channel.k8s.io'];

export interface StreamingDeps {
  runtime: RuntimeService;
  findPod(namespace: string, name: string): Pod | undefined;
  /** Id of the running container (newest attempt) of a pod, or undefined. */
  runningContainer(pod: Pod, container: string): Promise<string | undefined>;
  /** Id of the pod's ready sandbox. */
  readySandbox(pod: Pod): Promise<string | undefined>;
}

function flag(q: URLSearchParams, k: string, dflt = false): boolean {
  const v = q.get(k);
  if (v === null) return dflt;
  return v === '' || v === 'true' || v === '1';
}

function frame(ch: number, data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([ch]), b]);
}

function status(code: number): string {
  if (code === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  });
}

function failure(message: string): string {
  return JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 });
}

function ended(s: import('node:stream').Readable | null): Promise<void> {
  if (!s || s.readableEnded || s.destroyed) return Promise.resolve();
  return new Promise((r) => {
    s.once('end', r);
    s.once('close', r);
    s.once('error', r);
    setTimeout(r, 2000).unref();
  });
}

/** Pump one exec/attach session over the socket until it ends. */
async function serveSession(ws: WebSocket, open: () => Promise<StreamSession>, isAttach: boolean): Promise<void> {
  const v4 = ws.protocol.startsWith('v4') || ws.protocol.startsWith('v5');
  let sess: StreamSession;
  try {
    sess = await open();
  } catch (e) {
    await sendThenPause(ws, frame(3, v4 ? failure((e as Error).message) : (e as Error).message));
    if (ws.readyState === ws.OPEN) ws.close(1000);
    return;
  }
  sess.stdout?.on('data', (d: Buffer) => ws.readyState === ws.OPEN && ws.send(frame(1, d)));
  sess.stderr?.on('data', (d: Buffer) => ws.readyState === ws.OPEN && ws.send(frame(2, d)));
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    let data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    // base64.channel.k8s.io is not offered; text frames of the plain protocols carry the same bytes.
    if (!isBinary && data.length === 0) return;
    const ch = data[0];
    data = data.subarray(1);
    if (ch === 0) sess.stdin?.write(data);
    else if (ch === 4) {
      try {
        const sz = JSON.parse(data.toString()) as { Width: number; Height: number };
        sess.resize({ width: sz.Width, height: sz.Height });
      } catch {
        /* malformed resize: ignored, as the kubelet does */
      }
    } else if (ch === 255 && data[0] === 0) sess.stdin?.end();
  });
  ws.on('close', () => sess.close());
  const code = await sess.wait();
  await Promise.all([ended(sess.stdout), ended(sess.stderr)]);
  if (ws.readyState === ws.OPEN) {
    if (!isAttach || code >= 0) await sendThenPause(ws, frame(3, v4 ? status(code) : code === 0 ? '' : `command terminated with non-zero exit code: exit status ${code}`));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  }
}

/**
 * Sends the status frame and waits until it has been written, and a moment more, before
 * the close may follow: if both reach a client in one TLS record, clients that select()
 * on the socket between frames (python-kubernetes 22.x) never see the close and hang.
 * The pause lets the apiserver's relay forward the status as its own write.
 */
function sendThenPause(ws: WebSocket, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    ws.send(data, () => setTimeout(resolve, 30));
  });
}

async function servePortForward(ws: WebSocket, rt: RuntimeService, sandboxId: string, ports: number[]): Promise<void> {
  const conns: Duplex[] = [];
  ports.forEach((port, i) => {
    const p = Buffer.alloc(2);
    p.writeUInt16LE(port);
    ws.send(frame(2 * i, p));
    ws.send(frame(2 * i + 1, p));
  });
  const pending = new Map<number, Buffer[]>();
  const opened = ports.map(async (port, i) => {
    try {
      const c = await rt.portForward(sandboxId, port);
      conns[i] = c;
      c.on('data', (d: Buffer) => ws.readyState === ws.OPEN && ws.send(frame(2 * i, d)));
      c.on('error', (e) => ws.readyState === ws.OPEN && ws.send(frame(2 * i + 1, `error forwarding port ${port}: ${e.message}`)));
      c.on('close', () => ws.readyState === ws.OPEN && ws.close(1000));
      for (const b of pending.get(i) ?? []) c.write(b);
      pending.delete(i);
    } catch (e) {
      ws.send(frame(2 * i + 1, `error forwarding port ${port} to pod: ${(e as Error).message}`));
    }
  });
  ws.on('message', (raw: Buffer) => {
    const ch = raw[0];
    if (ch % 2 !== 0) return;
    const i = ch / 2;
    const data = raw.subarray(1);
    if (conns[i]) conns[i].write(data);
    else (pending.get(i) ?? pending.set(i, []).get(i)!).push(data);
  });
  ws.on('close', () => conns.forEach((c) => c?.destroy()));
  await Promise.all(opened);
}

function headerList(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  return (Array.isArray(v) ? v : v ? [v] : []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
}

function isWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** kubectl port-forward: a plain SPDY upgrade, or a WebSocket offering the SPDY tunnel. */
function wantsSpdy(req: IncomingMessage): boolean {
  if (isWebSocket(req)) return headerList(req, 'sec-websocket-protocol').includes(SPDY_TUNNEL_PROTOCOL);
  return /^spdy\/3\.1$/i.test(req.headers.upgrade ?? '');
}

/** The upgrade handler for the kubelet server. Returns false when the path is not a streaming one. */
export function streamingUpgrade(d: StreamingDeps): { handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean; close(): void } {
  const execWss = new WebSocketServer({ noServer: true, handleProtocols: (p) => EXEC_PROTOCOLS.find((x) => p.has(x)) ?? false });
  const pfWss = new WebSocketServer({ noServer: true, handleProtocols: (p) => PF_PROTOCOLS.find((x) => p.has(x)) ?? false });
  const tunnelWss = new WebSocketServer({ noServer: true });
  tunnelWss.on('headers', (headers) => headers.push(`Sec-WebSocket-Protocol: ${SPDY_TUNNEL_PROTOCOL}`));
  // Upgraded sockets are no longer the HTTP server's: close() ends the SPDY sessions itself.
  const spdySessions = new Set<SpdySession>();
  const track = (s: SpdySession) => {
    spdySessions.add(s);
    s.once('close', () => spdySessions.delete(s));
  };
  const reject = (socket: Duplex, code: number, msg: string) => {
    socket.end(`HTTP/1.1 ${code} ${code === 404 ? 'Not Found' : 'Bad Request'}\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(msg)}\r\n\r\n${msg}`);
  };
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const kind = parts[0];
    if (kind !== 'exec' && kind !== 'attach' && kind !== 'portForward') return false;
    const pod = parts[1] && parts[2] ? d.findPod(parts[1], parts[2]) : undefined;
    if (!pod) {
      reject(socket, 404, `pod ${parts[1]}/${parts[2]} not found`);
      return true;
    }
    const q = url.searchParams;
    if (kind === 'portForward' && wantsSpdy(req)) {
      void d.readySandbox(pod).then((sb) => {
        if (!sb) return reject(socket, 400, 'pod sandbox is not ready');
        const target: PortForwardTarget = { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, uid: pod.metadata.uid ?? '', dial: (port) => d.runtime.portForward(sb, port) };
        if (isWebSocket(req)) {
          // `/` is not a token character, so ws refuses this subprotocol in a request; it is
          // chosen already (wantsSpdy), and tunnelWss names it in the response instead.
          delete req.headers['sec-websocket-protocol'];
          tunnelWss.handleUpgrade(req, socket, head, (ws) => track(servePortForwardSpdy(createWebSocketStream(ws), target)));
          return;
        }
        const offered = headerList(req, 'x-stream-protocol-version');
        if (offered.length && !offered.includes(PORT_FORWARD_PROTOCOL)) {
          return void socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nunable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server accepts ["${PORT_FORWARD_PROTOCOL}"]`);
        }
        (socket as Socket).setNoDelay?.(true);
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
        if (head.length) socket.unshift(head);
        track(servePortForwardSpdy(socket, target));
      });
      return true;
    }
    if (kind === 'portForward') {
      const ports = [...q.getAll('ports'), ...q.getAll('port')].flatMap((s) => s.split(',')).filter(Boolean).map(Number);
      if (!ports.length || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
        reject(socket, 400, 'invalid or missing ports');
        return true;
      }
      void d.readySandbox(pod).then((sb) => {
        if (!sb) return reject(socket, 400, 'pod sandbox is not ready');
        pfWss.handleUpgrade(req, socket, head, (ws) => void servePortForward(ws, d.runtime, sb, ports));
      });
      return true;
    }
    const container = parts[3] || q.get('container') || pod.spec?.containers[0]?.name || '';
    void d.runningContainer(pod, container).then((id) => {
      if (!id) return reject(socket, 400, `container ${container} is not running`);
      const tty = flag(q, 'tty');
      const stdin = flag(q, 'stdin');
      const stdout = flag(q, 'stdout', true);
      const stderr = flag(q, 'stderr', !tty) && !tty;
      execWss.handleUpgrade(req, socket, head, (ws) => {
        const open = kind === 'exec' ? () => d.runtime.exec({ containerId: id, cmd: q.getAll('command'), tty, stdin, stdout, stderr }) : () => d.runtime.attach({ containerId: id, tty, stdin, stdout, stderr });
        void serveSession(ws, open, kind === 'attach');
      });
    });
    return true;
  };
  return {
    handle,
    close() {
      for (const s of [...spdySessions]) s.close();
      for (const w of [...execWss.clients, ...pfWss.clients, ...tunnelWss.clients]) w.terminate();
    },
  };
}
