// The kubelet's server: /containerLogs, /exec, /attach, /portForward, /healthz, /metrics,
// /pods. As Kubernetes' kubelet: HTTPS with client certificates signed by the cluster
// CA (the apiserver's kubelet-client certificate) and/or a bearer token; anonymous
// requests get 401, authenticated but unauthorized ones 403. An open /healthz lives
// on its own loopback listener (startHealthzServer).
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Pod } from '../api/core.js';
import { containerLogFiles, LogFormatter, readFrom, readLog, type LogQuery } from './logs.js';
import type { KubeletMetrics } from './metrics.js';
import { streamingUpgrade, type StreamingDeps } from './streaming.js';
import { resourceMetricsText } from './resource-metrics.js';
import type { Summary } from '../api/stats.js';

export interface ServerDeps extends StreamingDeps {
  podLogDir(pod: Pod): string;
  /** Is the container's newest attempt still running (follow stops when it ends). */
  containerRunning(pod: Pod, container: string): Promise<boolean>;
  metrics: KubeletMetrics;
  healthy(): boolean;
  pods(): Pod[];
  /** A fresh Summary API reading (/stats/summary, /metrics/resource). */
  summary(): Promise<Summary>;
}

/** only_cpu_and_memory=true: the Summary with CPU and memory alone (what metrics-server asks for). */
function cpuAndMemoryOnly(s: Summary): Summary {
  const { nodeName, startTime, cpu, memory } = s.node;
  return {
    node: { nodeName, startTime, ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) },
    pods: s.pods.map((p) => ({
      podRef: p.podRef,
      startTime: p.startTime,
      containers: p.containers.map((c) => ({ name: c.name, startTime: c.startTime, ...(c.cpu ? { cpu: c.cpu } : {}), ...(c.memory ? { memory: c.memory } : {}) })),
      ...(p.cpu ? { cpu: p.cpu } : {}),
      ...(p.memory ? { memory: p.memory } : {}),
    })),
  };
}

function fail(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'content-type': 'text/plain' });
  res.end(message + '\n');
}

async function containerLogs(d: ServerDeps, req: IncomingMessage, res: ServerResponse, parts: string[], q: URLSearchParams): Promise<void> {
  const [ns, podName, container] = parts.map(decodeURIComponent);
  const pod = ns && podName ? d.findPod(ns, podName) : undefined;
  if (!pod) return fail(res, 404, `pod ${ns}/${podName} not found`);
  const cname = container || (pod.spec?.containers.length === 1 ? pod.spec.containers[0].name : '');
  const known = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].some((c) => c.name === cname);
  if (!known) return fail(res, 400, `container ${cname} is not valid for pod ${podName}`);
  const files = containerLogFiles(d.podLogDir(pod), cname);
  const previous = q.get('previous') === 'true';
  const file = previous ? files[files.length - 2] : files[files.length - 1];
  if (!file) return fail(res, previous ? 400 : 404, previous ? `previous terminated container "${cname}" in pod "${podName}" not found` : `container "${cname}" in pod "${podName}" has no logs yet`);
  const num = (k: string) => (q.get(k) !== null && q.get(k) !== '' ? Number(q.get(k)) : undefined);
  const lq: LogQuery = { timestamps: q.get('timestamps') === 'true', tailLines: num('tailLines'), sinceSeconds: num('sinceSeconds'), limitBytes: num('limitBytes') };
  res.writeHead(200, { 'content-type': 'text/plain', ...(q.get('follow') === 'true' ? { 'transfer-encoding': 'chunked' } : {}) });
  const first = readLog(file, lq);
  let written = 0;
  const write = (t: string): boolean => {
    if (!t) return true;
    if (lq.limitBytes !== undefined && written + Buffer.byteLength(t) > lq.limitBytes) {
      res.end(Buffer.from(t).subarray(0, lq.limitBytes - written));
      return false;
    }
    written += Buffer.byteLength(t);
    res.write(t);
    return true;
  };
  if (!write(first.text)) return;
  if (q.get('follow') !== 'true' || previous) return void res.end();
  let offset = first.offset;
  const f = new LogFormatter({ timestamps: lq.timestamps });
  let closed = false;
  req.on('close', () => (closed = true));
  // Poll the file while the container runs; a newer attempt's file ends this stream, as with kubectl.
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    if (closed) return;
    const n = readFrom(file, offset, f);
    offset = n.offset;
    if (!write(n.text)) return;
    // Safe: a runtime that cannot say ends this follow stream (kubectl shows what was read), nothing more.
    const running = await d.containerRunning(pod, cname).catch(() => false);
    const newer = containerLogFiles(d.podLogDir(pod), cname).length > files.length;
    if (!running || newer) {
      write(readFrom(file, offset, f).text);
      return void res.end();
    }
  }
}

export interface ServerSecurity {
  /** When set, a request with `Authorization: Bearer <token>` is allowed (the apiserver's credential). */
  token?: string;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * PEM CA bundle (the kubelet's --client-ca-file): with `tls`, a client certificate
   * it signed authenticates the request (CN = user, O = groups), and every path,
   * /healthz included, needs an authenticated and authorized client (anonymous: 401).
   * Health checks go to the separate loopback /healthz listener instead.
   */
  clientCA?: string | Buffer;
  /** Users allowed once authenticated by certificate (default: the apiserver's kube-apiserver-kubelet-client). */
  allowedUsers?: string[];
  /** Groups allowed once authenticated by certificate (default: system:masters). */
  allowedGroups?: string[];
}

/** Who a request is, or why not: the token, or the verified client certificate's subject. */
export type Authn = { ok: true; user: string; groups: string[] } | { ok: false };

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization ?? '';
  const a = Buffer.from(h);
  const b = Buffer.from(`Bearer ${token}`);
  return a.length === b.length && timingSafeEqual(a, b);
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Authenticate as the kubelet's x509 and token authenticators do (either suffices). */
export function authenticate(req: IncomingMessage, sec: ServerSecurity): Authn {
  if (sec.token && bearerMatches(req, sec.token)) return { ok: true, user: 'kubelet-token', groups: ['system:masters'] };
  const sock = req.socket as TLSSocket;
  if (sec.clientCA && sock.encrypted && sock.authorized) {
    const subject = sock.getPeerCertificate()?.subject;
    const user = asList(subject?.CN)[0];
    if (user) return { ok: true, user, groups: asList(subject?.O) };
  }
  return { ok: false };
}

/** 401 for nobody, 403 for someone not allowed, undefined when the request may go on. */
function deny(req: IncomingMessage, sec: ServerSecurity): { code: 401 | 403; message: string } | undefined {
  if (!sec.token && !sec.clientCA) return undefined; // an open server (tests, standalone without credentials)
  const who = authenticate(req, sec);
  if (!who.ok) return { code: 401, message: 'Unauthorized' };
  const users = sec.allowedUsers ?? ['kube-apiserver-kubelet-client'];
  const groups = sec.allowedGroups ?? ['system:masters'];
  if (users.includes(who.user) || who.groups.some((g) => groups.includes(g))) return undefined;
  // The kubelet's wording (its SubjectAccessReview answer), with what was asked for.
  const sub = new URL(req.url ?? '/', 'http://kubelet').pathname.split('/')[1] || 'proxy';
  return { code: 403, message: `Forbidden (user=${who.user}, verb=${req.method === 'GET' ? 'get' : 'create'}, resource=nodes, subresource=${sub})` };
}

/** The kubelet's healthz port (--healthz-port, 10248): /healthz only, plain HTTP, meant for loopback. */
export async function startHealthzServer(healthy: () => boolean, port: number, host = '127.0.0.1'): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://kubelet').pathname !== '/healthz') return fail(res, 404, 'not found');
    if (healthy()) res.end('ok');
    else fail(res, 500, 'not healthy');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function startKubeletServer(d: ServerDeps, port: number, host = '0.0.0.0', sec: ServerSecurity = {}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname.split('/').filter(Boolean);
    const handle = async () => {
      // Open only on a server without client certificates (the loopback healthz listener, tests).
      if (url.pathname === '/healthz' && !sec.clientCA) return d.healthy() ? void res.end('ok') : fail(res, 500, 'not healthy');
      const denied = deny(req, sec);
      if (denied) return fail(res, denied.code, denied.message);
      if (url.pathname === '/healthz') return d.healthy() ? void res.end('ok') : fail(res, 500, 'not healthy');
      if (req.method !== 'GET') return fail(res, 405, 'method not allowed');
      if (url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': d.metrics.registry.contentType });
        return void res.end(await d.metrics.registry.metrics());
      }
      if (url.pathname === '/stats/summary' || url.pathname === '/stats/summary/') {
        const only = url.searchParams.get('only_cpu_and_memory');
        if (only !== null && !/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(only)) return fail(res, 400, `Invalid only_cpu_and_memory value "${only}"`);
        const sum = await d.summary();
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify(only !== null && /^(1|t|T|TRUE|true|True)$/.test(only) ? cpuAndMemoryOnly(sum) : sum, null, 2));
      }
      if (url.pathname === '/metrics/resource') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        return void res.end(resourceMetricsText(await d.summary()));
      }
      if (url.pathname === '/pods') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: d.pods() }));
      }
      if (parts[0] === 'containerLogs' && parts.length >= 3) return containerLogs(d, req, res, parts.slice(1), url.searchParams);
      fail(res, 404, 'not found');
    };
    handle().catch((e) => {
      if (!res.headersSent) fail(res, 500, (e as Error).message);
      else res.destroy();
    });
  };
  // requestCert without rejectUnauthorized: a client without a good certificate still gets an HTTP 401, as from the kubelet.
  const tlsOpts = sec.tls ? { cert: sec.tls.cert, key: sec.tls.key, ...(sec.clientCA ? { ca: sec.clientCA, requestCert: true, rejectUnauthorized: false } : {}) } : undefined;
  const server: Server = tlsOpts ? createHttpsServer(tlsOpts, onRequest) : createServer(onRequest);
  const upgrade = streamingUpgrade(d);
  server.on('upgrade', (req, socket, head) => {
    const denied = deny(req, sec);
    if (denied) return void socket.end(`HTTP/1.1 ${denied.code} ${denied.code === 401 ? 'Unauthorized' : 'Forbidden'}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(denied.message)}\r\n\r\n${denied.message}`);
    if (!upgrade.handle(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        upgrade.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
