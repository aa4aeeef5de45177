// The endpoints of the `kubernetes` Service with several apiservers: upstream's lease
// endpoint reconciler. Every interval (10 s) each apiserver refreshes its master lease
// and, when default/kubernetes's Endpoints or EndpointSlice do not list exactly the
// live apiservers' addresses (sorted) with its port, rewrites them. A graceful stop
// drops its own lease and rewrites them without itself; a crashed apiserver drops out
// once its lease expires (TTL 15 s) and another one reconciles.

import { isIPv6 } from 'node:net';
import type { Endpoints } from '../api/core.js';
import type { EndpointSlice } from '../api/discovery.js';
import { deepEqual } from '../api/deep-equal.js';
import { ApiError } from './errors.js';
import type { Registry } from './registry/generic.js';
import type { Registries } from './registry/index.js';
import type { RequestContext } from './registry/strategy.js';
import type { MasterLeases } from './storage/master-leases.js';

export const KUBERNETES = 'kubernetes';
const SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
const SERVICE_NAME = 'kubernetes.io/service-name';

export interface KubernetesEndpointsOptions {
  registries: Registries;
  leases: MasterLeases;
  /** This apiserver's address as pods reach it (--advertise-address). */
  ip: string;
  port: number;
  /** Upstream's EndpointInterval: 10 s. */
  intervalMs?: number;
  log: (m: string) => void;
}

/** The Endpoints the live addresses call for. */
export function kubernetesEndpoints(ips: string[], port: number): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: KUBERNETES, namespace: 'default', labels: { [SKIP_MIRROR]: 'true' } },
    subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  };
}

/** The EndpointSlice the same addresses call for (upstream's EndpointsAdapter: same name, service-name label, all ready). */
export function kubernetesEndpointSlice(ips: string[], port: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: KUBERNETES, namespace: 'default', labels: { [SERVICE_NAME]: KUBERNETES } },
    addressType: ips.length > 0 && ips.every((ip) => isIPv6(ip)) ? 'IPv6' : 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}

const ctx: RequestContext = { namespace: 'default', fieldManager: 'kube-apiserver', dryRun: false };

/** The stored object, or undefined when there is none. */
async function getIfExists<T>(reg: Registry, name: string): Promise<T | undefined> {
  try {
    return (await reg.get('default', name)) as unknown as T;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

export class KubernetesEndpointsReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: KubernetesEndpointsOptions) {}

  /**
   * The first reconcile (awaited: the Service normally has endpoints when the apiserver is ready;
   * a failure, etcd briefly unreachable, is logged and retried at the next interval), then one every interval.
   */
  async start(): Promise<void> {
    const pass = () => this.reconcile(true).catch((err: unknown) => this.o.log(`kubernetes endpoints: ${err instanceof Error ? err.message : String(err)}`));
    await pass();
    this.timer = setInterval(() => {
      this.running = this.running.then(pass);
    }, this.o.intervalMs ?? 10_000);
    this.timer.unref?.();
  }

  /** Stop reconciling, drop this apiserver's lease and rewrite the endpoints without it (best effort). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    try {
      await this.o.leases.remove(this.o.ip);
      await this.reconcile(false);
    } catch (err) {
      this.o.log(`kubernetes endpoints at stop: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async reconcile(self: boolean): Promise<void> {
    if (self && this.stopped) return;
    if (self) await this.o.leases.update(this.o.ip);
    const live = new Set(await this.o.leases.list());
    if (self) live.add(this.o.ip);
    else live.delete(this.o.ip);
    const ips = [...live].sort();
    // As upstream: never erase every address (the last apiserver stopping leaves its own).
    if (!ips.length) return;
    await this.writeEndpoints(kubernetesEndpoints(ips, this.o.port));
    await this.writeSlice(kubernetesEndpointSlice(ips, this.o.port));
  }

  private async writeEndpoints(want: Endpoints): Promise<void> {
    const reg = this.o.registries.byResource.get('endpoints')!;
    const cur = await getIfExists<Endpoints>(reg, KUBERNETES);
    if (cur && deepEqual(cur.subsets ?? [], want.subsets) && cur.metadata.labels?.[SKIP_MIRROR] === 'true') return;
    await reg.update(ctx, KUBERNETES, want as unknown as Parameters<typeof reg.update>[2]);
  }

  private async writeSlice(want: EndpointSlice): Promise<void> {
    const reg = this.o.registries.get('discovery.k8s.io', 'endpointslices')!;
    const same = (s: EndpointSlice) => s.addressType === want.addressType && deepEqual(s.endpoints ?? [], want.endpoints) && deepEqual(s.ports ?? [], want.ports) && s.metadata.labels?.[SERVICE_NAME] === KUBERNETES;
    const cur = await getIfExists<EndpointSlice>(reg, KUBERNETES);
    if (cur && same(cur)) return;
    await reg.guaranteedUpdate(
      ctx,
      KUBERNETES,
      (c) => ({ ...c, metadata: { ...c.metadata, labels: { ...(c.metadata.labels ?? {}), [SERVICE_NAME]: KUBERNETES } }, addressType: want.addressType, endpoints: want.endpoints, ports: want.ports }),
      { createIfMissing: () => want as unknown as Parameters<typeof reg.create>[1] },
    );
  }
}
