// A whole `hyperkube up` cluster for one e2e test file, with everything it touches on the
// host (bridge, pod and service CIDRs, iptables chains, service device, cgroup root, state
// and log dirs, manifest dir, node name, ports) unique to it, and a teardown that runs
// `hyperkube reset` and checks that nothing of it is left.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startUp, type UpCluster, type UpOptions } from './up.js';
import { cgroupPids } from '../runtime/reset.js';

const run = promisify(execFile);

export interface IsolatedFlags {
  tag: string;
  net: number;
  bridge: string;
  podCIDR: string;
  serviceCIDR: string;
  chains: string;
  proxyChains: string;
  device: string;
  cgroup: string;
  state: string;
  logs: string;
  manifests: string;
  node: string;
  root: string;
}

/** A /24 number whose pod and service CIDRs no route on this host uses yet. */
function freeNet(): number {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let i = 0; i < 200; i++) {
    const n = 100 + Math.floor(Math.random() * 150);
    if (!routes.includes(`10.244.${n}.`) && !routes.includes(`10.250.${n}.`)) return n;
  }
  throw new Error('no free test /24 under 10.244/16');
}

export function isolatedFlags(name: string): IsolatedFlags {
  const tag = Math.random().toString(36).slice(2, 6).padEnd(4, '0');
  const TAG = tag.toUpperCase();
  const root = mkdtempSync(join(tmpdir(), `tkt-${name}-`));
  const net = freeNet();
  return {
    tag,
    net,
    bridge: `tkt${tag}`,
    podCIDR: `10.244.${net}.0/24`,
    serviceCIDR: `10.250.${net}.0/24`,
    chains: `TKT${TAG}`,
    proxyChains: `TP${TAG}`.slice(0, 7),
    device: `tks${tag}`,
    cgroup: `tkt${tag}`,
    state: join(root, 'state'),
    logs: join(root, 'logs'),
    manifests: join(root, 'manifests'),
    node: `${name}-${tag}`,
    root,
  };
}

/** `hyperkube up` flags that keep a cluster inside the names of `f`. */
export function upArgs(f: IsolatedFlags): string[] {
  return [
    `--bridge=${f.bridge}`,
    `--pod-cidr=${f.podCIDR}`,
    `--service-cluster-ip-range=${f.serviceCIDR}`,
    `--chain-prefix=${f.chains}`,
    `--proxy-chain-prefix=${f.proxyChains}`,
    `--service-device=${f.device}`,
    `--cgroup-root=${f.cgroup}`,
    `--state-dir=${f.state}`,
    `--log-dir=${f.logs}`,
    `--pod-manifest-path=${f.manifests}`,
    `--hostname-override=${f.node}`,
    '--kubelet-port=0',
    '--kubelet-healthz-port=0',
    '--proxy-healthz-port=0',
  ];
}

/** `hyperkube reset` flags for the same names. */
export function resetArgs(f: IsolatedFlags, dataDir: string): string[] {
  return [`--data-dir=${dataDir}`, `--state-dir=${f.state}`, `--log-dir=${f.logs}`, `--cgroup-root=${f.cgroup}`, `--bridge=${f.bridge}`, `--chain-prefix=${f.chains}`, `--proxy-chain-prefix=${f.proxyChains}`, `--service-device=${f.device}`];
}

/** For benches, after `up` has stopped: `hyperkube reset` of the node's names (best effort), then its root dir goes. */
export function resetAndRemoveRoot(f: IsolatedFlags, dataDir: string): void {
  try {
    execFileSync(process.execPath, [...hyperkubeCommand(), 'reset', ...resetArgs(f, dataDir)], { stdio: 'ignore' });
  } finally {
    execFileSync('rm', ['-rf', f.root]);
  }
}

export function hyperkubeCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? ['--import', 'tsx', fileURLToPath(new URL('../cmd/hyperkube.ts', import.meta.url))] : [fileURLToPath(new URL('../cmd/hyperkube.js', import.meta.url))];
}

export interface IsolatedCluster {
  flags: IsolatedFlags;
  up: UpCluster;
  /** Stop `up` (SIGTERM) and start it again on the same data dir and names. */
  restart(extra?: string[]): Promise<UpCluster>;
  /** Stop, `hyperkube reset`, and assert nothing of this cluster is left on the host. */
  teardown(): Promise<void>;
}

export interface IsolatedOptions extends UpOptions {
  /** Put the data dir (etcd, kubelet root, images, containers) on a tmpfs of this many MiB: a small node filesystem, unmounted at teardown. */
  dataTmpfsMi?: number;
}

export async function startIsolated(name: string, extra: string[] = [], o: IsolatedOptions = {}): Promise<IsolatedCluster> {
  const flags = isolatedFlags(name);
  mkdirSync(flags.manifests, { recursive: true });
  const dataDir = join(flags.root, 'data');
  let up: UpCluster;
  try {
    if (o.dataTmpfsMi) {
      mkdirSync(dataDir, { mode: 0o700 });
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.floor(o.dataTmpfsMi)}m,mode=0700`, `tkt-${flags.tag}`, dataDir]);
    }
    up = await startUp([...upArgs(flags), ...extra], { ...o, dataDir, keepData: true });
  } catch (err) {
    await reset(flags, dataDir).catch(() => undefined);
    throw err;
  }
  const cluster: IsolatedCluster = {
    flags,
    up,
    async restart(more = extra) {
      await cluster.up.stop();
      cluster.up = await startUp([...upArgs(flags), ...more], { ...o, dataDir, keepData: true });
      return cluster.up;
    },
    async teardown() {
      await cluster.up.stop();
      const out = await reset(flags, dataDir);
      assert.deepEqual(cgroupPids(flags.cgroup), [], 'no process left in our cgroups');
      assert.doesNotMatch((await run('ip', ['-o', 'link'])).stdout, new RegExp(`${flags.bridge}|${flags.device}`), `links removed; reset said: ${out}`);
      assert.doesNotMatch((await run('iptables-save')).stdout, new RegExp(`${flags.chains}-|${flags.proxyChains}-`), 'chains removed');
      assert.ok(!existsSync(flags.state), `state dir removed: ${out}`);
    },
  };
  return cluster;
}

async function reset(f: IsolatedFlags, dataDir: string): Promise<string> {
  try {
    const r = await run(process.execPath, [...hyperkubeCommand(), 'reset', ...resetArgs(f, dataDir)]);
    return r.stdout + r.stderr;
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  } finally {
    unmountData(dataDir);
    rmSync(f.root, { recursive: true, force: true });
  }
}

/** The data dir's own tmpfs, if it has one (lazily if something still holds it: never left mounted). */
function unmountData(dataDir: string): void {
  if (!readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dataDir)) return;
  try {
    execFileSync('umount', [dataDir], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', dataDir], { stdio: 'ignore' });
  }
}
