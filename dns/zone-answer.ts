// The answers for names in the cluster domain, as CoreDNS's kubernetes plugin
// gives them (handler.go ServeDNS and plugin/backend_lookup.go): which records
// a name has, and NXDOMAIN (the name does not exist) versus NODATA (NOERROR,
// no answer, the SOA in the authority section: the name exists, not with this
// type). Every answer is authoritative.

import { isIP } from 'node:net';
import type { Answer } from 'dns-packet';
import type { ClusterIndex } from './cluster-index.js';
import { labelsBelow, parseRequest, podLabelIP, type RecordRequest } from './names.js';

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';

export interface Reply {
  rcode: Rcode;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  authoritative: boolean;
}

/** A record a name resolves to: an address, or a name (CNAME) for ExternalName services. */
interface Rec {
  host: string;
  port: number;
  /** The owner name of the record inside the zone (SRV target), without the zone. */
  key: string;
}

/** Resolves a name outside the cluster (ExternalName targets); returns the answer records. */
export type ExternalLookup = (name: string, type: 'A' | 'AAAA') => Promise<Answer[]>;

export interface ZoneOptions {
  zone: string;
  ttl: number;
  /** false until the informers have listed: NXDOMAIN then becomes SERVFAIL (CoreDNS HasSynced). */
  synced: () => boolean;
  lookup?: ExternalLookup;
}

/** The TXT answer of dns-version.<zone> (kubernetes/dns specification schema version). */
export const DNS_SCHEMA_VERSION = '1.1.0';
const matchPort = (want: string, name: string): boolean => want === '' || want === name.toLowerCase();

function records(idx: ClusterIndex, r: RecordRequest): Rec[] | 'nx' {
  if (r.podOrSvc === '') return [];
  if (!idx.hasNamespace(r.namespace)) return 'nx';
  if (r.podOrSvc === 'pod') {
    // `pods insecure`: any well-formed dashed IP in an existing namespace.
    if (r.service === '') return [];
    if (r.endpoint || r.port || r.protocol) return 'nx';
    const ip = podLabelIP(r.service);
    return ip ? [{ host: ip, port: 0, key: `${r.service}.${r.namespace}.pod` }] : 'nx';
  }
  if (r.service === '') return [];
  const svc = idx.service(r.namespace, r.service);
  if (!svc) return 'nx';
  const svcKey = `${svc.name}.${svc.namespace}.svc`;
  if (svc.kind === 'ExternalName') {
    if (r.endpoint || r.port || r.protocol || !svc.externalName || isIP(svc.externalName)) return 'nx';
    return [{ host: svc.externalName, port: 0, key: svcKey }];
  }
  const out: Rec[] = [];
  let found = false;
  if (svc.kind === 'Headless' || r.endpoint) {
    for (const ep of idx.endpointsOf(svc.namespace, svc.name)) {
      if (r.endpoint && r.endpoint !== ep.hostname.toLowerCase()) continue;
      for (const p of ep.ports) {
        if (!matchPort(r.port, p.name) || !matchPort(r.protocol, p.protocol)) continue;
        found = true;
        out.push({ host: ep.ip, port: p.port, key: `${ep.hostname}.${svcKey}` });
      }
    }
    return found ? out : 'nx';
  }
  for (const p of svc.ports) {
    if (!matchPort(r.port, p.name) || !matchPort(r.protocol, p.protocol)) continue;
    found = true;
    for (const ip of svc.clusterIPs) out.push({ host: ip, port: p.port, key: svcKey });
  }
  return found ? out : 'nx';
}

export class ZoneResolver {
  constructor(private readonly idx: ClusterIndex, private readonly o: ZoneOptions) {}

  private fqdn(rel: string): string {
    return rel ? `${rel}.${this.o.zone}` : this.o.zone;
  }

  soa(zoneName: string): Answer {
    return {
      type: 'SOA',
      name: zoneName,
      ttl: Math.min(this.o.ttl, 300),
      class: 'IN',
      data: { mname: `ns.dns.${zoneName}`, rname: `hostmaster.${zoneName}`, serial: this.idx.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.o.ttl },
    };
  }

  private lookupRecords(labels: string[]): Rec[] | 'nx' {
    const r = parseRequest(labels);
    return r ? records(this.idx, r) : 'nx';
  }

  /** The answer for `qname` (in the zone) and `qtype`; `qname` keeps the client's spelling. */
  async answer(qname: string, qtype: string, depth = 0): Promise<Reply> {
    const labels = labelsBelow(qname, this.o.zone) ?? [];
    // The zone as the client spelt it (CoreDNS keeps the query's case).
    const zoneName = qname.replace(/\.$/, '').slice(-this.o.zone.length);
    const ttl = this.o.ttl;
    const reply = (rcode: Rcode, answers: Answer[] = [], additionals: Answer[] = []): Reply => ({
      rcode,
      answers,
      additionals,
      authorities: rcode === 'REFUSED' || (rcode === 'NOERROR' && answers.length > 0) ? [] : [this.soa(zoneName)],
      authoritative: rcode !== 'REFUSED',
    });
    const fail = (recs: Rec[] | 'nx'): Reply | null => {
      if (recs !== 'nx') return null;
      return reply(this.o.synced() ? 'NXDOMAIN' : 'SERVFAIL');
    };

    switch (qtype) {
      case 'A':
      case 'AAAA': {
        const recs = this.lookupRecords(labels);
        const f = fail(recs);
        if (f) return f;
        const answers: Answer[] = [];
        const seen = new Set<string>();
        const family = qtype === 'A' ? 4 : 6;
        for (const rec of recs as Rec[]) {
          const fam = isIP(rec.host);
          if (fam === family) {
            if (seen.has(rec.host)) continue;
            seen.add(rec.host);
            answers.push({ type: qtype, name: qname, ttl, class: 'IN', data: rec.host });
          } else if (fam === 0) {
            answers.push({ type: 'CNAME', name: qname, ttl, class: 'IN', data: rec.host });
            answers.push(...(await this.chase(rec.host, qtype, depth)));
          }
        }
        return reply('NOERROR', answers);
      }
      case 'TXT': {
        if (labels.length === 1 && labels[0] === 'dns-version') {
          return reply('NOERROR', [{ type: 'TXT', name: qname, ttl: 28800, class: 'IN', data: DNS_SCHEMA_VERSION }]);
        }
        const f = fail(this.lookupRecords(labels));
        return f ?? reply('NOERROR');
      }
      case 'CNAME': {
        const recs = this.lookupRecords(labels);
        const f = fail(recs);
        if (f) return f;
        const answers: Answer[] = (recs as Rec[]).filter((r) => isIP(r.host) === 0).map((r) => ({ type: 'CNAME', name: qname, ttl, class: 'IN', data: r.host }));
        return reply('NOERROR', answers);
      }
      case 'SRV':
        return this.srv(qname, labels, reply, fail);
      case 'SOA':
        return labels.length === 0 ? reply('NOERROR', [this.soa(zoneName)]) : reply('NOERROR');
      case 'AXFR':
      case 'IXFR':
        return reply('REFUSED');
      case 'NS':
        if (labels.length === 0) {
          const ns = `ns.dns.${zoneName}`;
          const ips = this.idx.service('kube-system', 'kube-dns')?.clusterIPs ?? [];
          return reply('NOERROR', [{ type: 'NS', name: qname, ttl, class: 'IN', data: ns }], ips.map((ip) => ({ type: isIP(ip) === 6 ? 'AAAA' : 'A', name: ns, ttl, class: 'IN', data: ip })));
        }
        break;
      default:
        break;
    }
    // Any other type: the name exists (NODATA) or not (NXDOMAIN), told by an A lookup.
    const f = fail(this.lookupRecords(labels));
    return f ?? reply('NOERROR');
  }

  private srv(qname: string, labels: string[], reply: (rc: Rcode, a?: Answer[], x?: Answer[]) => Reply, fail: (r: Rec[] | 'nx') => Reply | null): Reply {
    const recs = this.lookupRecords(labels);
    const f = fail(recs);
    if (f) return f;
    const list = (recs as Rec[]).filter((r) => r.port !== -1);
    // Equal priority and default weight: each gets floor(100/n), at least 1 (backend_lookup.go).
    const weight = Math.max(1, Math.floor((100 / (100 * (recs as Rec[]).length)) * 100));
    const answers: Answer[] = [];
    const extra: Answer[] = [];
    const seenSrv = new Set<string>();
    const seenAddr = new Set<string>();
    for (const r of list) {
      const fam = isIP(r.host);
      const target = fam === 0 ? r.host : this.fqdn(r.key);
      const sk = `${target}/${r.port}`;
      if (fam === 0 || !seenSrv.has(sk)) {
        seenSrv.add(sk);
        answers.push({ type: 'SRV', name: qname, ttl: this.o.ttl, class: 'IN', data: { priority: 0, weight, port: Math.max(0, r.port), target } });
      }
      const ak = `${target}/${r.host}`;
      if (fam !== 0 && !seenAddr.has(ak)) {
        seenAddr.add(ak);
        extra.push({ type: fam === 4 ? 'A' : 'AAAA', name: target, ttl: this.o.ttl, class: 'IN', data: r.host });
      }
    }
    return reply('NOERROR', answers, extra);
  }

  /** Follows a CNAME: inside the zone by our own records, outside through the forwarder. */
  private async chase(target: string, qtype: 'A' | 'AAAA', depth: number): Promise<Answer[]> {
    if (depth >= 8) return [];
    if (labelsBelow(target, this.o.zone) !== null) return (await this.answer(target, qtype, depth + 1)).answers;
    return this.o.lookup ? this.o.lookup(target, qtype).catch(() => []) : [];
  }

  /** PTR for a ClusterIP or an endpoint address; null when we have none (the forwarder answers). */
  ptr(qname: string, ip: string): Reply | null {
    const targets = this.idx.reverse(ip);
    if (targets.length === 0) return null;
    return {
      rcode: 'NOERROR',
      answers: targets.map((t) => ({ type: 'PTR', name: qname, ttl: this.o.ttl, class: 'IN', data: this.fqdn(t) })),
      authorities: [],
      additionals: [],
      authoritative: true,
    };
  }
}
