// Deterministic synthetic Services + Endpoints for golden files and the
// benchmark: service i gets ClusterIP from the given /16 and `perService`
// endpoints from 10.244.0.0/16, all on one named TCP port.

import type { Endpoints, Service } from '../api/core.js';

export interface SyntheticOptions {
  services: number;
  endpointsPerService: number;
  namespace?: string;
  /** First two octets of the ClusterIPs, default "10.96". */
  serviceNet?: string;
  /** First two octets of the endpoint IPs, default "10.244". */
  podNet?: string;
}

function ip(net: string, i: number): string {
  return `${net}.${(i >> 8) & 255}.${i & 255}`;
}

export function syntheticService(i: number, opts: SyntheticOptions): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: opts.namespace ?? 'bench', name: `svc-${i}` },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip(opts.serviceNet ?? '10.96', i + 1),
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
    },
  };
}

/** Endpoints of service i; `generation` shifts the addresses so each call can yield a new set. */
export function syntheticEndpoints(i: number, opts: SyntheticOptions, generation = 0): Endpoints {
  const k = opts.endpointsPerService;
  const addresses = [];
  for (let j = 0; j < k; j++) addresses.push({ ip: ip(opts.podNet ?? '10.244', ((i * k + j + generation * 7919) % 65534) + 1) });
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { namespace: opts.namespace ?? 'bench', name: `svc-${i}` },
    subsets: [{ addresses, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  };
}

export function syntheticCluster(opts: SyntheticOptions): { services: Service[]; endpoints: Endpoints[] } {
  const services: Service[] = [];
  const endpoints: Endpoints[] = [];
  for (let i = 0; i < opts.services; i++) {
    services.push(syntheticService(i, opts));
    endpoints.push(syntheticEndpoints(i, opts));
  }
  return { services, endpoints };
}
