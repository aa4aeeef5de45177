// `hyperkube dns`: the cluster DNS, against an apiserver.

import { RestClient } from '../client/rest.js';
import { startDns } from '../dns/server.js';
import { parseFlags, untilSignal } from './flags.js';

const FLAGS = {
  kubeconfig: { type: 'string', default: '', help: 'kubeconfig file with the apiserver and credentials' },
  master: { type: 'string', default: '', help: 'apiserver URL (overrides the kubeconfig)' },
  'cluster-domain': { type: 'string', default: 'cluster.local', help: 'the domain answered from the cluster (Services, pods)' },
  'bind-address': { type: 'string', default: '', help: "address to answer on, UDP and TCP (required; `up` uses the pod bridge's address; never a wildcard)" },
  port: { type: 'string', default: '53', help: 'DNS port' },
  'metrics-port': { type: 'string', default: '9153', help: 'port of /metrics and /health on the bind address (0: none)' },
  upstream: { type: 'string', default: '', help: 'comma-separated resolvers (ip[:port]) for names outside the cluster domain (default: the nameservers of --resolv-conf)' },
  'resolv-conf': { type: 'string', default: '/etc/resolv.conf', help: 'resolv.conf whose nameservers get the names outside the cluster domain' },
  ttl: { type: 'string', default: '30', help: 'TTL of cluster answers, seconds (as kubeadm configures CoreDNS)' },
  'cluster-dns': { type: 'string', default: '', help: 'ClusterIP of Service kube-system/kube-dns (default: the 10th address of --service-cluster-ip-range)' },
  'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12', help: 'Service network: Service kube-system/kube-dns gets its 10th address, its Endpoints this server ("" leaves them alone)' },
} as const;

function portFlag(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > 65535) throw new Error(`--${name} must be a port number (${min}-65535), got ${JSON.stringify(v)}`);
  return n;
}

export async function runDns(argv: string[]): Promise<number> {
  const parsed = parseFlags('dns', FLAGS, argv);
  if (!parsed) return 0;
  const f = parsed.values;
  if (!f['bind-address']) throw new Error('--bind-address is required (the address pods reach the DNS at, e.g. the pod bridge gateway)');
  const ttl = Number(f.ttl);
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw new Error(`--ttl must be 0-3600 seconds, got ${JSON.stringify(f.ttl)}`);
  const port = portFlag('port', f.port, 1);
  const metricsPort = portFlag('metrics-port', f['metrics-port'], 0);
  const client = f.master ? new RestClient(f.master) : RestClient.fromKubeconfig(f.kubeconfig ? { path: f.kubeconfig } : {});
  const upstream = f.upstream.split(',').map((s) => s.trim()).filter(Boolean);
  const dns = await startDns({
    client,
    clusterDomain: f['cluster-domain'],
    host: f['bind-address'],
    port,
    metricsPort: metricsPort === 0 ? false : metricsPort,
    ...(upstream.length ? { upstream } : { resolvConf: f['resolv-conf'] }),
    ttl,
    serviceCIDR: f['service-cluster-ip-range'] || undefined,
    clusterIP: f['cluster-dns'] || undefined,
    waitForAddress: false,
    log: (m) => console.log(`dns: ${m}`),
  });
  console.log(`dns: running for ${f['cluster-domain']} on ${dns.host}:${port}`);
  await untilSignal();
  await dns.stop();
  client.close();
  return 0;
}
