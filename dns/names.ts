// Cluster DNS names as CoreDNS's kubernetes plugin reads them: the request
// labels under the zone (parseRequest), the hostname an endpoint address is
// published under, and the IP a reverse (in-addr.arpa / ip6.arpa) name stands for.

import { isIP } from 'node:net';

export interface RecordRequest {
  /** '' when the name stops at the zone, `svc` or `pod` (NODATA, not NXDOMAIN). */
  podOrSvc: '' | 'svc' | 'pod';
  namespace: string;
  service: string;
  endpoint: string;
  port: string;
  protocol: string;
}

/** Lower-cased labels of `name` below `zone`, or null when the name is not in the zone. */
export function labelsBelow(name: string, zone: string): string[] | null {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n === zone) return [];
  if (!n.endsWith(`.${zone}`)) return null;
  return n.slice(0, n.length - zone.length - 1).split('.');
}

const strip = (s: string): string => (s.startsWith('_') ? s.slice(1) : s);

/**
 * CoreDNS's parseRequest: `[endpoint.|_port._proto.]service.namespace.(svc|pod)`, read from the
 * right. null = an invalid name (NXDOMAIN): another word than svc/pod, or too many labels.
 */
export function parseRequest(labels: string[]): RecordRequest | null {
  const r: RecordRequest = { podOrSvc: '', namespace: '', service: '', endpoint: '', port: '', protocol: '' };
  if (labels.length === 0 || (labels.length === 1 && (labels[0] === 'svc' || labels[0] === 'pod'))) return r;
  let last = labels.length - 1;
  const kind = labels[last];
  if (kind !== 'svc' && kind !== 'pod') return null;
  r.podOrSvc = kind;
  if (--last < 0) return r;
  r.namespace = labels[last];
  if (--last < 0) return r;
  r.service = labels[last];
  if (--last < 0) return r;
  if (last === 0) r.endpoint = labels[0];
  else if (last === 1) {
    r.protocol = strip(labels[1]);
    r.port = strip(labels[0]);
  } else return null;
  return r;
}

/** The label an endpoint address answers under: its hostname, else its IP with dashes (CoreDNS endpointHostname). */
export function endpointHostname(ip: string, hostname?: string): string {
  if (hostname) return hostname;
  if (ip.includes('.')) return ip.replaceAll('.', '-');
  if (ip.includes(':')) {
    const h = ip.replaceAll(':', '-');
    return h.endsWith('-') ? `${h}0` : h;
  }
  return '';
}

/** The IP a `<a-b-c-d>` pod label stands for (IPv6 with dashes for colons), or null. */
export function podLabelIP(label: string): string | null {
  const ip = (label.split('-').length === 4 && !label.includes('--')) ? label.replaceAll('-', '.') : label.replaceAll('-', ':');
  return isIP(ip) ? ip : null;
}

/** The address of a reverse name (`4.3.2.1.in-addr.arpa`, nibbles of `ip6.arpa`), or null. */
export function reverseAddress(name: string): string | null {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return null;
    return parts.reverse().join('.');
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return null;
    const hex = nibbles.reverse().join('');
    return canonicalIP(hex.match(/.{4}/g)!.join(':'));
  }
  return null;
}

/** The one spelling of an IP used as an index key (IPv6 compressed and lower-cased, as Go prints it). */
export function canonicalIP(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

/** Whether `name` lies in a reverse zone CoreDNS's default Corefile gives the kubernetes plugin. */
export function isReverseName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'in-addr.arpa' || n.endsWith('.in-addr.arpa') || n === 'ip6.arpa' || n.endsWith('.ip6.arpa');
}
