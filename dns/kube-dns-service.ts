// Service kube-system/kube-dns as kubeadm installs it for CoreDNS (same name,
// labels and ports, ClusterIP = the 10th address of the service range), but
// without a selector: the DNS runs on the node, not in a pod, so it keeps the
// Endpoints itself, pointing at the address it listens on. The proxy then
// DNATs the ClusterIP there as for any Service.

import { isIP } from 'node:net';
import type { Endpoints, Service } from '../api/core.js';
import { isAlreadyExists, isNotFound } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';

export const KUBE_DNS = { namespace: 'kube-system', name: 'kube-dns' };
export const METRICS_PORT = 9153;

function toBig(ip: string): bigint {
  if (isIP(ip) === 4) return ip.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n);
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

function fromBig(n: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** The n-th address of a CIDR (kubeadm's GetDNSIP takes the 10th of the service subnet). */
export function nthAddress(cidr: string, n: number): string {
  const [addr, bitsText] = cidr.split('/');
  const fam = isIP(addr);
  const width = fam === 6 ? 128 : 32;
  const bits = Number(bitsText);
  if (!fam || !Number.isInteger(bits) || bits < 0 || bits > width) throw new Error(`invalid CIDR "${cidr}"`);
  const size = 1n << BigInt(width - bits);
  if (BigInt(n) >= size) throw new Error(`CIDR ${cidr} has no address number ${n}`);
  const base = (toBig(addr) >> BigInt(width - bits)) << BigInt(width - bits);
  return fromBig(base + BigInt(n), fam === 6);
}

/** The cluster DNS address for a service range: its 10th address (10.96.0.10 for 10.96.0.0/12). */
export function clusterDnsIP(serviceCIDR: string): string {
  return nthAddress(serviceCIDR.split(',')[0].trim(), 10);
}

export function kubeDnsService(clusterIP: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      ...KUBE_DNS,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/scrape': 'true' },
    },
    spec: {
      clusterIP,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: METRICS_PORT, protocol: 'TCP', targetPort: METRICS_PORT },
      ],
    },
  };
}

export function kubeDnsEndpoints(ip: string, dnsPort: number, metricsPort: number | undefined): Endpoints {
  const ports = [
    { name: 'dns', port: dnsPort, protocol: 'UDP' as const },
    { name: 'dns-tcp', port: dnsPort, protocol: 'TCP' as const },
    ...(metricsPort ? [{ name: 'metrics', port: metricsPort, protocol: 'TCP' as const }] : []),
  ];
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { ...KUBE_DNS, labels: { 'k8s-app': 'kube-dns' } }, subsets: [{ addresses: [{ ip }], ports }] };
}

/** Creates the Service if missing (an existing one is left as it is) and makes its Endpoints point at us. */
export async function ensureKubeDns(client: RestClient, o: { clusterIP: string; listenIP: string; dnsPort: number; metricsPort?: number; log: (m: string) => void }): Promise<void> {
  const services = client.services(KUBE_DNS.namespace);
  // Looked up before any create: creating it again (a restart) would ask for a ClusterIP its
  // existing self holds, which the apiserver refuses as "already allocated" (a 422, as upstream),
  // before it could say AlreadyExists.
  const existing = await services.get(KUBE_DNS.name).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (!existing) {
    try {
      await services.create(kubeDnsService(o.clusterIP));
      o.log(`created Service ${KUBE_DNS.namespace}/${KUBE_DNS.name} on ${o.clusterIP}`);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err; // made meanwhile by another
    }
  } else if (existing.spec?.clusterIP !== o.clusterIP) {
    o.log(`Service ${KUBE_DNS.namespace}/${KUBE_DNS.name} exists with ClusterIP ${existing.spec?.clusterIP}, not ${o.clusterIP}; pods are told ${o.clusterIP}`);
  }
  const endpoints = client.endpoints(KUBE_DNS.namespace);
  const want = kubeDnsEndpoints(o.listenIP, o.dnsPort, o.metricsPort);
  try {
    const cur = await endpoints.get(KUBE_DNS.name);
    if (JSON.stringify(cur.subsets) !== JSON.stringify(want.subsets)) await endpoints.update({ ...cur, subsets: want.subsets });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await endpoints.create(want);
  }
}
