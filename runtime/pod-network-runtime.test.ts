// Runtime + pod networking together (runtime/network's bridge implementation):
// a container reaches another pod by IP, the host reaches a pod by IP and by
// hostPort, /etc/hosts carries the pod IP, and teardown leaves nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createPodNetwork } from './network/index.js';
import type { PodNetwork } from './network/types.js';
import { cgroupPids, podConfig, testRuntime, type TestRuntimeEnv } from '../testing/runtime-env.js';

const rand = randomBytes(2).toString('hex');
const bridge = `tkr${rand}`;
const chainPrefix = `TKR${rand.toUpperCase()}`;
let net: PodNetwork;
let env: TestRuntimeEnv;
let hostPort = 0;
let podCIDR = '';

function pickSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (;;) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!routes.includes(`172.30.${x}.`)) return `172.30.${x}.0/24`;
  }
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer().once('error', () => resolve(false)).listen(port, () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

async function fetchText(url: string): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      return await (await fetch(url, { signal: AbortSignal.timeout(2000) })).text();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw last;
}

before(async () => {
  hostPort = await freePort();
  env = testRuntime();
  podCIDR = pickSubnet();
  net = createPodNetwork({ bridgeName: bridge, podCIDR, stateDir: join(env.root, 'net'), chainPrefix });
  // Re-create the runtime with the network wired in (same dirs and cgroup root).
  const { Runtime } = await import('./runtime.js');
  env.runtime = new Runtime({ ...env.options, network: net });
});

after(async () => {
  try {
    await env.cleanup();
  } finally {
    await net.cleanup().catch((e) => console.error('network cleanup failed:', e));
    try {
      execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
  assert.deepEqual(cgroupPids(env.prefix), []);
  assert.doesNotMatch(execFileSync('ip', ['link'], { encoding: 'utf8' }), new RegExp(bridge));
  assert.doesNotMatch(execFileSync('iptables-save', { encoding: 'utf8' }), new RegExp(chainPrefix));
});

test('pods get IPs; pod→pod by IP, host→pod by IP and hostPort; teardown releases', async () => {
  const rt = env.runtime;
  const a = await rt.runPodSandbox(podConfig('web', { portMappings: [{ containerPort: 8080, hostPort, protocol: 'TCP' }] }));
  const b = await rt.runPodSandbox(podConfig('client'));
  const ipA = (await rt.podSandboxStatus(a)).network.ip;
  const ipB = (await rt.podSandboxStatus(b)).network.ip;
  assert.match(ipA, /^172\.30\.\d+\.\d+$/);
  assert.notEqual(ipA, ipB);
  const web = await rt.createContainer(a, { metadata: { name: 'httpd' }, image: 'busybox', command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'] });
  await rt.startContainer(web);
  const hosts = (await rt.execSync(web, ['cat', '/etc/hosts'], 10)).stdout.toString();
  assert.match(hosts, new RegExp(`^${ipA.replace(/\./g, '\\.')}\\tweb$`, 'm'));
  assert.match((await rt.execSync(web, ['ip', '-4', 'addr', 'show', 'eth0'], 10)).stdout.toString(), new RegExp(`inet ${ipA}/24`));

  const cl = await rt.createContainer(b, { metadata: { name: 'wget' }, image: 'busybox', command: ['sleep', '1000'] });
  await rt.startContainer(cl);
  let body = '';
  for (let i = 0; i < 50 && body !== 'web\n'; i++) {
    body = (await rt.execSync(cl, ['wget', '-q', '-O', '-', `http://${ipA}:8080/`], 10)).stdout.toString();
    if (body !== 'web\n') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(body, 'web\n', 'pod → pod by IP');
  assert.equal(await fetchText(`http://${ipA}:8080/`), 'web\n', 'host → pod by IP');
  assert.equal(await fetchText(`http://127.0.0.1:${hostPort}/`), 'web\n', 'host → pod by hostPort on loopback');

  await rt.removePodSandbox(a);
  await rt.removePodSandbox(b);
  assert.equal(await net.status(a), null, 'network state released');
});

test('the hostPort rules are written while the container starts, and are in place once startContainer returns', async () => {
  const rt = env.runtime;
  const port = await freePort();
  const sb = await rt.runPodSandbox(podConfig('early', { portMappings: [{ containerPort: 80, hostPort: port, protocol: 'TCP' }] }));
  const id = await rt.createContainer(sb, { metadata: { name: 'c' }, image: 'busybox', command: ['sleep', '1000'] });
  await rt.startContainer(id);
  // Read at once, no retry: the start waited for the rules.
  const nat = execFileSync('iptables', ['-w', '5', '-t', 'nat', '-S', `${chainPrefix}-HOSTPORTS`], { encoding: 'utf8' });
  assert.match(nat, new RegExp(`--dport ${port} .*-j DNAT`));
  assert.equal((await rt.podSandboxStatus(sb)).state, 'SANDBOX_READY');
  await rt.removePodSandbox(sb);
  assert.doesNotMatch(execFileSync('iptables', ['-w', '5', '-t', 'nat', '-S', `${chainPrefix}-HOSTPORTS`], { encoding: 'utf8' }), new RegExp(`--dport ${port} `));
});

test('hostPort rules that fail: the start fails, the sandbox is NOTREADY and its network is torn down', async () => {
  const { Runtime } = await import('./runtime.js');
  const failing: PodNetwork = {
    ...net,
    setup: async (req) => {
      const res = await net.setup(req);
      await res.hostPorts;
      // Fails while the container starts (as a slow restore would).
      return { ...res, hostPorts: new Promise<void>((_, reject) => setTimeout(() => reject(new Error('iptables-restore: injected failure')), 300)) };
    },
    teardown: (id) => net.teardown(id),
    status: (id) => net.status(id),
    cleanup: () => net.cleanup(),
  };
  const rt = new Runtime({ ...env.options, network: failing });
  const sb = await rt.runPodSandbox(podConfig('badports', { portMappings: [{ containerPort: 80, hostPort: await freePort(), protocol: 'TCP' }] }));
  const id = await rt.createContainer(sb, { metadata: { name: 'c' }, image: 'busybox', command: ['sleep', '1000'] });
  await assert.rejects(rt.startContainer(id), /hostPort rules failed: iptables-restore: injected failure/);
  assert.equal((await rt.podSandboxStatus(sb)).state, 'SANDBOX_NOTREADY');
  assert.equal(await net.status(sb), null, 'its network state (and so its ports) is gone');
  const again = await rt.createContainer(sb, { metadata: { name: 'c2' }, image: 'busybox', command: ['sleep', '1000'] });
  await assert.rejects(rt.startContainer(again), /not ready: its hostPort rules could not be written/);
  await rt.removePodSandbox(sb);
});

test('CLI: run -d -p publishes a hostPort through the pod network; rm -f tears it down', async () => {
  const { runtimeCli } = await import('./cli.js');
  const port = await freePort();
  let out = '';
  let err = '';
  const io = { out: (x: string) => (out += x), err: (x: string) => (err += x) };
  const g = ['--state-dir', env.options.stateDir!, '--containers-dir', env.options.containersDir!, '--images-root', join(env.root, 'images'),
    '--cgroup-root', env.prefix, '--log-dir', join(env.root, 'logs'), '--pod-cidr', podCIDR, '--bridge', bridge, '--network-state-dir', join(env.root, 'net'), '--chain-prefix', chainPrefix];
  const code = await runtimeCli([...g, 'run', '-d', '--name', 'pub', '-p', `${port}:8080`, 'busybox', '--', 'sh', '-c', 'mkdir -p /w && echo published > /w/index.html && exec httpd -f -p 8080 -h /w'], io);
  assert.equal(code, 0, err);
  assert.equal(await fetchText(`http://127.0.0.1:${port}/`), 'published\n');
  assert.equal(await runtimeCli([...g, 'rm', '-f', 'pub'], io), 0, err);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }));
});
