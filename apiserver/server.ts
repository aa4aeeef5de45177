// The apiserver: one HTTP(S) server that routes every request and upgrade itself (no
// web framework: see README.md), storage on etcd behind a watch cache, and the objects
// every cluster starts with.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { badRequest, notFoundPath, unauthorized } from './errors.js';
import { ApiMetrics } from './metrics.js';
import { EtcdStorage } from './storage/etcd.js';
import type { EtcdTLS } from './storage/etcd-client.js';
import { CachedStorage } from './storage/cache.js';
import { startCompactor, type Compactor } from './storage/compactor.js';
import { startEtcdHealth, type EtcdHealth } from './storage/etcd-health.js';
import type { Storage } from './storage/interface.js';
import { buildRegistries, type Registries } from './registry/index.js';
import { ResourceHandler, type RequestInfo } from './http/handler.js';
import { apiRequest, parseResourcePath, resourceRouteOf, type ApiRequest, type ResourceRoute } from './http/request.js';
import { endSocketWithStatus, sendError } from './http/respond.js';
import { nonResourceServer } from './http/nonresource.js';
import { wsTransport } from './http/watch.js';
import { ConnectionGuard, defaultConnectionLimits, type ConnectionLimits } from './http/connections.js';
import { kubeletTarget, proxyLog, proxyUpgrade } from './http/streaming.js';
import { serveProxy, serveProxyUpgrade, type ProxyDeps } from './http/proxy.js';
import { proxyRouteOf } from './http/proxy-path.js';
import type { StreamingSubresource } from '../client/kubelet-client.js';
import { bootstrap } from './bootstrap.js';
import { CRDController } from './crd-controller.js';
import { KubernetesEndpointsReconciler } from './kubernetes-endpoints.js';
import { MasterLeases } from './storage/master-leases.js';
import { bootstrapTokenAuthenticator } from './auth/bootstrap-token.js';
import { x509Authenticator } from './auth/x509.js';
import { bootstrapSecretGetter } from './auth/bootstrap-secrets.js';
import { ADMIN_USER, staticTokenAuthenticator, unionAuthenticator, type Authenticator } from './auth/authenticator.js';
import { RESOURCES, isStored } from '../api/resources.js';
import { KubeletSummaries } from './resource-metrics/scraper.js';
import { serveMetrics } from './resource-metrics/serve.js';
import type { KubeObject } from '../api/meta.js';
import { ServiceAccountTokens } from './auth/service-account-tokens.js';
import { signingKeysFromPem } from './auth/sa-jwt.js';
import { reviewToken, staticTokenReviewer, type TokenAuthenticator } from './auth/token-review.js';

/** Upstream's default --service-account-issuer. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
import { requestAttributes } from './auth/attributes.js';
import { alwaysAllow, mastersAuthorizer, requestForbidden, unionAuthorizer, type Authorizer } from './auth/authorizer.js';
import { RBACAuthorizer } from './auth/rbac-authorizer.js';
import { NodeGraph } from './auth/node-graph.js';
import { NodeAuthorizer } from './auth/node-authorizer.js';
import { NodeRestriction } from './admission/node-restriction.js';
import type { UserInfo } from './auth/user.js';
import { parseAuthorizationModes, type AuthorizationMode } from './auth/authorization-modes.js';
import { ensureBootstrapPolicy } from './auth/bootstrap-rbac.js';
import { impersonate } from './auth/impersonation.js';
import { accessReview, rulesReview, selfSubjectReview } from './auth/reviews.js';
import type { EscalationHolder } from './registry/rbac.js';
import { podSecurityAdmission, type Admission } from './admission/pod-security.js';
import { defaultTolerationSecondsAdmission, type DefaultTolerationSecondsOptions } from './admission/default-toleration-seconds.js';
import { limitRangerAdmission } from './admission/limit-ranger.js';
import { ResourceQuotaAdmission } from './admission/resource-quota.js';
import type { Level } from '../api/pod-security.js';
import { SessionStore } from './ui/sessions.js';
import { cookieAuthenticator } from './ui/cookie-auth.js';
import { StaticAssets, defaultAssetDir } from './ui/static.js';
import { isDashboardPath, serveDashboard, type DashboardDeps } from './ui/routes.js';
import { serveWatchMux } from './ui/watch-mux.js';

export interface ApiServerOptions {
  etcdEndpoints: string[];
  /**
   * Reads without a resourceVersion see every write to etcd, not only this apiserver's own (upstream's
   * consistent reads): needed for more than one apiserver on one etcd. Default false here (one
   * apiserver embedded on its own etcd, as `up` and the tests run it); `hyperkube apiserver` defaults to true.
   */
  quorumReads?: boolean;
  /** Prefix for every etcd key (lets tests share one etcd); default ''. */
  etcdPrefix?: string;
  /** Client TLS towards etcd (https:// endpoints): CA, client certificate and key, PEM. */
  etcdTLS?: EtcdTLS;
  host?: string;
  /**
   * --advertise-address: the `kubernetes` Service's endpoint, where pods reach the API. When it
   * differs from `host` the apiserver also listens there (same port); the address may appear only
   * later (the pod bridge is made by the kubelet), so that listener retries until it can bind.
   */
  advertiseAddress?: string;
  /** 0 = a free port. Default 6443. */
  port?: number;
  /** The kubernetes Service's endpoint reconciler: how often it runs (10 s) and the TTL of each apiserver's master lease (15 s). */
  endpointReconcileIntervalMs?: number;
  masterLeaseTtlSeconds?: number;
  serviceCIDR?: string;
  nodePortRange?: string;
  /** When set, every request but /healthz, /livez, /readyz, /version needs `Authorization: Bearer <token>` (the admin, in system:masters). */
  token?: string;
  /** More authenticators, asked after the admin token (service-account tokens, user tokens). */
  authenticators?: Authenticator[];
  /** Bootstrap tokens (Secrets kube-system/bootstrap-token-<id>) and the node credentials made from them authenticate (--enable-bootstrap-token-auth). */
  enableBootstrapTokenAuth?: boolean;
  /**
   * Service-account tokens: the signing key (--service-account-signing-key-file, PEM), more
   * public keys tokens may be verified with (--service-account-key-file), the issuer
   * (--service-account-issuer, default https://kubernetes.default.svc.cluster.local) and the
   * audiences a token must name to authenticate here (--api-audiences, default the issuer).
   */
  serviceAccounts?: { signingKey: string; publicKeys?: string[]; issuer?: string; apiAudiences?: string[] };
  /** Bearer token presented to kubelets when relaying logs, exec, attach and port-forward. */
  kubeletToken?: string;
  /**
   * The apiserver's client certificate and key towards kubelets, and the CA their serving
   * certificates must chain to (--kubelet-client-certificate/-key, --kubelet-certificate-authority): PEM.
   */
  kubeletClient?: { cert?: string; key?: string; ca?: string };
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP otherwise. */
  tls?: { cert: string; key: string };
  /** --client-ca-file (PEM, with `tls`): client certificates it signed authenticate (CN user, O groups). */
  clientCA?: string;
  /** etcd compaction interval (ms); default 5 minutes. */
  compactionIntervalMs?: number;
  /** etcd's --quota-backend-bytes, for the quota gauge and the NOSPACE message (etcd 3.4 does not report it). */
  etcdQuotaBytes?: number;
  /** How often etcd's size and alarms are read (ms); default 30 s. */
  etcdHealthIntervalMs?: number;
  /** Least time between defragmentations of etcd (ms); default 1 h; 0: never. */
  etcdDefragIntervalMs?: number;
  /** Run the etcd client in a worker thread (another core for its gRPC work); default true. */
  etcdClientThread?: boolean;
  /** How long a request waits for an etcd that is not running (restarting) before 503 (ms); default 8000. */
  etcdRetryBudgetMs?: number;
  log?: (msg: string) => void;
  /**
   * --authorization-mode: RBAC (system:masters, then roles and bindings; the bootstrap policy is
   * written at start), Node,RBAC (the node authorizer before RBAC: what `up` runs) or AlwaysAllow
   * (every authenticated request; the default of bare apiservers).
   */
  authorizationMode?: AuthorizationMode;
  /** Pod Security level of namespaces without pod-security.kubernetes.io labels; default privileged. */
  podSecurityDefault?: Level;
  /** DefaultTolerationSeconds admission: the not-ready/unreachable NoExecute tolerations pods get (300 s each). */
  defaultTolerationSeconds?: DefaultTolerationSecondsOptions;
  /** Authorizers asked after system:masters and before RBAC (the node authorizer). */
  authorizers?: Authorizer[];
  /** Caps on client connections and long-running requests; defaults from the descriptor limit (see http/connections.ts). */
  connectionLimits?: Partial<ConnectionLimits>;
  /** Where the built dashboard is (index.html, app.js, app.css); default the build's ui/ folder. */
  dashboardDir?: string;
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
  // Not awaited: until a cache has listed, reads of its resource go to etcd; the promise only
  // resolves (a failed list retries inside the cache).
  for (const r of RESOURCES) if (isStored(r)) void storage.cacheResource(`/registry/${r.resource}/`);
  const modes = parseAuthorizationModes(opts.authorizationMode ?? 'AlwaysAllow');
  // The node graph, fed by this apiserver's own watches of pods and volumes (Node mode).
  const nodeGraph = modes.includes('Node') ? new NodeGraph() : undefined;
  const escalation: EscalationHolder = {};
  // Pod security reads namespaces through their registry, made with the others.
  const psa: { admit?: Admission } = {};
  const nodeRestriction: { plugin?: NodeRestriction } = {};
  const defaultTolerations = defaultTolerationSecondsAdmission(opts.defaultTolerationSeconds);
  // LimitRanger and ResourceQuota read their kinds through the registries made below.
  const reg: { r?: Registries } = {};
  const limitRanger = limitRangerAdmission(() => reg.r?.byResource.get('limitranges'));
  const quota = new ResourceQuotaAdmission(() => reg.r?.byResource.get('resourcequotas'));
  const admission: Admission = async (kind, obj, ctx, old) => {
    await nodeRestriction.plugin?.admit(kind, obj, ctx, old);
    // Mutating before validating, as upstream's admission chain: pod security sees the added tolerations.
    await defaultTolerations(kind, obj, ctx, old);
    await limitRanger(kind, obj, ctx, old);
    if (psa.admit) await psa.admit(kind, obj, ctx, old);
  };
  const registries = buildRegistries(storage, {
    serviceCIDR,
    nodePortRange: opts.nodePortRange ?? '30000-32767',
    serviceAccountAdmission: !!opts.serviceAccounts,
    escalation,
    admission,
    validatingAdmission: quota.admit,
    quorumReads: opts.quorumReads ?? false,
  });
  reg.r = registries;
  psa.admit = podSecurityAdmission(registries.namespaces, opts.podSecurityDefault ?? 'privileged');
  // NodeRestriction runs with the node authorizer (upstream enables both together).
  if (nodeGraph) nodeRestriction.plugin = new NodeRestriction(registries);
  const rbacMode = modes.includes('RBAC');
  const rbac = new RBACAuthorizer();
  const authorizer = modes.includes('AlwaysAllow')
    ? alwaysAllow
    : unionAuthorizer([mastersAuthorizer, ...(nodeGraph ? [new NodeAuthorizer(nodeGraph)] : []), ...(opts.authorizers ?? []), ...(rbacMode ? [rbac] : [])]);
  escalation.deps = { authorizer, rbac };
  const reviewDeps = { authorizer, rbac };
  const metrics = new ApiMetrics();
  // Caps not given are derived from the total, given or sized from the descriptor limit.
  const limits: ConnectionLimits = { ...defaultConnectionLimits(undefined, opts.connectionLimits?.maxConnections), ...opts.connectionLimits };
  if (limits.maxConnectionsPerAddress > limits.maxConnections) limits.maxConnectionsPerAddress = limits.maxConnections;
  const guard = new ConnectionGuard(limits, !!opts.tls);
  const summaries = new KubeletSummaries(kubeletCreds, 5000, 5000, log);
  const saTokens = opts.serviceAccounts
    ? new ServiceAccountTokens(registries, {
        keys: signingKeysFromPem(opts.serviceAccounts.signingKey, opts.serviceAccounts.publicKeys ?? []),
        issuer: opts.serviceAccounts.issuer || DEFAULT_SERVICE_ACCOUNT_ISSUER,
        apiAudiences: opts.serviceAccounts.apiAudiences,
      })
    : undefined;
  const adminToken = opts.token ? staticTokenAuthenticator(opts.token, ADMIN_USER) : undefined;
  // TokenReview asks the token authenticators: the admin token's (audience-agnostic) and the service accounts'.
  const tokenAuthenticators: TokenAuthenticator[] = [
    ...(opts.token ? [staticTokenReviewer(opts.token, ADMIN_USER, saTokens?.apiAudiences ?? [])] : []),
    ...(saTokens ? [(t: string, auds: string[] | undefined) => saTokens.authenticate(t, auds)] : []),
  ];
  const handler = new ResourceHandler({
    ...(saTokens
      ? {
          tokenRequest: async (ns: string, name: string, body: KubeObject, user: UserInfo | undefined) => {
            await nodeRestriction.plugin?.admitTokenRequest(user, ns, name, body);
            return (await saTokens.issue(ns, name, body)) as unknown as KubeObject;
          },
        }
      : {}),
    tokenReview: async (body) => (await reviewToken(body, tokenAuthenticators)) as unknown as KubeObject,
    registries,
    computed: (req, res, p) => serveMetrics({ registries, summaries }, req, res, p),
    watchCounters: metrics,
    admitLongRunning: (req) => guard.admitLongRunning(req.raw.socket),
    streaming: async (req, res, p) => {
      if (p.subresource !== 'log' || req.method !== 'GET') {
        // As upstream: options, pod and container are checked first, then the missing upgrade.
        if (p.subresource === 'exec' || p.subresource === 'attach' || p.subresource === 'portforward') {
          await kubeletTarget(registries, p.namespace!, p.name!, p.subresource, new URL(req.url, 'http://x').searchParams);
          throw badRequest('Upgrade request required');
        }
        throw badRequest(`${p.subresource} needs a connection upgrade (WebSocket or SPDY)`);
      }
      await proxyLog(registries, req, res, p.namespace!, p.name!, kubeletCreds);
    },
    reviews: (p, body, user) => {
      if (p.info.resource === 'selfsubjectreviews') return selfSubjectReview(body, user);
      if (p.info.resource === 'selfsubjectrulesreviews') return rulesReview(reviewDeps, body, user);
      return accessReview(reviewDeps, p.info.kind, body, user, p.namespace);
    },
  });

  const proxyDeps: ProxyDeps = { registries, kubeletCreds };

  let ready = false;
  let serverAddress = '';
  let health: EtcdHealth | undefined;
  const nonResource = nonResourceServer({
    metrics,
    checkStorage: async () => {
      // An active alarm (NOSPACE) fails readiness with what to do, before writes fail one by one.
      health?.check();
      await storage.currentRevision();
    },
    ready: () => ready,
    serverAddress: () => serverAddress,
  });
  const bootstrapTokens = opts.enableBootstrapTokenAuth ? [bootstrapTokenAuthenticator(bootstrapSecretGetter(registries), Date.now, log)] : [];
  const tokenChain = [...(adminToken ? [adminToken] : []), ...(opts.authenticators ?? []), ...bootstrapTokens, ...(saTokens ? [saTokens.authenticator()] : [])];
  const authRequired = tokenChain.length > 0;
  // The dashboard's session cookie, last: only where no other credential is sent (see ui/cookie-auth.ts).
  const sessions = new SessionStore();
  // A verified client certificate first, as upstream's x509 authenticator before the token ones.
  const certs = opts.clientCA && opts.tls ? [x509Authenticator(log)] : [];
  const authenticate = unionAuthenticator(authRequired ? [...certs, ...tokenChain, cookieAuthenticator(sessions)] : tokenChain);
  const authenticateBearer = unionAuthenticator(tokenChain);
  const dashboard: DashboardDeps = {
    assets: new StaticAssets(opts.dashboardDir ?? defaultAssetDir()),
    sessions,
    secure: !!opts.tls,
    // Sign-in: the token as if sent in an Authorization header to the API; an invalid one (a
    // forged or expired service-account token throws) is simply not accepted.
    authenticateToken: async (token) => {
      if (!authRequired) return { username: 'system:anonymous', groups: ['system:unauthenticated'] } satisfies UserInfo;
      const probe = { raw: undefined as unknown as http.IncomingMessage, method: 'GET', path: '/api', url: '/api', query: {}, headers: { authorization: `Bearer ${token}` } } satisfies ApiRequest;
      return authenticateBearer(probe).catch(() => null);
    },
  };
  /**
   * Sets req.user (impersonated, when asked and allowed); false (a 401) when authentication is on,
   * the path is not public and no credential is recognised; throws the 403 of a request the
   * authorizers do not allow.
   */
  const authorized = async (req: ApiRequest): Promise<boolean> => {
    if (!authRequired) return true;
    const user = (await authenticate(req)) ?? undefined;
    if (!user) return PUBLIC_PATHS.has(req.path);
    req.user = impersonate(req, user, authorizer);
    const a = requestAttributes(req, req.user);
    const r = authorizer.authorize(a);
    if (r.decision !== 'allow') throw requestForbidden(a, r.reason);
    await nodeRestriction.plugin?.admitRequest(a);
    return true;
  };

  /** A resource request: the handler, with its metrics. */
  const serveResource = async (req: ApiRequest, res: http.ServerResponse, route: ResourceRoute) => {
    const info: RequestInfo = { verb: req.method.toLowerCase(), resource: '' };
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      metrics.observe(info.verb, info.resource, info.subresource ?? '', res.statusCode, Number(process.hrtime.bigint() - start) / 1e9);
    });
    try {
      await handler.handle(req, res, route, info);
    } catch (err) {
      sendError(res, err);
    }
  };

  // Every request: its connection marked busy, authentication, then resources (the hot
  // path) or the few other paths; anything else is a 404 Status.
  const listener = (raw: http.IncomingMessage, res: http.ServerResponse) => {
    res.once('close', guard.requestStarted(raw.socket));
    const req = apiRequest(raw);
    const serve = async () => {
      if (isDashboardPath(req.path)) return serveDashboard(dashboard, req, res);
      if (!(await authorized(req))) throw unauthorized();
      const proxy = proxyRouteOf(req.path);
      if (proxy) return serveProxy(proxyDeps, req, res, proxy);
      const route = resourceRouteOf(req.path);
      if (route) return serveResource(req, res, route);
      if (!(await nonResource(req, res))) throw notFoundPath(req.path);
    };
    serve().catch((err: unknown) => sendError(res, err));
  };
  const wss = new WebSocketServer({ noServer: true });
  const newServer = () => {
    // Client certificates are asked for, not required: token clients send none (a bad one is simply not an identity).
    const tlsOpts = opts.tls ? { cert: opts.tls.cert, key: opts.tls.key, ...(opts.clientCA ? { ca: opts.clientCA, requestCert: true, rejectUnauthorized: false } : {}) } : undefined;
    const s = tlsOpts ? https.createServer(tlsOpts, listener) : http.createServer(listener);
    guard.attach(s);
    // Upgrades (WebSocket watches; exec/attach/port-forward over WebSocket or SPDY) take the same route.
    s.on('upgrade', (raw: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      void upgrade(raw, socket, head);
    });
    return s;
  };
  const server = newServer();
  const upgrade = async (raw: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const req = apiRequest(raw);
    try {
      if (req.path === '/ui/watch') {
        // Authenticated here, each watch authorized on its own (ui/watch-mux.ts).
        const user = authRequired ? await authenticate(req) : undefined;
        if (authRequired && !user) throw unauthorized();
        socket.once('close', guard.admitLongRunning(raw.socket));
        wss.handleUpgrade(raw, socket, head, (ws) => serveWatchMux({ handler, authorizer: authRequired ? authorizer : undefined }, raw, ws, user ?? undefined));
        return;
      }
      if (!(await authorized(req))) throw unauthorized();
      const proxy = proxyRouteOf(req.path);
      if (proxy) {
        socket.once('close', guard.admitLongRunning(raw.socket));
        await serveProxyUpgrade(proxyDeps, req, socket, head, proxy);
        return;
      }
      const route = resourceRouteOf(req.path);
      if (!route) throw notFoundPath(req.path);
      const p = parseResourcePath(route.group, route.version, route.segs, req.path);
      if (p.info.resource === 'pods' && p.name && p.namespace && ['exec', 'attach', 'portforward'].includes(p.subresource ?? '')) {
        socket.once('close', guard.admitLongRunning(raw.socket));
        proxyUpgrade(registries, raw, socket, head, p.namespace, p.name, p.subresource as StreamingSubresource, kubeletCreds).catch((err) => {
          endSocketWithStatus(socket, err);
        });
        return;
      }
      if (p.name !== undefined) throw notFoundPath(req.path);
      // Parameters are checked before the upgrade, so a bad watch is an HTTP 4xx Status.
      const reg = handler.registryFor(p);
      const prepared = handler.prepareWatch(req, p);
      socket.once('close', guard.admitLongRunning(raw.socket));
      wss.handleUpgrade(raw, socket, head, (ws) => {
        handler.watch(prepared, reg, p, wsTransport(ws)).catch((err) => {
          ws.close(1011, String((err as Error).message).slice(0, 120));
        });
      });
    } catch (err) {
      endSocketWithStatus(socket, err);
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 6443, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  serverAddress = `${host}:${port}`;
  const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  // The listener for pods, on an address only the node and its pods route to (the pod bridge's).
  const podServer = opts.advertiseAddress && opts.advertiseAddress !== host ? newServer() : undefined;
  const podListening = podServer ? listenWhenAddressExists(podServer, opts.advertiseAddress!, port, log) : undefined;

  let compactor: Compactor | undefined;
  const endpointIP = (() => {
    const a = opts.advertiseAddress ?? host;
    return a === '0.0.0.0' ? '127.0.0.1' : a;
  })();
  const masterLeases = new MasterLeases({ endpoints: opts.etcdEndpoints, ...(opts.etcdTLS ? { tls: opts.etcdTLS } : {}), prefix: opts.etcdPrefix, ttlSeconds: opts.masterLeaseTtlSeconds ?? 15 });
  // CRDs: names, conditions, serving their resources, deleting them with the CRD.
  const crdController = new CRDController({ registries, cache: (prefix) => void storage.cacheResource(prefix), log });
  const kubernetesEndpoints = new KubernetesEndpointsReconciler({ registries, leases: masterLeases, ip: endpointIP, port, intervalMs: opts.endpointReconcileIntervalMs, log });
  try {
    await rbac.start(registries);
    await nodeGraph?.start(registries);
    await crdController.start();
    if (rbacMode) await ensureBootstrapPolicy(registries, log);
    await bootstrap(registries, { port, log, serviceAccounts: !!opts.serviceAccounts });
    // The Service's endpoints: every live apiserver's address, this one's included before it is ready.
    await kubernetesEndpoints.start();

    ready = true;
    compactor = startCompactor(etcd, opts.compactionIntervalMs ?? 5 * 60_000, 1000, (err) => log(`compaction: ${(err as Error).message}`));
    health = startEtcdHealth({
      endpoints: opts.etcdEndpoints,
      tls: opts.etcdTLS,
      quotaBytes: opts.etcdQuotaBytes ?? 0,
      intervalMs: opts.etcdHealthIntervalMs,
      defragIntervalMs: opts.etcdDefragIntervalMs,
      registry: metrics.registry,
      log,
      // Seen by `kubectl get events` before writes start to fail, not only in the apiserver's log.
      onNearFull: (message) => {
        const now = new Date().toISOString();
        const event = {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `etcd-space-low.${Date.now().toString(16)}`, namespace: 'default' },
          involvedObject: { apiVersion: 'v1', kind: 'Namespace', name: 'default' },
          reason: 'EtcdSpaceLow',
          message,
          type: 'Warning',
          source: { component: 'kube-apiserver' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        };
        registries.byResource
          .get('events')
          ?.create({ namespace: 'default', fieldManager: 'kube-apiserver', dryRun: false }, event)
          .catch((err: unknown) => log(`etcd space event: ${(err as Error).message}`));
      },
    });
  } catch (err) {
    rbac.stop();
    nodeGraph?.stop();
    crdController.stop();
    server.close();
    podListening?.cancel();
    podServer?.close();
    await kubernetesEndpoints.stop().catch(() => undefined);
    masterLeases.close();
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
      health?.stop();
      rbac.stop();
      nodeGraph?.stop();
      crdController.stop();
      // Out of the kubernetes Service first, while etcd is still reachable.
      await kubernetesEndpoints.stop();
      masterLeases.close();
      for (const ws of wss.clients) ws.terminate();
      podListening?.cancel();
      for (const s of [server, ...(podServer ? [podServer] : [])]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await storage.close();
    },
  };
}

/** Listen on host:port, retrying each second while the address does not exist yet (EADDRNOTAVAIL). */
function listenWhenAddressExists(server: http.Server, host: string, port: number, log: (m: string) => void): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let said = false;
  const attempt = () => {
    if (cancelled) return;
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (cancelled) return;
      if (err.code !== 'EADDRNOTAVAIL') {
        log(`listener for pods on ${host}:${port}: ${err.message}; retrying`);
      } else if (!said) {
        log(`listener for pods: waiting for address ${host} to exist`);
        said = true;
      }
      timer = setTimeout(attempt, 1000);
      timer.unref();
    };
    const onListening = () => {
      server.off('error', onError);
      log(`listening for pods on ${host}:${port}`);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  };
  attempt();
  return {
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
    },
  };
}
