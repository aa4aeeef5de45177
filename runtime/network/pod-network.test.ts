// Pod networking on the real kernel: a unique bridge, CIDR, chain prefix and two netns made
// here; busybox httpd in one pod; everything removed in after(), even on failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPodNetwork, bridgeNetfilterEnabled } from './pod-network.js';
import { IPAM } from './ipam.js';
import { removeAll, chainNames } from './iptables.js';
import type { PodNetwork } from './types.js';
import { buildSynProbe, probeResult } from '../../testing/syn-probe.js';

const run = promisify(execFile);
const rand = randomBytes(2).toString('hex');
const bridge = `tkb${rand}`;
const prefix = `TKT${rand.toUpperCase()}`;
const nsA = `tkt${rand}a`;
const nsB = `tkt${rand}b`;
const work = mkdtempSync(join(tmpdir(), 'tkt-net-'));
const stateDir = join(work, 'state');
const children: ChildProcess[] = [];
let cidr = '';
let gateway = '';
let net: PodNetwork;
let hostPort = 0;

function pickSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (;;) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!routes.includes(`172.30.${x}.`)) return `172.30.${x}`;
  }
}

async function freeHostPort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer().once('error', () => resolve(false)).listen(port, () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

async function get(url: string, timeoutMs = 3000): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return res.text();
}

function ncGet(ns: string, ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn('ip', ['netns', 'exec', ns, 'busybox', 'nc', '-w', '5', ip, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`nc exited ${code}: ${err}`))));
    c.stdin.end('GET / HTTP/1.0\r\n\r\n');
  });
}

async function poll<T>(fn: () => Promise<T>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try { return await fn(); } catch (e) { if (Date.now() > end) throw e; }
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  const sub = pickSubnet();
  cidr = `${sub}.0/24`;
  gateway = `${sub}.1`;
  hostPort = await freeHostPort();
  await run('ip', ['netns', 'add', nsA]);
  await run('ip', ['netns', 'add', nsB]);
  net = createPodNetwork({ bridgeName: bridge, podCIDR: cidr, stateDir, chainPrefix: prefix, enableForwarding: false });
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.pid) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
  try { await net?.cleanup(); } catch (e) { console.error('cleanup failed:', e); }
  // Belt and braces in case cleanup failed part way.
  await removeAll(chainNames(prefix), `tskube:${prefix}`).catch(() => undefined);
  for (const ns of [nsA, nsB]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  await run('ip', ['link', 'del', bridge]).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

test('two pods on one bridge: pod↔pod, host→pod, hostPort via 127.0.0.1 and the bridge IP, teardown', async () => {
  const a = await net.setup({ sandboxId: `sb-a-${rand}`, netnsPath: `/run/netns/${nsA}`,
    portMappings: [{ hostPort, containerPort: 8080, protocol: 'TCP' }] });
  const b = await net.setup({ sandboxId: `sb-b-${rand}`, netnsPath: `/run/netns/${nsB}`, portMappings: [] });
  assert.equal(a.gateway, gateway);
  assert.equal(a.prefixLength, 24);
  assert.equal(a.interface, 'eth0');
  assert.notEqual(a.ip, b.ip);
  for (const ip of [a.ip, b.ip]) assert.ok(ip.startsWith(cidr.slice(0, -4)) && ip !== gateway, ip);

  // Inside the pod: eth0 with the address, lo up, default route via the gateway.
  const addr = (await run('ip', ['-n', nsA, '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout;
  assert.match(addr, new RegExp(`inet ${a.ip.replace(/\./g, '\\.')}/24`));
  assert.match((await run('ip', ['-n', nsA, 'route', 'show', 'default'])).stdout, new RegExp(`via ${gateway} dev eth0`));
  assert.match((await run('ip', ['-n', nsA, 'link', 'show', 'lo'])).stdout, /UP/);
  const st = await net.status(`sb-a-${rand}`);
  assert.ok(st && st.hostVeth.length <= 15);
  assert.match((await run('ip', ['-d', 'link', 'show', st.hostVeth])).stdout, new RegExp(`master ${bridge}.*`, 's'));
  assert.match((await run('ip', ['-d', 'link', 'show', st.hostVeth])).stdout, /hairpin on/);

  const www = join(work, 'www');
  execFileSync('mkdir', ['-p', www]);
  writeFileSync(join(www, 'index.html'), `pod-a ${rand}\n`);
  const httpd = spawn('ip', ['netns', 'exec', nsA, 'busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });
  children.push(httpd);

  // Host → pod IP.
  assert.equal(await poll(() => get(`http://${a.ip}:8080/`)), `pod-a ${rand}\n`);
  // Pod B → pod A, by IP (ping and HTTP with busybox).
  await run('ip', ['netns', 'exec', nsB, 'busybox', 'ping', '-c', '1', '-W', '3', a.ip]);
  // (busybox-static's wget crashes in getaddrinfo; nc speaks the HTTP by hand.)
  const fromB = await ncGet(nsB, a.ip, 8080);
  assert.match(fromB, /^HTTP\/1\.[01] 200/);
  assert.ok(fromB.endsWith(`pod-a ${rand}\n`), fromB);
  // hostPort from loopback (route_localnet + masquerade) and from the bridge address.
  assert.equal(await poll(() => get(`http://127.0.0.1:${hostPort}/`)), `pod-a ${rand}\n`);
  assert.equal(await poll(() => get(`http://${gateway}:${hostPort}/`)), `pod-a ${rand}\n`);

  // Setup is idempotent; a clashing hostPort is refused without leaking an address.
  assert.deepEqual(await net.setup({ sandboxId: `sb-a-${rand}`, netnsPath: `/run/netns/${nsA}`, portMappings: [] }), a);
  const before = (await new IPAM(cidr, join(stateDir, 'ipam')).allocations()).size;
  await assert.rejects(net.setup({ sandboxId: `sb-c-${rand}`, netnsPath: `/run/netns/${nsB}`,
    portMappings: [{ hostPort, containerPort: 80, protocol: 'TCP' }] }), /already used/);
  assert.equal((await new IPAM(cidr, join(stateDir, 'ipam')).allocations()).size, before);

  // A new instance (kubelet restart) sees the same pods and never re-issues their addresses.
  const again = createPodNetwork({ bridgeName: bridge, podCIDR: cidr, stateDir, chainPrefix: prefix, enableForwarding: false });
  assert.equal((await again.status(`sb-b-${rand}`))?.ip, b.ip);
  const other = await new IPAM(cidr, join(stateDir, 'ipam')).allocate(`probe-${rand}`);
  assert.ok(other !== a.ip && other !== b.ip);
  await new IPAM(cidr, join(stateDir, 'ipam')).release(`probe-${rand}`);

  // Teardown of A (by the new instance): veth, rules and address gone.
  await again.teardown(`sb-a-${rand}`);
  assert.equal(await again.status(`sb-a-${rand}`), null);
  assert.ok(!(await run('ip', ['link', 'show']).then((r) => r.stdout)).includes(st.hostVeth));
  const nat = (await run('iptables', ['-w', '5', '-t', 'nat', '-S', `${prefix}-HOSTPORTS`])).stdout;
  assert.ok(!nat.includes(`--dport ${hostPort}`), nat);
  assert.ok(!(await new IPAM(cidr, join(stateDir, 'ipam')).allocations()).has(a.ip));
  await assert.rejects(get(`http://127.0.0.1:${hostPort}/`, 1000));
  await again.teardown(`sb-a-${rand}`); // twice is fine
});

test('hostNetwork pods are left alone; bridge netfilter is detected', async () => {
  const r = await net.setup({ sandboxId: `host-${rand}`, netnsPath: '', portMappings: [], hostNetwork: true });
  assert.equal(r.ip, '');
  assert.equal(await net.status(`host-${rand}`), null);
  const bnf = await bridgeNetfilterEnabled();
  assert.equal(bnf, existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables') ? execFileSync('cat', ['/proc/sys/net/bridge/bridge-nf-call-iptables'], { encoding: 'utf8' }).trim() === '1' : null);
});

test('deferHostPorts: setup returns with the interface up and the rules in flight; they land, nat only', async (t) => {
  const port = await freeHostPort();
  const nsD = `tkt${rand}d`;
  await run('ip', ['netns', 'add', nsD]);
  t.after(() => run('ip', ['netns', 'del', nsD]).catch(() => undefined));
  const filterBefore = (await run('iptables', ['-w', '5', '-S', `${prefix}-FORWARD`])).stdout;
  const r = await net.setup({ sandboxId: `sb-d-${rand}`, netnsPath: `/run/netns/${nsD}`, deferHostPorts: true,
    portMappings: [{ hostPort: port, containerPort: 80, protocol: 'TCP' }] });
  assert.ok(r.hostPorts instanceof Promise, 'the rules are handed back to wait for');
  assert.match((await run('ip', ['-n', nsD, '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout, new RegExp(`inet ${r.ip.replace(/\./g, '\\.')}/24`));
  await r.hostPorts;
  const nat = (await run('iptables', ['-w', '5', '-t', 'nat', '-S', `${prefix}-HOSTPORTS`])).stdout;
  assert.match(nat, new RegExp(`--dport ${port} .*--to-destination ${r.ip.replace(/\./g, '\\.')}:80`));
  // A pod's rewrite leaves the filter chains (written once, at init) as they were.
  assert.equal((await run('iptables', ['-w', '5', '-S', `${prefix}-FORWARD`])).stdout, filterBefore);
  assert.match(filterBefore, /-j ACCEPT/);
  await net.teardown(`sb-d-${rand}`);
  assert.ok(!(await run('iptables', ['-w', '5', '-t', 'nat', '-S', `${prefix}-HOSTPORTS`])).stdout.includes(`--dport ${port} `));
});

test('localnet guard: a pod with NET_RAW gets no SYN-ACK from a host service on 127.0.0.1, with no proxy running', async () => {
  // The bridge has route_localnet=1 (hostPorts on 127.0.0.1); without the guard a raw SYN for
  // 127.0.0.1 in a frame to the gateway's MAC reaches loopback-only services (CVE-2020-8558).
  const nsC = `tkt${rand}c`;
  await run('ip', ['netns', 'add', nsC]);
  await net.setup({ sandboxId: `sb-e-${rand}`, netnsPath: `/run/netns/${nsC}`, portMappings: [] });
  assert.equal((await run('cat', [`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`])).stdout.trim(), '1');
  const srv = createServer((c) => c.end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    const probe = await buildSynProbe(work);
    const mac = /link\/ether (\S+)/.exec((await run('ip', ['-o', 'link', 'show', bridge])).stdout)![1];
    // The node learns the pod's MAC from an ordinary packet first, as from an attacker's earlier traffic.
    await run('ip', ['netns', 'exec', nsC, 'busybox', 'ping', '-c', '1', '-W', '2', gateway]);
    const counter = async () => Number(/^\s*(\d+)/m.exec((await run('iptables', ['-w', '5', '-t', 'filter', '-L', `${prefix}-INPUT`, '-v', '-x', '-n'])).stdout.split('\n').slice(2).join('\n'))?.[1] ?? 0);
    const before = await counter();
    const r = await run('ip', ['netns', 'exec', nsC, probe, 'eth0', mac, '127.0.0.1', String(port), '2000']).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }));
    assert.notEqual(probeResult(r.stdout, r.stderr), 'SYNACK');
    // Our rule dropped it, unless another guard (a proxy's FIREWALL chain) sits before ours in INPUT.
    const input = (await run('iptables', ['-w', '5', '-t', 'filter', '-S', 'INPUT'])).stdout.split('\n');
    const ours = input.findIndex((l) => l.includes(`-j ${prefix}-INPUT`));
    assert.ok(ours >= 0, 'our INPUT jump is installed');
    if (!input.slice(0, ours).some((l) => /FIREWALL/.test(l))) assert.ok((await counter()) > before, 'the drop rule counted the probe');
  } finally {
    srv.close();
    await net.teardown(`sb-e-${rand}`);
    await run('ip', ['netns', 'del', nsC]);
  }
});

test('a state temp file left by a kill between write and rename is removed at the next start', async () => {
  const nsF = `tkt${rand}f`;
  await run('ip', ['netns', 'add', nsF]);
  const stale = join(stateDir, 'pods', `${'0'.repeat(32)}.json.tmp`);
  writeFileSync(stale, '{"sandboxId":"half-writ');
  const fresh = createPodNetwork({ bridgeName: bridge, podCIDR: cidr, stateDir, chainPrefix: prefix, enableForwarding: false });
  try {
    await fresh.setup({ sandboxId: `sb-f-${rand}`, netnsPath: `/run/netns/${nsF}`, portMappings: [] });
    assert.ok(!existsSync(stale), 'stale temp file removed');
  } finally {
    await fresh.teardown(`sb-f-${rand}`);
    await run('ip', ['netns', 'del', nsF]);
  }
});

test('a netns given as /proc/<pid>/ns/net (the pause process) works; cleanup removes everything', async () => {
  // As the runtime does: the namespace is held by a process, not a bind mount.
  const holder = spawn('unshare', ['--net', 'busybox', 'sleep', '120'], { stdio: 'ignore' });
  children.push(holder);
  const nsPath = `/proc/${holder.pid}/ns/net`;
  await poll(async () => {
    const mine = (await run('readlink', ['/proc/self/ns/net'])).stdout;
    const theirs = (await run('readlink', [nsPath])).stdout;
    if (mine === theirs) throw new Error('not unshared yet');
  });
  const d = await net.setup({ sandboxId: `sb-d-${rand}`, netnsPath: nsPath, portMappings: [{ hostPort, containerPort: 1, protocol: 'UDP' }] });
  const inside = (await run('nsenter', [`--net=${nsPath}`, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout;
  assert.ok(inside.includes(`inet ${d.ip}/24`), inside);
  await run('ping', ['-c', '1', '-W', '3', d.ip]).catch(async () => run('busybox', ['ping', '-c', '1', '-W', '3', d.ip]));
  assert.match((await run('iptables', ['-w', '5', '-t', 'nat', '-S', `${prefix}-HOSTPORTS`])).stdout, new RegExp(`-p udp .*--dport ${hostPort}.*--to-destination ${d.ip.replace(/\./g, '\\.')}:1`));
  await net.cleanup();
  await assert.rejects(run('ip', ['link', 'show', bridge]));
  const all = (await run('iptables-save', [])).stdout;
  assert.ok(!all.includes(prefix), 'no chain or jump with our prefix left');
  assert.ok(!existsSync(stateDir));
  // The pod's eth0 went with its veth peer.
  assert.ok(!(await run('nsenter', [`--net=${nsPath}`, 'ip', 'link', 'show'])).stdout.includes('eth0'));
});

test('a netns promise that rejects (the pause process failed) undoes the address, state and hostPort rule', async () => {
  const port = await freeHostPort();
  const failed = Promise.reject(new Error('pause did not start'));
  await assert.rejects(net.setup({ sandboxId: `sb-g-${rand}`, netnsPath: failed, portMappings: [{ hostPort: port, containerPort: 80, protocol: 'TCP' }] }), /pause did not start/);
  assert.equal(await net.status(`sb-g-${rand}`), null);
  assert.ok(!(await net.sandboxIds!()).includes(`sb-g-${rand}`), 'address released');
  const nat = (await run('iptables', ['-w', '5', '-t', 'nat', '-S', `${prefix}-HOSTPORTS`])).stdout;
  assert.ok(!nat.includes(`--dport ${port} `), `no DNAT for ${port} is left:\n${nat}`);
});
