// The proxy as a component (`hyperkube proxy`): informers on Services and
// Endpoints feed a Proxier; node setup runs first; /healthz and /metrics are
// served on a small HTTP listener. The first sync waits for both initial lists,
// so a restarted proxy adopts the rules a previous run left without a gap.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { Endpoints, Service } from '../api/core.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { ExecIptables, type Iptables } from './iptables.js';
import { setupNode, type NodeSetupOptions } from './node-setup.js';
import { Proxier } from './proxier.js';

export interface ProxyServerOptions {
  client: RestClient;
  /** Default: the host's iptables (or the netns's, when netns is set). */
  iptables?: Iptables;
  /** Run iptables and node setup inside this named network namespace (tests). */
  netns?: string;
  chainPrefix?: string;
  /** Pod network (default 10.244.0.0/16). */
  clusterCIDR?: string;
  /** Service network (default 10.96.0.0/12): routed locally, unknown VIPs refused. */
  serviceCIDR?: string;
  nodePortAddresses?: string[];
  minSyncIntervalMs?: number;
  /** Node setup (sysctls, service route); false to skip. Default: on, dummy-device route. */
  nodeSetup?: false | Pick<NodeSetupOptions, 'serviceRoute' | 'serviceDevice'>;
  /** Serve /healthz and /metrics here; port 0 = any free port. Absent: no listener. */
  healthz?: { host?: string; port: number };
  metricsRegistry?: Registry;
  log?: (message: string) => void;
}

export interface ProxyServer {
  proxier: Proxier;
  /** Base URL of the /healthz and /metrics listener, if any. */
  healthzUrl?: string;
  /** Stop watching and syncing. The rules stay unless cleanup is set (kube-proxy --cleanup). */
  stop(opts?: { cleanup?: boolean }): Promise<void>;
}

function serveHealth(proxier: Proxier, registry: Registry, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez') {
      const h = proxier.healthz();
      res.writeHead(h.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(h));
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
    } else {
      res.writeHead(404);
      res.end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export async function startProxy(opts: ProxyServerOptions): Promise<ProxyServer> {
  const log = opts.log ?? ((m: string) => console.log(`proxy: ${m}`));
  const serviceCIDR = opts.serviceCIDR ?? '10.96.0.0/12';
  const iptables = opts.iptables ?? new ExecIptables({ netns: opts.netns });
  if (opts.nodeSetup !== false) {
    const r = await setupNode({ serviceCIDR, netns: opts.netns, chainPrefix: opts.chainPrefix, iptables, ...(opts.nodeSetup ?? {}) });
    log(`node setup: ip_forward=${r.ipForward} route_localnet=${r.routeLocalnet} bridge-nf=${r.bridgeNetfilter} route "${r.serviceRoute}"`);
  }
  const registry = opts.metricsRegistry ?? new Registry();
  const proxier = new Proxier({
    iptables,
    chainPrefix: opts.chainPrefix,
    clusterCIDR: opts.clusterCIDR ?? '10.244.0.0/16',
    serviceCIDR,
    nodePortAddresses: opts.nodePortAddresses,
    minSyncIntervalMs: opts.minSyncIntervalMs,
    metricsRegistry: registry,
    log,
  });

  const onError = (err: unknown) => log(`informer: ${err instanceof Error ? err.message : String(err)}`);
  const services = new Informer<Service>(opts.client, 'services', { onError });
  const endpoints = new Informer<Endpoints>(opts.client, 'endpoints', { onError });
  // Events before the initial lists land only fill the proxier's maps; the
  // lists below replace them and allow the first sync.
  services
    .on('add', (s) => proxier.updateService('ADDED', s))
    .on('update', (_o, s) => proxier.updateService('MODIFIED', s))
    .on('delete', (s) => proxier.updateService('DELETED', s));
  endpoints
    .on('add', (e) => proxier.updateEndpoints('ADDED', e))
    .on('update', (_o, e) => proxier.updateEndpoints('MODIFIED', e))
    .on('delete', (e) => proxier.updateEndpoints('DELETED', e));

  let health: http.Server | undefined;
  try {
    await Promise.all([services.start(), endpoints.start()]);
    proxier.onServices(services.store.list());
    proxier.onEndpoints(endpoints.store.list());
    if (opts.healthz) health = await serveHealth(proxier, registry, opts.healthz.host ?? '127.0.0.1', opts.healthz.port);
  } catch (err) {
    await Promise.all([services.stop(), endpoints.stop(), proxier.stop()]);
    throw err;
  }
  const addr = health?.address() as AddressInfo | undefined;

  return {
    proxier,
    healthzUrl: addr ? `http://${addr.address}:${addr.port}` : undefined,
    async stop(stopOpts = {}) {
      await Promise.all([services.stop(), endpoints.stop()]);
      if (health) await new Promise<void>((r) => health.close(() => r()));
      if (stopOpts.cleanup) await proxier.cleanup();
      else await proxier.stop();
    },
  };
}
