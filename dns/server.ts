// The cluster DNS as a component (`hyperkube dns`): informers on Namespaces,
// Services and Endpoints feed the index; the handler answers the cluster
// domain from it and forwards the rest; UDP and TCP listeners on one address
// (the node's pod-bridge gateway in `up`, never a wildcard address); the
// kube-system/kube-dns Service and its Endpoints kept pointing here; metrics
// for Prometheus on the same address.

import http from 'node:http';
import { Gauge, Registry } from 'prom-client';
import type { Endpoints, Namespace, Service } from '../api/core.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { ClusterIndex } from './cluster-index.js';
import { Forwarder } from './forwarder.js';
import { DnsHandler } from './handler.js';
import { clusterDnsIP, ensureKubeDns, METRICS_PORT } from './kube-dns-service.js';
import { listen, type Listeners } from './listeners.js';
import { upstreamsFrom, type Upstream } from './resolv-conf.js';
import { ZoneResolver } from './zone-answer.js';

export interface DnsServerOptions {
  client: RestClient;
  /** Default cluster.local. */
  clusterDomain?: string;
  /** Address to listen on (UDP and TCP); a wildcard address is refused. */
  host: string;
  /** Default 53; 0 = any free port (tests). */
  port?: number;
  /** Forward to these ("ip[:port]"); default: the nameservers of resolvConf. */
  upstream?: string[];
  resolvConf?: string;
  /** TTL of cluster answers (kubeadm's Corefile: 30). */
  ttl?: number;
  forwardTimeoutMs?: number;
  /** Keep Service kube-system/kube-dns on the 10th address of this range, its Endpoints on host:port. */
  serviceCIDR?: string;
  /** The kube-dns ClusterIP when it is not the 10th address of serviceCIDR (--cluster-dns). */
  clusterIP?: string;
  /** /metrics on host:metricsPort (default 9153; 0 = any free port; false = none). */
  metricsPort?: number | false;
  /** Wait for the address to exist before start() returns (default true); false: bind in the background. */
  waitForAddress?: boolean;
  log?: (m: string) => void;
}

export interface DnsServer {
  host: string;
  /** The port asked for until bound (0 = not known yet); the bound port after. */
  port: number;
  /** Resolves when the sockets are bound. */
  listening: Promise<void>;
  metricsUrl?: string;
  index: ClusterIndex;
  handler: DnsHandler;
  upstreams: Upstream[];
  stop(): Promise<void>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * Binds now if the address exists, else keeps trying in the background (the kubelet makes the pod
 * bridge, and with it the address, when it starts its first pod). Resolves once bound.
 */
function bindWhenAvailable(bind: () => Promise<Listeners>, stopped: () => boolean, log: (m: string) => void): Promise<Listeners | undefined> {
  let told = false;
  const attempt = async (): Promise<Listeners | undefined> => {
    for (;;) {
      if (stopped()) return undefined;
      try {
        return await bind();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL') throw err;
        if (!told) log('the listen address does not exist yet (no pod bridge?): binding as soon as it does');
        told = true;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  return attempt();
}

function serveMetrics(registry: Registry, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    } else if (path === '/health' || path === '/ready') res.writeHead(200).end('OK');
    else res.writeHead(404).end('404 page not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export async function startDns(opts: DnsServerOptions): Promise<DnsServer> {
  const log = opts.log ?? ((m: string) => console.log(`dns: ${m}`));
  if (WILDCARDS.has(opts.host)) throw new Error(`dns: refusing to listen on the wildcard address "${opts.host}": give the node's pod-bridge address`);
  const zone = (opts.clusterDomain ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
  const port = opts.port ?? 53;
  const index = new ClusterIndex();
  let synced = false;
  const upstreams = upstreamsFrom({ upstream: opts.upstream, resolvConf: opts.resolvConf, self: { host: opts.host, port } });
  const forwarder = new Forwarder({ upstreams, timeoutMs: opts.forwardTimeoutMs });
  const resolver = new ZoneResolver(index, { zone, ttl: opts.ttl ?? 30, synced: () => synced, lookup: async (name, type) => (await forwarder.resolve(name, type))?.answers ?? [] });
  const handler = new DnsHandler({ zone, index, resolver, forwarder });

  const registry = new Registry();
  // Plain counters on the query path; Prometheus reads them when scraped.
  const counts = { udp: 0, tcp: 0 };
  new Gauge({
    name: 'coredns_dns_requests_total',
    help: 'Counter of DNS requests made per protocol.',
    labelNames: ['proto'],
    registers: [registry],
    collect() {
      this.set({ proto: 'udp' }, counts.udp);
      this.set({ proto: 'tcp' }, counts.tcp);
    },
  });
  new Gauge({
    name: 'coredns_dns_responses_total',
    help: 'Counter of response status codes.',
    labelNames: ['rcode'],
    registers: [registry],
    collect() {
      for (const [rcode, n] of Object.entries(handler.stats.byRcode)) this.set({ rcode }, n);
    },
  });
  const handle = (msg: Buffer, udp: boolean) => {
    if (udp) counts.udp++;
    else counts.tcp++;
    return handler.handle(msg, udp);
  };
  const fast = (msg: Buffer, udp: boolean) => {
    const out = handler.cached(msg, udp);
    if (out) counts.udp++;
    return out;
  };

  const onError = (err: unknown) => log(`informer: ${err instanceof Error ? err.message : String(err)}`);
  const namespaces = new Informer<Namespace>(opts.client, 'namespaces', { onError });
  const services = new Informer<Service>(opts.client, 'services', { onError });
  const endpoints = new Informer<Endpoints>(opts.client, 'endpoints', { onError });
  namespaces.on('add', (o) => index.setNamespace(o, true)).on('update', (_o, n) => index.setNamespace(n, true)).on('delete', (o) => index.setNamespace(o, false));
  services.on('add', (o) => index.setService(o, true)).on('update', (_o, n) => index.setService(n, true)).on('delete', (o) => index.setService(o, false));
  endpoints.on('add', (o) => index.setEndpoints(o, true)).on('update', (_o, n) => index.setEndpoints(n, true)).on('delete', (o) => index.setEndpoints(o, false));

  let listeners: Listeners | undefined;
  let metrics: http.Server | undefined;
  let stopped = false;
  const stopAll = async () => {
    stopped = true;
    await Promise.all([namespaces.stop(), services.stop(), endpoints.stop()]);
    await bound.catch(() => undefined);
    await listeners?.close();
    if (metrics) await new Promise<void>((r) => metrics!.close(() => r()));
    forwarder.close();
  };
  const server: DnsServer = { host: opts.host, port, listening: Promise.resolve(), index, handler, upstreams, stop: stopAll };
  const bound = bindWhenAvailable(() => listen(handle, { host: opts.host, port }, fast), () => stopped, log).then(async (l) => {
    if (!l) return;
    listeners = l;
    server.port = l.port;
    if (opts.metricsPort !== false) {
      metrics = await serveMetrics(registry, opts.host, opts.metricsPort ?? METRICS_PORT);
      const m = metrics.address() as { port: number };
      server.metricsUrl = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${m.port}`;
    }
    log(`serving ${zone} on ${opts.host}:${l.port} (udp, tcp); forwarding to ${upstreams.map((u) => `${u.host}:${u.port}`).join(', ') || 'nothing (SERVFAIL)'}`);
  });
  server.listening = bound.then(() => undefined);
  try {
    if (opts.waitForAddress !== false) await bound;
    else bound.catch((err: Error) => log(`listening on ${opts.host}:${port} failed: ${err.message}`));
    // Until the lists are in, cluster names get SERVFAIL (not a false NXDOMAIN).
    await Promise.all([namespaces.start(), services.start(), endpoints.start()]);
    synced = true;
    index.generation++;
    if (opts.serviceCIDR) {
      // The Endpoints name the port we will be on: with port 0 that is known only once bound.
      if (port === 0) await bound;
      const boundMetrics = (metrics?.address() as { port: number } | undefined)?.port;
      const metricsPort = opts.metricsPort === false ? undefined : opts.metricsPort === 0 ? boundMetrics : (opts.metricsPort ?? METRICS_PORT);
      await ensureKubeDns(opts.client, { clusterIP: opts.clusterIP || clusterDnsIP(opts.serviceCIDR), listenIP: opts.host, dnsPort: server.port, metricsPort, log });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return server;
}
