// Node setup inside a throwaway netns: sysctls, the service route (both
// kinds), idempotence, and why the default is not `unreachable`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetns, inNetns, randomOctet, removeNetns, sh, uniqueName } from '../testing/proxy-netns.js';
import { addUnreachableRoute, removeDummyRoute, removeUnreachableRoute, setupNode } from './node-setup.js';

const ns = uniqueName('tkpn');
const cidr = `10.250.${randomOctet()}.0/24`;

before(() => createNetns(ns));
after(() => removeNetns(ns));

async function sysctl(path: string): Promise<string> {
  return (await inNetns(ns, 'cat', [`/proc/sys/${path}`])).trim();
}

test('setupNode turns on forwarding and route_localnet and routes the service CIDR to a local device', async () => {
  const r = await setupNode({ serviceCIDR: cidr, netns: ns, serviceDevice: 'tksvc0', chainPrefix: 'TKNS' });
  assert.deepEqual([r.ipForward, r.routeLocalnet], [true, true]);
  // route_localnet comes with the localnet guard (CVE-2020-8558), jumped to from INPUT and OUTPUT.
  const filter = await inNetns(ns, 'iptables-save', ['-t', 'filter']);
  assert.match(filter, /^-A INPUT -j TKNS-FIREWALL$/m);
  assert.match(filter, /^-A OUTPUT -j TKNS-FIREWALL$/m);
  assert.match(filter, /^-A TKNS-FIREWALL ! -s 127\.0\.0\.0\/8 -d 127\.0\.0\.0\/8 .*! --ctstate RELATED,ESTABLISHED,DNAT -j DROP$/m);
  assert.equal(await sysctl('net/ipv4/ip_forward'), '1');
  assert.equal(await sysctl('net/ipv4/conf/all/route_localnet'), '1');
  const hasBridgeNf = (await inNetns(ns, 'sh', ['-c', 'test -e /proc/sys/net/bridge/bridge-nf-call-iptables && echo y || echo n'])).trim() === 'y';
  assert.equal(r.bridgeNetfilter, hasBridgeNf);
  const routes = await sh('ip', ['-n', ns, 'route', 'show', cidr]);
  assert.match(routes, new RegExp(`${cidr.replace(/\./g, '\\.')} dev tksvc0`));
  // Idempotent.
  await setupNode({ serviceCIDR: cidr, netns: ns, serviceDevice: 'tksvc0', chainPrefix: 'TKNS' });
  assert.equal((await sh('ip', ['-n', ns, 'route', 'show', cidr])).trim().split('\n').length, 1);
  assert.equal((await inNetns(ns, 'iptables-save', ['-t', 'filter'])).split('\n').filter((l) => l.includes('-j TKNS-FIREWALL')).length, 2, 'jumps not doubled');
  await removeDummyRoute('tksvc0', ns);
  assert.equal((await sh('ip', ['-n', ns, 'route', 'show', cidr])).trim(), '');
});

test('the unreachable kind installs an unreachable route, removable', async () => {
  const r = await setupNode({ serviceCIDR: cidr, netns: ns, serviceRoute: 'unreachable' });
  assert.equal(r.serviceRoute, `unreachable ${cidr}`);
  assert.match(await sh('ip', ['-n', ns, 'route', 'show', cidr]), /^unreachable /);
  await removeUnreachableRoute(cidr, ns);
  assert.equal((await sh('ip', ['-n', ns, 'route', 'show', cidr])).trim(), '');
});

test('why not unreachable by default: a local connect() to a VIP under it fails before nat OUTPUT can DNAT', async () => {
  const vip = cidr.replace('0/24', '10');
  // A DNAT of the VIP to a closed port on a local address: reaching it would say "Connection refused".
  const local = `172.30.${randomOctet()}.1`;
  await sh('ip', ['-n', ns, 'addr', 'add', `${local}/32`, 'dev', 'lo']);
  const dnat = ['-w', '-t', 'nat', '-A', 'OUTPUT', '-d', vip, '-p', 'tcp', '--dport', '80', '-j', 'DNAT', '--to-destination', `${local}:9`];
  await inNetns(ns, 'iptables', dnat);
  const wget = `wget -T 2 -t 1 -O /dev/null http://${vip}/ 2>&1; echo rc=$?`;
  await addUnreachableRoute(cidr, ns);
  assert.match(await inNetns(ns, 'sh', ['-c', wget]), /No route to host[\s\S]*rc=4/);
  await removeUnreachableRoute(cidr, ns);
  await setupNode({ serviceCIDR: cidr, netns: ns, serviceDevice: 'tksvc0' });
  assert.match(await inNetns(ns, 'sh', ['-c', wget]), /Connection refused[\s\S]*rc=4/);
  await removeDummyRoute('tksvc0', ns);
});
