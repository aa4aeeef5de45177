// The proxy component end to end against a real apiserver (on a real etcd):
// Services and Endpoints written through the API become rules in a throwaway
// netns; /healthz and /metrics answer; a restart adopts the rules.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from '../api/core.js';
import { startTestCluster, type TestCluster } from '../testing/client-env.js';
import { ChainNames } from './chains.js';
import { ExecIptables, savedChains } from './iptables.js';
import { createNetns, removeNetns, uniqueName } from '../testing/proxy-netns.js';
import { startProxy, type ProxyServer } from './server.js';

const ns = uniqueName('tkps');
const prefix = uniqueName('TKS').toUpperCase();
const names = new ChainNames(prefix);
const ipt = new ExecIptables({ netns: ns });
let cluster: TestCluster;
let proxy: ProxyServer | undefined;

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const natChains = async () => savedChains(await ipt.save('nat')).filter((c) => names.owns(c));
const start = () =>
  startProxy({ client: cluster.client, netns: ns, chainPrefix: prefix, serviceCIDR: '10.96.0.0/12', nodeSetup: { serviceDevice: 'tksvc0' }, healthz: { port: 0 }, log: () => {} });

before(async () => {
  await createNetns(ns);
  cluster = await startTestCluster();
});
after(async () => {
  await proxy?.stop().catch(() => {});
  await cluster?.stop();
  await removeNetns(ns);
});

test('Services and Endpoints from the API become rules; changes and deletes follow', async () => {
  const created = await cluster.client.services('default').create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  });
  const clusterIP = created.spec!.clusterIP!;
  assert.match(clusterIP, /^10\./);
  const eps: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '10.244.1.2' }, { ip: '10.244.1.3' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  };
  await cluster.client.endpoints('default').create(eps);

  proxy = await start();
  const svcChain = names.servicePort('default/web:http', 'tcp');
  await eventually(async () => (await natChains()).includes(svcChain), 'the service chain');
  const saved = await ipt.save('nat');
  assert.match(saved, new RegExp(`-d ${clusterIP.replace(/\./g, '\\.')}/32 .*--dport 80 -j ${svcChain}`));
  assert.match(saved, /--to-destination 10\.244\.1\.3:8080/);
  // The kubernetes Service the apiserver bootstraps (if any) has no endpoints here: REJECT, not DNAT.

  // An endpoint change through the API reaches the kernel.
  const current = await cluster.client.endpoints('default').get('web');
  current.subsets = [{ addresses: [{ ip: '10.244.1.9' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }];
  await cluster.client.endpoints('default').update(current);
  const newSep = names.endpoint('default/web:http', 'tcp', '10.244.1.9:8080');
  await eventually(async () => (await natChains()).includes(newSep), 'the new endpoint chain');
  assert.ok(!(await natChains()).includes(names.endpoint('default/web:http', 'tcp', '10.244.1.2:8080')));

  // /healthz and /metrics.
  const h = await fetch(`${proxy.healthzUrl}/healthz`);
  assert.equal(h.status, 200);
  assert.equal(((await h.json()) as { healthy: boolean }).healthy, true);
  const m = await (await fetch(`${proxy.healthzUrl}/metrics`)).text();
  assert.match(m, /kubeproxy_sync_proxy_rules_duration_seconds_bucket/);
  assert.match(m, /kubeproxy_sync_proxy_rules_last_timestamp_seconds [1-9]/);

  // Stop (as a crash would leave things), change the API meanwhile, restart: adopted, then updated.
  await proxy.stop();
  proxy = undefined;
  assert.ok((await natChains()).includes(svcChain), 'rules stay while the proxy is down');
  await cluster.client.services('default').delete('web');
  proxy = await start();
  await eventually(async () => !(await natChains()).some((c) => c.startsWith(`${prefix}-SVC-`) && c === svcChain), 'the deleted service to go');
  assert.ok(!(await natChains()).some((c) => c === newSep), 'its endpoint chain goes too');
  assert.ok(!(await ipt.save('nat')).includes(`${clusterIP}/32`));

  await proxy.stop({ cleanup: true });
  proxy = undefined;
  assert.deepEqual(await natChains(), []);
});
