// What the DNS answers from: Services, Endpoints and Namespaces as small
// records keyed for the lookups a query needs (by namespace/name, by IP for
// PTR), rebuilt per object as the informers report changes. `generation`
// moves on every change so cached answers can be dropped at once.

import type { Endpoints, Namespace, Service } from '../api/core.js';
import { canonicalIP, endpointHostname } from './names.js';

export interface PortRecord {
  name: string;
  protocol: string;
  /** -1: the sentinel CoreDNS uses for an endpoint subset without ports (A records, no SRV). */
  port: number;
}

export interface ServiceRecord {
  namespace: string;
  name: string;
  kind: 'ClusterIP' | 'Headless' | 'ExternalName';
  clusterIPs: string[];
  externalName: string;
  ports: PortRecord[];
}

export interface EndpointRecord {
  ip: string;
  /** The label it answers under (hostname, else dashed IP). */
  hostname: string;
  ports: PortRecord[];
}

const key = (ns: string, name: string): string => `${ns}/${name}`;

function serviceRecord(s: Service): ServiceRecord | null {
  const ns = s.metadata?.namespace;
  const name = s.metadata?.name;
  if (!ns || !name) return null;
  const spec = s.spec ?? {};
  const ports = (spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port }));
  if (spec.type === 'ExternalName') return { namespace: ns, name, kind: 'ExternalName', clusterIPs: [], externalName: (spec.externalName ?? '').replace(/\.$/, ''), ports };
  const ips = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None').map(canonicalIP);
  const headless = spec.clusterIP === 'None' || ips.length === 0;
  return { namespace: ns, name, kind: headless ? 'Headless' : 'ClusterIP', clusterIPs: headless ? [] : ips, externalName: '', ports };
}

/** Ready addresses only (`subsets[].addresses`); publishNotReadyAddresses is the endpoints controller's business. */
function endpointRecords(e: Endpoints): EndpointRecord[] {
  const out: EndpointRecord[] = [];
  for (const sub of e.subsets ?? []) {
    const ports: PortRecord[] = (sub.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port }));
    if (ports.length === 0) ports.push({ name: '', protocol: '', port: -1 });
    for (const a of sub.addresses ?? []) {
      if (!a.ip) continue;
      const ip = canonicalIP(a.ip);
      out.push({ ip, hostname: endpointHostname(ip, a.hostname), ports });
    }
  }
  return out;
}

export class ClusterIndex {
  private readonly services = new Map<string, ServiceRecord>();
  private readonly endpoints = new Map<string, EndpointRecord[]>();
  private readonly namespaces = new Set<string>();
  /** ClusterIP → services; endpoint IP → "hostname.service.namespace" labels. */
  private readonly serviceByIP = new Map<string, Set<string>>();
  private readonly endpointByIP = new Map<string, Set<string>>();
  generation = 0;
  /** Unix seconds of the last change: the SOA serial. */
  serial = Math.floor(Date.now() / 1000);

  private touch(): void {
    this.generation++;
    this.serial = Math.floor(Date.now() / 1000);
  }

  setNamespace(ns: Namespace, present: boolean): void {
    const name = ns.metadata?.name;
    if (!name) return;
    if (present) this.namespaces.add(name);
    else this.namespaces.delete(name);
    this.touch();
  }

  setService(s: Service, present: boolean): void {
    const rec = serviceRecord(s);
    if (!rec) return;
    const k = key(rec.namespace, rec.name);
    const old = this.services.get(k);
    for (const ip of old?.clusterIPs ?? []) this.unindex(this.serviceByIP, ip, k);
    if (present) {
      this.services.set(k, rec);
      for (const ip of rec.clusterIPs) this.index(this.serviceByIP, ip, k);
    } else this.services.delete(k);
    this.touch();
  }

  setEndpoints(e: Endpoints, present: boolean): void {
    const ns = e.metadata?.namespace;
    const name = e.metadata?.name;
    if (!ns || !name) return;
    const k = key(ns, name);
    for (const r of this.endpoints.get(k) ?? []) this.unindex(this.endpointByIP, r.ip, `${r.hostname}.${name}.${ns}`);
    if (present) {
      const recs = endpointRecords(e);
      this.endpoints.set(k, recs);
      for (const r of recs) this.index(this.endpointByIP, r.ip, `${r.hostname}.${name}.${ns}`);
    } else this.endpoints.delete(k);
    this.touch();
  }

  private index(m: Map<string, Set<string>>, ip: string, v: string): void {
    let s = m.get(ip);
    if (!s) m.set(ip, (s = new Set()));
    s.add(v);
  }

  private unindex(m: Map<string, Set<string>>, ip: string, v: string): void {
    const s = m.get(ip);
    if (!s) return;
    s.delete(v);
    if (s.size === 0) m.delete(ip);
  }

  hasNamespace(ns: string): boolean {
    return this.namespaces.has(ns);
  }

  service(ns: string, name: string): ServiceRecord | undefined {
    return this.services.get(key(ns, name));
  }

  endpointsOf(ns: string, name: string): EndpointRecord[] {
    return this.endpoints.get(key(ns, name)) ?? [];
  }

  /**
   * PTR targets (without the zone) for an IP: the service owning it as a ClusterIP, else every
   * endpoint address with it (CoreDNS serviceRecordForIP).
   */
  reverse(ip: string): string[] {
    const svc = this.serviceByIP.get(ip);
    if (svc?.size) {
      const [ns, name] = [...svc][0].split('/');
      return [`${name}.${ns}.svc`];
    }
    return [...(this.endpointByIP.get(ip) ?? [])].map((l) => `${l}.svc`);
  }
}
