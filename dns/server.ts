// The cluster DNS as a component (`hyperkube dns`): informers on Namespaces,
// Services and Endpoints feed the index; the handler answers the cluster
// domain from it and forwards the rest; UDP and TCP listeners on one address
// (the node's pod-bridge gateway in `up`, never a wildcard address); the
// kube-system/kube-dns Service and its Endpoints kept pointing here; metrics
// for Prometheus on the same address.

import http from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
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
  /** /metrics on host:metricsPort (default 9153; 0 = any free port; false = none). */
  metricsPort?: number | false;
  /** Binding the address is retried this long (the bridge may appear after us). Default 60 s. */
  bindRetryMs?: number;
  log?: (m: string) => void;
}

export interface DnsServer {
  host: string;
  port: number;
  metricsUrl?: string;
  index: ClusterIndex;
  handler: DnsHandler;
  upstreams: Upstream[];
  stop(): Promise<void>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

async function bindWithRetry<T>(what: () => Promise<T>, retryMs: number): Promise<T> {
  const deadline = Date.now() + retryMs;
  for (;;) {
    try {
      return await what();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
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
  const requests = new Counter({ name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per zone, protocol and family.', labelNames: ['proto'], registers: [registry] });
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
    requests.inc({ proto: udp ? 'udp' : 'tcp' });
    return handler.handle(msg, udp);
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
  const stopAll = async () => {
    await Promise.all([namespaces.stop(), services.stop(), endpoints.stop()]);
    await listeners?.close();
    if (metrics) await new Promise<void>((r) => metrics!.close(() => r()));
    forwarder.close();
  };
  try {
    // Listen first: until the lists are in, cluster names get SERVFAIL (not a false NXDOMAIN).
    listeners = await bindWithRetry(() => listen(handle, { host: opts.host, port }), opts.bindRetryMs ?? 60_000);
    await Promise.all([namespaces.start(), services.start(), endpoints.start()]);
    synced = true;
    index.generation++;
    if (opts.metricsPort !== false) metrics = await serveMetrics(registry, opts.host, opts.metricsPort ?? METRICS_PORT);
    if (opts.serviceCIDR) {
      const metricsPort = metrics ? (metrics.address() as { port: number }).port : undefined;
      await ensureKubeDns(opts.client, { clusterIP: clusterDnsIP(opts.serviceCIDR), listenIP: opts.host, dnsPort: listeners.port, metricsPort, log });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  log(`serving ${zone} on ${opts.host}:${listeners.port} (udp, tcp); forwarding to ${upstreams.map((u) => `${u.host}:${u.port}`).join(', ') || 'nothing (SERVFAIL)'}`);
  const m = metrics?.address() as { port: number } | undefined;
  return {
    host: opts.host,
    port: listeners.port,
    metricsUrl: m ? `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${m.port}` : undefined,
    index,
    handler,
    upstreams,
    stop: stopAll,
  };
}
