// Several test hosts on this machine: each a network namespace of its own (named uniquely),
// joined by a veth to a bridge that lives in one more namespace, with its own address, so
// every packet stays inside namespaces the test made. Host 1 runs `hyperkube up` (the control
// plane and its own node), the others `hyperkube join`; each with its own names (bridge,
// chains, cgroup root, state, logs, data). Teardown: processes by PID, `hyperkube reset` per
// host inside its namespace, the namespaces (links, routes, chains go with them), the dirs.

import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVER_NODE_FLAGS } from '../cmd/node-flags.js';
import { cgroupPids } from '../runtime/reset.js';
import { hyperkubeCommand, isolatedFlags, resetArgs, upArgs, type IsolatedFlags } from './isolated.js';
import { randomOctet, uniqueName } from './proxy-netns.js';

const run = promisify(execFile);

export interface TestHost {
  index: number;
  netns: string;
  ip: string;
  flags: IsolatedFlags;
  dataDir: string;
  proc?: ChildProcess;
  output: string;
}

export interface MultiNodeCluster {
  hosts: TestHost[];
  clusterCIDR: string;
  apiPort: number;
  server: string;
  kubeconfig: string;
  /** kubectl inside host 1's namespace, against its apiserver. */
  kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** hyperkube inside a host's namespace. */
  hyperkube(host: TestHost, args: string[]): Promise<string>;
  /** Stops a host's process (SIGTERM, then SIGKILL) by its PID. */
  stopHost(host: TestHost): Promise<void>;
  teardown(): Promise<void>;
}

const nsenter = (netns: string) => ['nsenter', `--net=/run/netns/${netns}`, '--'];

/** Spawns a hyperkube command in a host's namespace and resolves once it prints `ready:`. */
async function startIn(host: TestHost, args: string[], timeoutMs: number): Promise<void> {
  const [cmd, ...pre] = nsenter(host.netns);
  const child = spawn(cmd, [...pre, process.execPath, ...SERVER_NODE_FLAGS, ...hyperkubeCommand(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  host.proc = child;
  host.output = '';
  child.stdout.on('data', (d) => (host.output += d));
  child.stderr.on('data', (d) => (host.output += d));
  const deadline = Date.now() + timeoutMs;
  while (!/^ready: /m.test(host.output)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`host ${host.index} (${args[0]}) exited: ${host.output}`);
    if (Date.now() > deadline) throw new Error(`host ${host.index} (${args[0]}) not ready: ${host.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopProc(host: TestHost): Promise<void> {
  const c = host.proc;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGTERM');
  await new Promise<void>((r) => {
    const t = setTimeout(() => {
      c.kill('SIGKILL');
      r();
    }, 15_000);
    c.once('exit', () => {
      clearTimeout(t);
      r();
    });
  });
}

export interface MultiNodeOptions {
  hosts: number;
  /** Extra flags of host 1's `up`. */
  upFlags?: string[];
}

export async function startMultiNode(name: string, o: MultiNodeOptions): Promise<MultiNodeCluster> {
  const tag = uniqueName('');
  const octet = randomOctet();
  const bridgeNs = `tkmn${tag}b`;
  const clusterCIDR = '10.244.0.0/16';
  const hosts: TestHost[] = [];
  for (let i = 1; i <= o.hosts; i++) {
    const flags = isolatedFlags(`${name}${i}`);
    hosts.push({ index: i, netns: `tkmn${tag}h${i}`, ip: `172.30.${octet}.${i}`, flags, dataDir: join(flags.root, 'data'), output: '' });
  }
  const apiPort = 6443;
  const server = `https://${hosts[0].ip}:${apiPort}`;
  const kubeconfig = join(hosts[0].dataDir, 'kubeconfig');
  const created: string[] = [];
  const cluster: MultiNodeCluster = {
    hosts,
    clusterCIDR,
    apiPort,
    server,
    kubeconfig,
    kubectl: (args, input) =>
      new Promise((resolve) => {
        const [cmd, ...pre] = nsenter(hosts[0].netns);
        const p = execFile(cmd, [...pre, '/usr/bin/kubectl', '--kubeconfig', kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
        p.stdin!.on('error', () => {});
        if (input !== undefined) p.stdin!.end(input);
      }),
    async hyperkube(host, args) {
      const [cmd, ...pre] = nsenter(host.netns);
      return (await run(cmd, [...pre, process.execPath, ...hyperkubeCommand(), ...args])).stdout;
    },
    stopHost: stopProc,
    async teardown() {
      // Joined nodes first, then the control plane; each by the PID we started.
      for (const h of [...hosts].reverse()) await stopProc(h);
      // For a failed run: each host's output kept where TSKUBE_MULTINODE_LOGS says.
      const logs = process.env.TSKUBE_MULTINODE_LOGS;
      if (logs) for (const h of hosts) writeFileSync(join(logs, `host${h.index}.log`), h.output);
      const problems: string[] = [];
      for (const h of hosts) {
        if (!created.includes(h.netns)) continue;
        await cluster.hyperkube(h, ['reset', ...resetArgs(h.flags, h.dataDir)]).catch((e: unknown) => problems.push(`reset host ${h.index}: ${String((e as { stderr?: string }).stderr ?? e)}`));
      }
      for (const ns of created) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
      for (const h of hosts) rmSync(h.flags.root, { recursive: true, force: true });
      for (const h of hosts) {
        assert.deepEqual(cgroupPids(h.flags.cgroup), [], `no process left in host ${h.index}'s cgroups`);
        assert.ok(!existsSync(h.flags.state), `host ${h.index}'s state dir removed`);
      }
      const left = (await run('ip', ['netns', 'list'])).stdout;
      assert.doesNotMatch(left, new RegExp(`tkmn${tag}`), 'namespaces removed');
      assert.deepEqual(problems, []);
    },
  };
  try {
    // The test network: a bridge in its own namespace, a veth to each host.
    for (const ns of [bridgeNs, ...hosts.map((h) => h.netns)]) {
      await run('ip', ['netns', 'add', ns]);
      created.push(ns);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await run('ip', ['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await run('ip', ['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
    for (const h of hosts) {
      await run('ip', ['link', 'add', 'eth0', 'netns', h.netns, 'type', 'veth', 'peer', 'name', `p${h.index}`, 'netns', bridgeNs]);
      await run('ip', ['-n', bridgeNs, 'link', 'set', `p${h.index}`, 'master', 'br0', 'up']);
      await run('ip', ['-n', h.netns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
      await run('ip', ['-n', h.netns, 'link', 'set', 'eth0', 'up']);
      mkdirSync(h.flags.manifests, { recursive: true });
    }
    const h1 = hosts[0];
    await startIn(h1, [
      'up', ...upArgs(h1.flags), `--data-dir=${h1.dataDir}`, `--bind-address=${h1.ip}`, `--port=${apiPort}`,
      `--cluster-cidr=${clusterCIDR}`, '--etcd-client-port=12379', '--etcd-peer-port=12380', ...(o.upFlags ?? []),
    ], 90_000);
    const token = (await cluster.hyperkube(h1, ['token', 'create', `--kubeconfig=${kubeconfig}`, '--ttl=1h'])).trim();
    await Promise.all(hosts.slice(1).map((h) =>
      startIn(h, [
        'join', `--server=${server}`, `--token=${token}`, `--certificate-authority=${join(h1.dataDir, 'pki', 'ca.crt')}`, `--node-ip=${h.ip}`,
        `--hostname-override=${h.flags.node}`, `--data-dir=${h.dataDir}`, `--cluster-cidr=${clusterCIDR}`, `--service-cluster-ip-range=${h1.flags.serviceCIDR}`,
        `--bridge=${h.flags.bridge}`, `--chain-prefix=${h.flags.chains}`, `--proxy-chain-prefix=${h.flags.proxyChains}`, `--service-device=${h.flags.device}`,
        `--cgroup-root=${h.flags.cgroup}`, `--state-dir=${h.flags.state}`, `--log-dir=${h.flags.logs}`, `--pod-manifest-path=${h.flags.manifests}`,
        '--kubelet-port=10250', '--kubelet-healthz-port=0', '--proxy-healthz-port=0',
      ], 90_000)));
  } catch (err) {
    const out = hosts.map((h) => `--- host ${h.index}\n${h.output.slice(-4000)}`).join('\n');
    await cluster.teardown().catch((e: unknown) => console.error(`teardown: ${String(e)}`));
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return cluster;
}
