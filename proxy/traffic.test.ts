// Real traffic through rendered rules. Two throwaway namespaces joined by a
// veth: a "pods" namespace running three busybox httpd backends, and a
// "client" namespace that plays the node: its service route, sysctls and
// iptables (applied by a Proxier with its Iptables inside that namespace).
// Nothing here touches the host's tables or routes.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoints, Service } from '../api/core.js';
import { buildSynProbe, probeResult, type ProbeResult } from '../testing/syn-probe.js';
import { ChainNames } from './chains.js';
import { ExecIptables } from './iptables.js';
import { installLocalnetFirewall } from './localnet-firewall.js';
import { createNetns, inNetns, randomOctet, removeNetns, sh, uniqueName, vethBetween } from '../testing/proxy-netns.js';
import { setupNode } from './node-setup.js';
import { Proxier } from './proxier.js';

const id = uniqueName('');
const clientNs = `tkpc${id}`;
const podNs = `tkpb${id}`;
const x = randomOctet();
const clientIP = `172.30.${x}.1`;
const backends = [2, 3, 4].map((i) => `172.30.${x}.${i}`);
const serviceCIDR = `10.250.${x}.0/24`;
const vip = `10.250.${x}.10`;
const emptyVip = `10.250.${x}.11`;
const npVip = `10.250.${x}.12`;
const stickyVip = `10.250.${x}.13`;
const selfVip = `10.250.${x}.14`;
const nodePort = 30000 + (x % 2700);
const prefix = `TKT${id.toUpperCase()}`;

const servers: ChildProcess[] = [];
let www = '';
let proxier: Proxier;

function service(name: string, clusterIP: string, extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return { metadata: { namespace: 't', name }, spec: { clusterIP, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }], ...extra } };
}
function endpoints(name: string, ips: string[]): Endpoints {
  return { metadata: { namespace: 't', name }, subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] };
}

/** GNU wget from the client namespace (busybox wget crashes on this host). */
async function fetchFrom(url: string, timeoutS = 5): Promise<{ ok: boolean; body: string; ms: number }> {
  const t0 = performance.now();
  try {
    const body = await inNetns(clientNs, 'wget', ['-q', '-T', String(timeoutS), '-t', '1', '-O', '-', url]);
    return { ok: true, body: body.trim(), ms: performance.now() - t0 };
  } catch {
    return { ok: false, body: '', ms: performance.now() - t0 };
  }
}

async function hits(url: string, n: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await fetchFrom(url);
    assert.ok(r.ok, `request ${i} to ${url} failed`);
    seen.set(r.body, (seen.get(r.body) ?? 0) + 1);
  }
  return seen;
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  await createNetns(clientNs);
  await createNetns(podNs);
  await vethBetween(
    { netns: clientNs, dev: 'tkc0', addrs: [`${clientIP}/24`] },
    { netns: podNs, dev: 'tkb0', addrs: backends.map((b) => `${b}/24`) },
  );
  www = await mkdtemp(join(tmpdir(), 'tkp-www-'));
  for (const [i, ip] of backends.entries()) {
    const dir = join(www, `b${i}`);
    await mkdir(dir);
    await writeFile(join(dir, 'index.html'), `backend-${i}\n`);
    // -f: stay in the foreground so we hold its PID (nsenter execs httpd in place).
    const child = spawn('nsenter', [`--net=/run/netns/${podNs}`, '--', 'busybox', 'httpd', '-f', '-p', `${ip}:8080`, '-h', dir], { stdio: 'ignore' });
    servers.push(child);
  }
  for (const ip of backends) await eventually(async () => (await fetchFrom(`http://${ip}:8080/`, 1)).ok, `httpd on ${ip}`);

  // Pods reach services through the node: a default route via the node's end of the veth.
  await sh('ip', ['-n', podNs, 'route', 'add', 'default', 'via', clientIP]);

  const setup = await setupNode({ serviceCIDR, netns: clientNs, serviceDevice: 'tksvc0', chainPrefix: prefix });
  assert.equal(setup.ipForward, true);
  assert.equal(setup.routeLocalnet, true);

  proxier = new Proxier({
    iptables: new ExecIptables({ netns: clientNs }),
    chainPrefix: prefix,
    clusterCIDR: `172.30.${x}.0/24`,
    serviceCIDR,
    log: () => {},
  });
  proxier.onServices([
    service('web', vip),
    service('empty', emptyVip),
    service('np', npVip, { type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort }] }),
    service('sticky', stickyVip, { sessionAffinity: 'ClientIP' }),
    service('self', selfVip),
  ]);
  proxier.onEndpoints([endpoints('web', backends), endpoints('np', backends), endpoints('sticky', backends), endpoints('empty', []), endpoints('self', [backends[0]])]);
  await proxier.settled();
});

after(async () => {
  await proxier?.stop();
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  await removeNetns(clientNs);
  await removeNetns(podNs);
  if (www) await rm(www, { recursive: true, force: true });
});

test('ClusterIP: 30 requests reach all three backends', async () => {
  const seen = await hits(`http://${vip}/`, 30);
  assert.deepEqual([...seen.keys()].sort(), ['backend-0', 'backend-1', 'backend-2']);
});

test('a service with no endpoints is refused at once, not left hanging', async () => {
  const r = await fetchFrom(`http://${emptyVip}/`, 5);
  assert.equal(r.ok, false);
  assert.ok(r.ms < 1000, `took ${r.ms.toFixed(0)} ms`);
});

test('a VIP in the service CIDR that no service owns is refused at once', async () => {
  const r = await fetchFrom(`http://10.250.${x}.200/`, 5);
  assert.equal(r.ok, false);
  assert.ok(r.ms < 1000, `took ${r.ms.toFixed(0)} ms`);
});

test('NodePort answers on 127.0.0.1 and on the node IP', async () => {
  const local = await fetchFrom(`http://127.0.0.1:${nodePort}/`);
  assert.ok(local.ok && /^backend-\d$/.test(local.body), `127.0.0.1: ${JSON.stringify(local)}`);
  const node = await fetchFrom(`http://${clientIP}:${nodePort}/`);
  assert.ok(node.ok && /^backend-\d$/.test(node.body), `node IP: ${JSON.stringify(node)}`);
});

test('sessionAffinity ClientIP sends one client to one backend', async () => {
  const seen = await hits(`http://${stickyVip}/`, 12);
  assert.equal(seen.size, 1, JSON.stringify([...seen]));
});

test('hairpin: a pod reaches itself through its own Service (forwarded through the node, masqueraded)', async () => {
  const body = await inNetns(podNs, 'wget', ['-q', '-T', '5', '-t', '1', `--bind-address=${backends[0]}`, '-O', '-', `http://${selfVip}/`]);
  assert.equal(body.trim(), 'backend-0');
});

test('an endpoint change is live within a second', async () => {
  const t0 = performance.now();
  proxier.updateEndpoints('MODIFIED', endpoints('web', [backends[1]]));
  await proxier.settled();
  assert.ok(performance.now() - t0 < 1000, `sync took ${(performance.now() - t0).toFixed(0)} ms`);
  const seen = await hits(`http://${vip}/`, 10);
  assert.deepEqual([...seen.keys()], ['backend-1']);
  // And removing every endpoint turns it into a fast refusal.
  proxier.updateEndpoints('MODIFIED', endpoints('web', []));
  await proxier.settled();
  const r = await fetchFrom(`http://${vip}/`, 5);
  assert.equal(r.ok, false);
  assert.ok(r.ms < 1000);
});

test('localnet guard: a pod with NET_RAW cannot reach a 127.0.0.1-only port of the node through its MAC; NodePorts on 127.0.0.1 still work', async () => {
  // A service only on the node's loopback, and the raw-socket probe (a SYN to 127.0.0.1
  // in a frame addressed to the node's end of the veth, as a pod can send one).
  const port = 20000 + (x % 1000);
  const dir = await mkdtemp(join(tmpdir(), 'tkp-probe-'));
  await writeFile(join(dir, 'index.html'), 'loopback-only\n');
  const loopOnly = spawn('nsenter', [`--net=/run/netns/${clientNs}`, '--', 'busybox', 'httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', dir], { stdio: 'ignore' });
  try {
    const probe = await buildSynProbe(dir);
    await eventually(async () => (await fetchFrom(`http://127.0.0.1:${port}/`, 1)).body === 'loopback-only', 'loopback listener');
    const mac = /link\/ether (\S+)/.exec(await sh('ip', ['-n', clientNs, '-o', 'link', 'show', 'tkc0']))![1];
    const synFromPod = async (): Promise<ProbeResult> => {
      try {
        return probeResult(await inNetns(podNs, probe, ['tkb0', mac, '127.0.0.1', String(port), '1500']));
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        return probeResult(err.stdout ?? '', err.stderr ?? String(e));
      }
    };
    const names = new ChainNames(prefix);
    assert.equal(await synFromPod(), 'TIMEOUT', 'the guard drops the SYN: no handshake with a loopback-only port');
    // Without the guard (its INPUT jump removed) the same probe completes a handshake: the hole is real.
    await inNetns(clientNs, 'iptables', ['-w', '-D', 'INPUT', '-j', names.firewall]);
    assert.equal(await synFromPod(), 'SYNACK', 'route_localnet without the guard opens 127.0.0.1 to the pod');
    await installLocalnetFirewall(new ExecIptables({ netns: clientNs }), names);
    assert.equal(await synFromPod(), 'TIMEOUT');
    const np = await fetchFrom(`http://127.0.0.1:${nodePort}/`);
    assert.ok(np.ok && /^backend-\d$/.test(np.body), `NodePort on 127.0.0.1 with the guard: ${JSON.stringify(np)}`);
  } finally {
    loopOnly.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
