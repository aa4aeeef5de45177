// Joins Services and Endpoints into the flat list of service ports the rule
// renderer works on: one entry per (service, port, protocol), with its ready
// endpoints resolved by port name, and its chain names already computed.

import type { Endpoints, Service, ServicePort } from '../api/core.js';
import type { ChainNames } from './chains.js';

/** kube-proxy's default ClientIP affinity timeout (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export interface EndpointInfo {
  ip: string;
  port: number;
  /** KUBE-SEP-<hash> */
  chain: string;
}

export interface ServicePortInfo {
  /** "ns/name" or "ns/name:port", as kube-proxy's ServicePortName.String(). */
  name: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  clusterIP: string;
  port: number;
  nodePort?: number;
  externalIPs: string[];
  /** Set when sessionAffinity is ClientIP. */
  affinityTimeoutSeconds?: number;
  /** KUBE-SVC-<hash> */
  chain: string;
  /** Ready endpoints, sorted by IP then port, without duplicates. */
  endpoints: EndpointInfo[];
}

const isIPv4 = (ip: string | undefined): ip is string => !!ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

function ipKey(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function key(namespace: string | undefined, name: string | undefined): string {
  return `${namespace || 'default'}/${name ?? ''}`;
}

/** Ready endpoints ("ip:port") of one service port, matched by port name and protocol. */
function endpointsFor(ep: Endpoints | undefined, sp: ServicePort): { ip: string; port: number }[] {
  const out = new Map<string, { ip: string; port: number }>();
  const wantName = sp.name ?? '';
  const wantProto = sp.protocol ?? 'TCP';
  for (const subset of ep?.subsets ?? []) {
    const port = (subset.ports ?? []).find((p) => (p.name ?? '') === wantName && (p.protocol ?? 'TCP') === wantProto);
    if (!port) continue;
    for (const addr of subset.addresses ?? []) {
      if (!isIPv4(addr.ip)) continue;
      out.set(`${addr.ip}:${port.port}`, { ip: addr.ip, port: port.port });
    }
  }
  return [...out.values()].sort((a, b) => ipKey(a.ip) - ipKey(b.ip) || a.port - b.port);
}

/** The service ports of one Service (none for headless/ExternalName), with `ep` its Endpoints. */
export function servicePortsOf(svc: Service, ep: Endpoints | undefined, names: ChainNames): ServicePortInfo[] {
  const spec = svc.spec ?? {};
  // Headless and ExternalName services have no virtual IP to program.
  if (spec.type === 'ExternalName' || !isIPv4(spec.clusterIP)) return [];
  const svcKey = serviceKey(svc);
  const withNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const affinity =
    spec.sessionAffinity === 'ClientIP'
      ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS
      : undefined;
  const out: ServicePortInfo[] = [];
  for (const sp of spec.ports ?? []) {
    const protocol = (sp.protocol ?? 'TCP').toLowerCase() as ServicePortInfo['protocol'];
    const name = sp.name ? `${svcKey}:${sp.name}` : svcKey;
    out.push({
      name,
      protocol,
      clusterIP: spec.clusterIP,
      port: sp.port,
      nodePort: withNodePorts && sp.nodePort ? sp.nodePort : undefined,
      externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
      affinityTimeoutSeconds: affinity,
      chain: names.servicePort(name, protocol),
      endpoints: endpointsFor(ep, sp).map((e) => ({
        ...e,
        chain: names.endpoint(name, protocol, `${e.ip}:${e.port}`),
      })),
    });
  }
  return out;
}

/** "namespace/name" of a Service or Endpoints (they pair by it). */
export function serviceKey(o: { metadata: { namespace?: string; name?: string } }): string {
  return key(o.metadata.namespace, o.metadata.name);
}

/** Stable order of service ports: by name, then protocol. */
export function comparePorts(a: { name: string; protocol: string }, b: { name: string; protocol: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

/** Every service port that needs rules, in a stable order (by name, then protocol). */
export function servicePorts(services: Service[], endpoints: Endpoints[], names: ChainNames): ServicePortInfo[] {
  const byKey = new Map<string, Endpoints>();
  for (const ep of endpoints) byKey.set(serviceKey(ep), ep);
  const out: ServicePortInfo[] = [];
  for (const svc of services) out.push(...servicePortsOf(svc, byKey.get(serviceKey(svc)), names));
  return out.sort(comparePorts);
}
