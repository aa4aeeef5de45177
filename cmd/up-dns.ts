// Where `up` puts the cluster DNS: it answers on the pod bridge's address (the
// pods' gateway: reachable from the node and its pods only), Service
// kube-system/kube-dns gets the 10th address of the service range, and the
// kubelet tells pods that address — unless the DNS is disabled and no
// --cluster-dns is given, when pods keep the host's resolvers.

import { isIP } from 'node:net';
import { clusterDnsIP, nthAddress } from '../dns/kube-dns-service.js';
import { parseUpstream } from '../dns/resolv-conf.js';

export interface UpDnsSettings {
  /** What the kubelet gives pods as nameserver ([] when there is no cluster DNS). */
  clusterDNS: string[];
  clusterDomain: string;
  /** The address the DNS listens on. */
  listen: string;
  upstream: string[];
}

export function clusterDnsSettings(f: Record<string, string | boolean>, disabled: Set<string>): UpDnsSettings {
  const domain = String(f['cluster-domain']).toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain) || domain.length > 253) throw new Error(`--cluster-domain must be a DNS domain, got ${JSON.stringify(f['cluster-domain'])}`);
  const explicit = String(f['cluster-dns']);
  if (explicit && !isIP(explicit)) throw new Error(`--cluster-dns must be an IP address, got ${JSON.stringify(explicit)}`);
  const upstream = String(f['dns-upstream']).split(',').map((s) => s.trim()).filter(Boolean);
  for (const u of upstream) parseUpstream(u);
  const dnsIP = explicit || clusterDnsIP(String(f['service-cluster-ip-range']));
  return {
    clusterDNS: disabled.has('dns') && !explicit ? [] : [dnsIP],
    clusterDomain: domain,
    listen: nthAddress(String(f['pod-cidr']), 1),
    upstream,
  };
}
