// `hyperkube proxy`: Services → iptables, against an apiserver.

import { RestClient } from '../client/rest.js';
import { startProxy } from '../proxy/server.js';
import { parseFlags, untilSignal } from './flags.js';

const FLAGS = {
  kubeconfig: { type: 'string', default: '', help: 'kubeconfig file with the apiserver and credentials' },
  master: { type: 'string', default: '', help: 'apiserver URL (overrides the kubeconfig)' },
  'cluster-cidr': { type: 'string', default: '10.244.0.0/16', help: 'pod network; traffic to Services from outside it is masqueraded' },
  'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12', help: 'Service network, routed locally so a VIP never leaves the machine' },
  'healthz-port': { type: 'string', default: '10256', help: 'port of /healthz and /metrics on 127.0.0.1 (0: none)' },
  // The same names as `hyperkube up` uses, so a proxy run on its own can adopt the rules `up`'s proxy left.
  'proxy-chain-prefix': { type: 'string', default: 'KUBE', help: 'prefix of the Service iptables chains (at most 7 characters)' },
  'service-device': { type: 'string', default: 'tkube-svc0', help: 'local device the Service CIDR is routed to' },
  'nodeport-addresses': { type: 'string', default: '', help: 'comma-separated addresses NodePorts answer on (default: every local address)' },
} as const;

export async function runProxy(argv: string[]): Promise<number> {
  const parsed = parseFlags('proxy', FLAGS, argv);
  if (!parsed) return 0;
  const f = parsed.values;
  const client = f.master ? new RestClient(f.master) : RestClient.fromKubeconfig(f.kubeconfig ? { path: f.kubeconfig } : {});
  const port = Number(f['healthz-port']);
  const proxy = await startProxy({
    client,
    chainPrefix: f['proxy-chain-prefix'],
    nodeSetup: { serviceDevice: f['service-device'] },
    nodePortAddresses: f['nodeport-addresses'].split(',').map((a) => a.trim()).filter(Boolean),
    clusterCIDR: f['cluster-cidr'],
    serviceCIDR: f['service-cluster-ip-range'],
    healthz: port > 0 ? { host: '127.0.0.1', port } : undefined,
    log: (m) => console.log(`proxy: ${m}`),
  });
  console.log(`proxy: syncing Services from ${client.connection.server}${proxy.healthzUrl ? `; health at ${proxy.healthzUrl}/healthz` : ''}`);
  await untilSignal();
  await proxy.stop();
  client.close();
  return 0;
}
