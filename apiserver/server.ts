// The apiserver: express app + WebSocket upgrades on one HTTP server, storage on
// etcd behind a watch cache, and the objects every cluster starts with.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WebSocketServer } from 'ws';
import { ApiError, toApiError } from './errors.js';
import { ApiMetrics } from './metrics.js';
import { EtcdStorage } from './storage/etcd.js';
import type { EtcdTLS } from './storage/etcd-client.js';
import { CachedStorage } from './storage/cache.js';
import { startCompactor, type Compactor } from './storage/compactor.js';
import type { Storage } from './storage/interface.js';
import { buildRegistries, type Registries } from './registry/index.js';
import { ResourceHandler, sendJSON, type RequestInfo } from './http/handler.js';
import { parse as parseQuery } from 'node:querystring';
import { parseResourcePath } from './http/request.js';
import { wsTransport } from './http/watch.js';
import { ConnectionGuard, defaultConnectionLimits, type ConnectionLimits } from './http/connections.js';
import { proxyLog, proxyUpgrade } from './http/streaming.js';
import type { StreamingSubresource } from '../client/kubelet-client.js';
import { apiGroup, apiGroupList, apiVersions, resourceList, VERSION_INFO } from './discovery.js';
import { bootstrap } from './bootstrap.js';
import { openapiRoutes } from './openapi.js';
import { RESOURCES } from '../api/resources.js';

export interface ApiServerOptions {
  etcdEndpoints: string[];
  /** Prefix for every etcd key (lets tests share one etcd); default ''. */
  etcdPrefix?: string;
  /** Client TLS towards etcd (https:// endpoints): CA, client certificate and key, PEM. */
  etcdTLS?: EtcdTLS;
  host?: string;
  /** 0 = a free port. Default 6443. */
  port?: number;
  serviceCIDR?: string;
  nodePortRange?: string;
  /** When set, every request but /healthz, /livez, /readyz, /version needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Bearer token presented to kubelets when relaying logs, exec, attach and port-forward. */
  kubeletToken?: string;
  /**
   * The apiserver's client certificate and key towards kubelets, and the CA their serving
   * certificates must chain to (--kubelet-client-certificate/-key, --kubelet-certificate-authority): PEM.
   */
  kubeletClient?: { cert?: string; key?: string; ca?: string };
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP otherwise. */
  tls?: { cert: string; key: string };
  /** etcd compaction interval (ms); default 5 minutes. */
  compactionIntervalMs?: number;
  /** Run the etcd client in a worker thread (another core for its gRPC work); default true. */
  etcdClientThread?: boolean;
  /** How long a request waits for an etcd that is not running (restarting) before 503 (ms); default 8000. */
  etcdRetryBudgetMs?: number;
  log?: (msg: string) => void;
  /** Caps on client connections and long-running requests; defaults from the descriptor limit (see http/connections.ts). */
  connectionLimits?: Partial<ConnectionLimits>;
}

export interface ApiServer {
  url: string;
  port: number;
  registries: Registries;
  metrics: ApiMetrics;
  storage: Storage;
  connections: ConnectionGuard;
  stop(): Promise<void>;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const host = opts.host ?? '127.0.0.1';
  const serviceCIDR = opts.serviceCIDR ?? '10.96.0.0/12';
  const log = opts.log ?? (() => undefined);
  const kubeletCreds = { ...(opts.kubeletToken ? { token: opts.kubeletToken } : {}), ...(opts.kubeletClient ?? {}) };
  const etcd = new EtcdStorage({ endpoints: opts.etcdEndpoints, prefix: opts.etcdPrefix, tls: opts.etcdTLS, worker: opts.etcdClientThread ?? true, retryBudgetMs: opts.etcdRetryBudgetMs });
  const storage = new CachedStorage(etcd);
  for (const r of RESOURCES) if (r.resource !== 'bindings') storage.cacheResource(`/registry/${r.resource}/`);
  const registries = buildRegistries(storage, { serviceCIDR, nodePortRange: opts.nodePortRange ?? '30000-32767' });
  const metrics = new ApiMetrics();
  // Caps not given are derived from the total, given or sized from the descriptor limit.
  const limits: ConnectionLimits = { ...defaultConnectionLimits(undefined, opts.connectionLimits?.maxConnections), ...opts.connectionLimits };
  if (limits.maxConnectionsPerAddress > limits.maxConnections) limits.maxConnectionsPerAddress = limits.maxConnections;
  const guard = new ConnectionGuard(limits, !!opts.tls);
  const handler = new ResourceHandler({
    registries,
    watchCounters: metrics,
    admitLongRunning: (req) => guard.admitLongRunning(req.socket),
    streaming: async (req, res, p) => {
      if (p.subresource !== 'log' || req.method !== 'GET') {
        throw new ApiError(400, 'BadRequest', `${p.subresource} needs a connection upgrade (WebSocket or SPDY)`);
      }
      await proxyLog(registries, req, res, p.namespace!, p.name!, kubeletCreds);
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  if (opts.token) {
    const expected = `Bearer ${opts.token}`;
    app.use((req, res, next) => {
      if (PUBLIC_PATHS.has(req.path) || req.headers.authorization === expected) return next();
      sendError(res, new ApiError(401, 'Unauthorized', 'Unauthorized'));
    });
  }

  let ready = false;
  app.get(['/healthz', '/livez'], (_req, res) => res.type('text/plain').send('ok'));
  app.get('/readyz', async (_req, res) => {
    try {
      await storage.currentRevision();
      res.status(ready ? 200 : 503).type('text/plain').send(ready ? 'ok' : 'bootstrap not finished');
    } catch (err) {
      res.status(503).type('text/plain').send(`etcd: ${(err as Error).message}`);
    }
  });
  app.get('/version', (_req, res) => res.json(VERSION_INFO));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  let serverAddress = '';
  app.get('/api', (_req, res) => res.json(apiVersions(serverAddress)));
  app.get('/apis', (_req, res) => res.json(apiGroupList()));
  app.get('/api/v1', (_req, res) => res.json(resourceList('', 'v1')));
  app.get('/apis/:group', (req, res) => {
    const g = apiGroup(req.params.group);
    if (!g) return sendError(res, notFoundPath(req.path));
    res.json(g);
  });
  app.get('/apis/:group/:version', (req, res) => {
    const l = resourceList(req.params.group, req.params.version);
    if (!l) return sendError(res, notFoundPath(req.path));
    res.json(l);
  });
  openapiRoutes(app);

  const serve = (group: string, version: string, rest: string) => async (req: Request, res: Response) => {
    const info: RequestInfo = { verb: req.method.toLowerCase(), resource: '' };
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      metrics.observe(info.verb, info.resource, info.subresource ?? '', res.statusCode, Number(process.hrtime.bigint() - start) / 1e9);
    });
    try {
      await handler.handle(req, res, group, version, rest.split('/').filter((s, i, a) => s !== '' || i < a.length - 1), info);
    } catch (err) {
      sendError(res, err);
    }
  };
  // Resource requests, the hot path, are served before express sees them (its routing and
  // request/response decoration cost a tenth of a create's CPU); everything else is express.
  const resourceRoute = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    let m = /^\/api\/v1\/(.+)$/.exec(path);
    let group = '';
    let version = 'v1';
    if (!m) {
      const g = /^\/apis\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
      if (!g) return false;
      [group, version] = [g[1], g[2]];
      m = [g[0], g[3]] as unknown as RegExpExecArray;
    }
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
      sendError(res as Response, new ApiError(401, 'Unauthorized', 'Unauthorized'));
      return true;
    }
    const r = req as Request;
    Object.assign(r, { path, originalUrl: url, query: qi < 0 ? {} : parseQuery(url.slice(qi + 1)) });
    let rest: string;
    try {
      rest = decodeURIComponent(m[1]);
    } catch {
      sendError(res as Response, new ApiError(400, 'BadRequest', `malformed path ${path}`));
      return true;
    }
    void serve(group, version, rest)(r, res as Response);
    return true;
  };
  app.use((req, res) => sendError(res, notFoundPath(req.path)));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => sendError(res, err));

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.once('close', guard.requestStarted(req.socket));
    if (!resourceRoute(req, res)) app(req, res);
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : http.createServer(listener);
  guard.attach(server);
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/v1\/(.+)$/.exec(url.pathname) ?? /^\/apis\/[^/]+\/[^/]+\/(.+)$/.exec(url.pathname);
    const gm = /^\/apis\/([^/]+)\/([^/]+)\//.exec(url.pathname);
    try {
      if (!m) throw notFoundPath(url.pathname);
      const p = parseResourcePath(gm ? gm[1] : '', gm ? gm[2] : 'v1', m[1].split('/'), url.pathname);
      if (p.info.resource === 'pods' && p.name && p.namespace && ['exec', 'attach', 'portforward'].includes(p.subresource ?? '')) {
        socket.once('close', guard.admitLongRunning(req.socket));
        proxyUpgrade(registries, req, socket, head, p.namespace, p.name, p.subresource as StreamingSubresource, kubeletCreds).catch((err) => {
          rejectUpgrade(socket, err);
        });
        return;
      }
      if (p.name !== undefined) throw notFoundPath(url.pathname);
      // Parameters are checked before the upgrade, so a bad watch is an HTTP 4xx Status.
      const fakeReq = { query: parseQuery(url.search.slice(1)), headers: req.headers } as unknown as Request;
      const reg = handler.registryFor(p);
      const prepared = handler.prepareWatch(fakeReq, p);
      socket.once('close', guard.admitLongRunning(req.socket));
      wss.handleUpgrade(req, socket, head, (ws) => {
        handler.watch(prepared, reg, p, wsTransport(ws)).catch((err) => {
          ws.close(1011, String((err as Error).message).slice(0, 120));
        });
      });
    } catch (err) {
      rejectUpgrade(socket, err);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 6443, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  serverAddress = `${host}:${port}`;
  const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let compactor: Compactor | undefined;
  try {
    await bootstrap(registries, { host, port, log });
    ready = true;
    compactor = startCompactor(etcd, opts.compactionIntervalMs ?? 5 * 60_000, 1000, (err) => log(`compaction: ${(err as Error).message}`));
  } catch (err) {
    server.close();
    await storage.close();
    throw err;
  }

  return {
    url,
    port,
    registries,
    metrics,
    storage,
    connections: guard,
    async stop() {
      compactor?.stop();
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await storage.close();
    },
  };
}

/** An upgrade refused with a Status body (the socket is not HTTP-managed any more). */
export function rejectUpgrade(socket: Duplex, err: unknown): void {
  const e = toApiError(err);
  const body = JSON.stringify(e.toStatus());
  const retry = e.details?.retryAfterSeconds ? `Retry-After: ${e.details.retryAfterSeconds}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${e.code} ${http.STATUS_CODES[e.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}Connection: close\r\n\r\n${body}`,
  );
}

function notFoundPath(path: string) {
  return new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
}

export function sendError(res: Response, err: unknown) {
  const e = toApiError(err);
  if (e.code >= 500 && !(err instanceof ApiError)) console.error(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  if (e.details?.retryAfterSeconds) res.setHeader('Retry-After', String(e.details.retryAfterSeconds));
  sendJSON(res, e.code, e.toStatus());
}
