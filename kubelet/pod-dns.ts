// The pod's resolv.conf and its own /etc/hosts name, as the kubelet works them
// out upstream (pkg/kubelet/network/dns, kubelet_pods.go):
//   ClusterFirst (default)   nameserver <cluster DNS>, search <ns>.svc.<domain> svc.<domain>
//                            <domain> <host's searches>, options ndots:5
//   Default                  the host's resolv.conf (the kubelet's --resolv-conf)
//   None                     nothing but the pod's dnsConfig
//   ClusterFirstWithHostNet  ClusterFirst; plain ClusterFirst on a hostNetwork pod is Default,
//                            and so is ClusterFirst when the kubelet has no --cluster-dns
// then the pod's dnsConfig appended (duplicates dropped; an option of the same name replaces
// the base one), and the lists cut to what resolvers read: 3 nameservers, 32 search domains of
// at most 2048 characters in all.

import { readFileSync } from 'node:fs';
import type { Pod } from '../api/core.js';
import type { DNSConfig } from '../runtime/cri.js';

export interface ClusterDNSSettings {
  /** --cluster-dns: the cluster DNS server IPs (empty: ClusterFirst falls back to Default). */
  clusterDNS: string[];
  /** --cluster-domain (default cluster.local). */
  clusterDomain: string;
  /** --resolv-conf: the host's resolver config pods with Default get (default /etc/resolv.conf; "" = none). */
  resolvConf: string;
}

export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

type DnsType = 'cluster' | 'host' | 'none';

/** The host resolver config as resolv.conf states it. */
export function parseResolvConf(text: string): Required<DNSConfig> {
  const out: Required<DNSConfig> = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.servers.push(rest[0]);
    // The last search (or domain) line wins, as in the libc resolver.
    else if (key === 'search' || key === 'domain') out.searches = rest.filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

function dnsType(pod: Pod, s: ClusterDNSSettings): DnsType {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'None') return 'none';
  if (policy === 'Default') return 'host';
  if (policy === 'ClusterFirst' && pod.spec?.hostNetwork) return 'host';
  return s.clusterDNS.length ? 'cluster' : 'host';
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** Options by name: later ones (the pod's) replace earlier ones (the policy's). */
function mergeOptions(base: string[], pod: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...pod]) byName.set(o.split(':')[0], o);
  return [...byName.values()];
}

function fitSearches(searches: string[]): string[] {
  let out = searches.slice(0, MAX_DNS_SEARCH_PATHS);
  while (out.length && out.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) out = out.slice(0, -1);
  return out;
}

export function podDNSConfig(pod: Pod, s: ClusterDNSSettings, hostResolv?: string): DNSConfig {
  const type = dnsType(pod, s);
  let host: Required<DNSConfig> = { servers: [], searches: [], options: [] };
  if (type !== 'none') {
    let text = hostResolv ?? '';
    if (hostResolv === undefined && s.resolvConf) {
      try {
        text = readFileSync(s.resolvConf, 'utf8');
      } catch {
        text = '';
      }
    }
    host = parseResolvConf(text);
  }
  let base: Required<DNSConfig>;
  if (type === 'cluster') {
    const ns = pod.metadata?.namespace ?? 'default';
    const d = s.clusterDomain;
    base = { servers: [...s.clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches], options: ['ndots:5'] };
  } else if (type === 'host') base = host;
  else base = { servers: [], searches: [], options: [] };
  const extra = pod.spec?.dnsConfig;
  const servers = unique([...base.servers, ...(extra?.nameservers ?? [])]).slice(0, MAX_DNS_NAMESERVERS);
  const searches = fitSearches(unique([...base.searches, ...(extra?.searches ?? [])]));
  const options = mergeOptions(base.options, (extra?.options ?? []).map((o) => (o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name)));
  return { servers, searches, options };
}

/** `<subdomain>.<ns>.svc.<domain>` when the pod has a subdomain: its /etc/hosts line is "<ip> <hostname>.<that> <hostname>". */
export function podHostDomain(pod: Pod, clusterDomain: string): string | undefined {
  const sub = pod.spec?.subdomain;
  if (!sub || !clusterDomain) return undefined;
  return `${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}`;
}

/** The pod's hostname: spec.hostname, else its name, at most 63 characters (no trailing '-' or '.'). */
export function podHostname(pod: Pod): string {
  const h = pod.spec?.hostname || pod.metadata?.name || '';
  return h.length > 63 ? h.slice(0, 63).replace(/[-.]+$/, '') : h;
}
