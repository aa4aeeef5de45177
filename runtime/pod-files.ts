// The per-pod /etc/hosts, /etc/resolv.conf and /etc/hostname that every
// container of the pod gets bind-mounted (as the kubelet does).
import { readFileSync } from 'node:fs';
import type { DNSConfig } from './cri.js';

export function hostsFile(opts: { hostname: string; ip: string; domain?: string; aliases?: { ip: string; hostnames: string[] }[]; hostNetwork?: boolean; hostHostsPath?: string }): string {
  if (opts.hostNetwork) {
    try {
      return readFileSync(opts.hostHostsPath ?? '/etc/hosts', 'utf8');
    } catch {
      /* fall through to a generated file */
    }
  }
  let s = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
    'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
  if (opts.ip) s += opts.domain ? `${opts.ip}\t${opts.hostname}.${opts.domain}\t${opts.hostname}\n` : `${opts.ip}\t${opts.hostname}\n`;
  else s += `127.0.1.1\t${opts.hostname}\n`;
  for (const a of opts.aliases ?? []) s += `${a.ip}\t${a.hostnames.join('\t')}\n`;
  return s;
}

/** From the pod's DNS config; without one, the host's resolv.conf (kubelet's "Default" policy). */
export function resolvConf(dns: DNSConfig | undefined, hostResolvConf = '/etc/resolv.conf'): string {
  if (!dns || (!dns.servers?.length && !dns.searches?.length && !dns.options?.length)) {
    try {
      return readFileSync(hostResolvConf, 'utf8');
    } catch {
      return '';
    }
  }
  let s = '';
  for (const ns of dns.servers ?? []) s += `nameserver ${ns}\n`;
  if (dns.searches?.length) s += `search ${dns.searches.join(' ')}\n`;
  if (dns.options?.length) s += `options ${dns.options.join(' ')}\n`;
  return s;
}
