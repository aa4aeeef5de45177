// A kubelet test environment: real etcd + apiserver, a real runtime with a
// pod network on a unique bridge/CIDR/chain prefix, temp dirs and a unique
// cgroup root; cleanup() removes all of it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { createImageService, type ImageService } from '../runtime/images/index.js';
import { createPodNetwork } from '../runtime/network/index.js';
import type { PodNetwork } from '../runtime/network/types.js';
import type { RuntimeService } from '../runtime/cri.js';
import { Runtime } from '../runtime/runtime.js';
import { cleanupRuntime } from './runtime-env.js';
import { startTestApi, type TestApi } from './cluster.js';
import { startKubelet, type KubeletHandle, type KubeletOptions } from '../kubelet/kubelet.js';

export interface KubeletTestEnv {
  api: TestApi;
  client: RestClient;
  root: string;
  prefix: string;
  nodeName: string;
  runtime: Runtime;
  images: ImageService;
  network: PodNetwork;
  kubelet: KubeletHandle;
  /** Options the kubelet was started with (to start it again). */
  kubeletOptions: KubeletOptions;
  /** The kubelet's log lines (shown when a wait times out). */
  logs: string[];
  restartKubelet(): Promise<void>;
  cleanup(): Promise<void>;
}

function pickSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (;;) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!routes.includes(`172.30.${x}.`)) return `172.30.${x}.0/24`;
  }
}

export interface KubeletTestHooks {
  /** Wrap the real runtime the kubelet is given (e.g. to record the configs it hands over). */
  wrapRuntime?: (runtime: Runtime) => RuntimeService;
}

export async function startKubeletTestEnv(extra: Partial<KubeletOptions> = {}, hooks: KubeletTestHooks = {}): Promise<KubeletTestEnv> {
  const rand = randomBytes(2).toString('hex');
  const prefix = `tkk${rand}`;
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const api = await startTestApi();
  const client = new RestClient(api.url);
  const images = await createImageService({ root: join(root, 'images') });
  const podCIDR = pickSubnet();
  const network = createPodNetwork({ bridgeName: prefix, podCIDR, stateDir: join(root, 'net'), chainPrefix: prefix.toUpperCase(), enableForwarding: false });
  const runtime = new Runtime({ images, network, stateDir: join(root, 'state'), containersDir: join(root, 'containers'), cgroupRoot: prefix });
  mkdirSync(join(root, 'manifests'), { recursive: true });
  const nodeName = `${prefix}-node`;
  const logs: string[] = [];
  const kubeletOptions: KubeletOptions = {
    client,
    nodeName,
    nodeIP: '127.0.0.1',
    podCIDR,
    rootDir: join(root, 'kubelet'),
    logDir: join(root, 'logs'),
    podManifestPath: join(root, 'manifests'),
    runtime: hooks.wrapRuntime ? hooks.wrapRuntime(runtime) : runtime,
    images,
    network,
    port: 0,
    address: '127.0.0.1',
    relistMs: 300,
    statusIntervalMs: 2000,
    leaseIntervalMs: 1000,
    backoffBaseMs: 1000,
    backoffMaxMs: 4000,
    staticPollMs: 500,
    log: (m) => logs.push(`${new Date().toISOString()} ${m}`),
    ...extra,
  };
  let kubelet: KubeletHandle;
  try {
    kubelet = await startKubelet(kubeletOptions);
  } catch (e) {
    await cleanupRuntime(runtime, root).catch(() => undefined);
    await network.cleanup().catch(() => undefined);
    await api.stop();
    throw e;
  }
  const env: KubeletTestEnv = {
    api,
    client,
    root,
    prefix,
    nodeName,
    runtime,
    images,
    network,
    kubelet,
    kubeletOptions,
    logs,
    async restartKubelet() {
      await env.kubelet.stop();
      env.kubelet = await startKubelet(kubeletOptions);
    },
    async cleanup() {
      await env.kubelet.stop().catch(() => undefined);
      // Unmount anything under the kubelet's pod dirs (tmpfs emptyDirs) before the temp root goes.
      const mounts = execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(root));
      for (const m of mounts.reverse()) try { execFileSync('umount', ['-l', m]); } catch { /* gone */ }
      await cleanupRuntime(runtime, root).catch((e) => console.error('runtime cleanup:', e));
      await network.cleanup().catch((e) => console.error('network cleanup:', e));
      try {
        execFileSync('ip', ['link', 'del', prefix], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
      client.close();
      await api.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return env;
}

/** A busybox pod bound to the node. */
export function testPod(name: string, nodeName: string, spec: Partial<NonNullable<Pod['spec']>> & { command?: string[] } = {}): Pod {
  const { command, ...rest } = spec;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: 'busybox', command: command ?? ['sh', '-c', 'echo hello; sleep 1000'] }], ...rest },
  };
}

/** Poll fn until it returns a truthy value, or throw with the last value seen. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
