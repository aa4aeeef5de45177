// bench pods: how fast a pod POSTed to the API is Running, observed by a watch, on a whole
// `hyperkube up` cluster with its own names (bridge, CIDRs, chains, cgroups: testing/isolated.ts).
//  - 1 pod at a time, p50/p99 over --runs (default 30);
//  - 100 pods POSTed at once, until the last one is Running;
//  - the kubelet's RSS with those 100 pods running. The kubelet runs as its own process here
//    (`hyperkube kubelet`, `up --disable=kubelet`) so its RSS is its own, not the apiserver's.
//  - then, on a second cluster as users run it, `up` (one process) plus etcd RSS idle and with
//    those 100 pods (up-memory.ts).
// Anchor: the same pod (sandbox + one container) started straight through the runtime in the
// same run — the floor that API, scheduler and kubelet add their time to.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RestClient } from '../client/index.js';
import type { Pod } from '../api/core.js';
import { isolatedFlags, upArgs, resetAndRemoveRoot, hyperkubeCommand, type IsolatedFlags } from '../testing/isolated.js';
import { startUp, type UpCluster } from '../testing/up.js';
import { SERVER_NODE_FLAGS } from '../cmd/node-flags.js';
import { testRuntime } from '../testing/runtime-env.js';
import { absolute, machine, report, round, summarize, type Figure } from './common.js';
import { upMemory } from './up-memory.js';
import { nodeTimes, POD_PATH_STEPS, stepSamples, wallNow, type PodPathTimes } from './pod-path.js';

const NS = 'default';

function podManifest(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { bench: 'pods' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
    },
  };
}

export function kubeletArgs(f: IsolatedFlags, dataDir: string): string[] {
  return [
    'kubelet',
    `--kubeconfig=${join(dataDir, 'kubeconfig')}`,
    `--hostname-override=${f.node}`,
    `--pod-cidr=${f.podCIDR}`,
    `--bridge=${f.bridge}`,
    `--chain-prefix=${f.chains}`,
    `--state-dir=${f.state}`,
    `--log-dir=${f.logs}`,
    `--cgroup-root=${f.cgroup}`,
    `--root-dir=${join(dataDir, 'kubelet')}`,
    `--images-root=${join(dataDir, 'images')}`,
    `--containers-dir=${join(dataDir, 'containers')}`,
    `--pod-manifest-path=${f.manifests}`,
    '--port=-1',
    '--max-pods=250',
  ];
}

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Resolves, per pod name, the moment a watch first sees it Running. */
export class RunningWatch {
  private readonly seen = new Map<string, number>();
  /** Per pod name, the wall-clock ms (pod-path.ts) a watch first saw it bound, and Running. */
  readonly boundWall = new Map<string, number>();
  readonly runningWall = new Map<string, number>();
  private readonly waiters = new Map<string, (t: number) => void>();
  constructor(private readonly stopFn: () => void) {}
  static async open(client: RestClient): Promise<RunningWatch> {
    const list = await client.pods(NS).list({ labelSelector: 'bench=pods' });
    const w = await client.pods(NS).watch({ labelSelector: 'bench=pods', resourceVersion: list.metadata?.resourceVersion });
    const rw = new RunningWatch(() => w.stop());
    w.listen((ev) => {
      const p = ev.object;
      if (ev.type === 'DELETED') return;
      const name = p.metadata.name!;
      if (p.spec?.nodeName && !rw.boundWall.has(name)) rw.boundWall.set(name, wallNow());
      if (p.status?.phase !== 'Running' || rw.seen.has(name)) return;
      const t = performance.now();
      rw.seen.set(name, t);
      rw.runningWall.set(name, wallNow());
      rw.waiters.get(name)?.(t);
    });
    return rw;
  }
  running(name: string, timeoutMs = 60_000): Promise<number> {
    const t = this.seen.get(name);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pod ${name} not Running within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(name, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }
  stop(): void {
    this.stopFn();
  }
}

export async function waitGone(client: RestClient, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const l = await client.pods(NS).list({ labelSelector: 'bench=pods' });
    if (l.items.length === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('bench pods not deleted in time');
}

/** Sandbox + container straight through the runtime, until started: the floor. */
async function runtimeFloor(runs: number): Promise<number[]> {
  const env = testRuntime();
  const out: number[] = [];
  try {
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      const sb = await env.runtime.runPodSandbox({ metadata: { name: `floor${i}`, namespace: NS, uid: `${env.prefix}-floor${i}` } });
      const id = await env.runtime.createContainer(sb, { metadata: { name: 'c' }, image: 'busybox', command: ['sleep', '3600'] });
      await env.runtime.startContainer(id);
      if (i >= 2) out.push(performance.now() - t0);
      await env.runtime.stopPodSandbox(sb);
      await env.runtime.removePodSandbox(sb);
    }
  } finally {
    await env.cleanup();
  }
  return out;
}

/** POSTs an RC of n pods; resolves with ms until a watch has seen all n bound; then removes it. */
async function rcAllBound(client: RestClient, n: number): Promise<number> {
  const sel = 'bench=rc';
  const list = await client.pods(NS).list({ labelSelector: sel });
  const bound = new Set<string>();
  let done: (t: number) => void = () => {};
  const all = new Promise<number>((r) => (done = r));
  const w = await client.pods(NS).watch({ labelSelector: sel, resourceVersion: list.metadata?.resourceVersion });
  w.listen((ev) => {
    const p = ev.object;
    if (ev.type !== 'DELETED' && p.spec?.nodeName) bound.add(p.metadata.name!);
    if (bound.size >= n) done(performance.now());
  });
  const t0 = performance.now();
  await client.replicationControllers(NS).create({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'bench-rc' },
    spec: { replicas: n, selector: { bench: 'rc' }, template: { metadata: { labels: { bench: 'rc' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] } } },
  } as never);
  const t1 = await Promise.race([all, new Promise<number>((_, rej) => setTimeout(() => rej(new Error(`only ${bound.size}/${n} bound in 60 s`)), 60_000))]);
  w.stop();
  await client.replicationControllers(NS).delete('bench-rc', { propagationPolicy: 'Background' });
  for (let i = 0; i < 600; i++) {
    if ((await client.pods(NS).list({ labelSelector: sel })).items.length === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return t1 - t0;
}

/**
 * `up` without its kubelet, and the kubelet as its own process (its CPU and memory apart from the
 * apiserver's), torn down as one: the kubelet, then `up`, then the node's names and its root dir.
 */
export class SplitNode {
  up?: UpCluster;
  kubelet?: ChildProcess;
  constructor(
    readonly f: IsolatedFlags,
    readonly dataDir: string,
  ) {}

  /** Starts both; resolves with a client once the node is Ready, so no clock starts before. */
  async start(): Promise<RestClient> {
    const { f, dataDir } = this;
    this.up = await startUp([...upArgs(f), '--disable=kubelet'], { dataDir, keepData: true });
    this.kubelet = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...hyperkubeCommand(), ...kubeletArgs(f, dataDir)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let kubeletErr = '';
    this.kubelet.stderr!.on('data', (d) => (kubeletErr = (kubeletErr + d).slice(-4000)));
    const client = RestClient.fromKubeconfig({ path: this.up.kubeconfig });
    for (let i = 0; ; i++) {
      const nodes = await client.nodes().list();
      if (nodes.items.find((n) => n.metadata?.name === f.node)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return client;
      if (i > 300) throw new Error(`node ${f.node} not Ready: ${kubeletErr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Also after a failed start. */
  async stop(): Promise<void> {
    const k = this.kubelet;
    if (k && k.exitCode === null) {
      k.kill('SIGTERM');
      await new Promise((r) => k.once('exit', r));
    }
    await this.up?.stop();
    resetAndRemoveRoot(this.f, this.dataDir);
  }
}

export async function main(args: string[] = []): Promise<void> {
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 30);
  const many = Number(args.find((a) => a.startsWith('--pods='))?.slice(7) ?? 100);
  const f = isolatedFlags('bpods');
  const dataDir = join(f.root, 'data');
  const node = new SplitNode(f, dataDir);
  const figures: Figure[] = [];
  try {
    const floor = summarize(await runtimeFloor(Math.min(runs, 20)));
    const client = await node.start();
    const kubelet = node.kubelet!;
    const watch = await RunningWatch.open(client);

    // --- one pod at a time (two warm-up runs), each also cut into the steps of its path
    const single: number[] = [];
    const paths: PodPathTimes[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const name = `single-${i}`;
      const post = wallNow();
      const t0 = performance.now();
      const pod = await client.pods(NS).create(podManifest(name));
      const created = wallNow();
      const t1 = await watch.running(name);
      const node = nodeTimes(f.state, pod.metadata.uid!);
      const bound = watch.boundWall.get(name);
      if (i >= 2) {
        single.push(t1 - t0);
        if (!node || bound === undefined) throw new Error(`pod ${name}: no runtime record or bind seen for its path`);
        paths.push({ post, created, bound, ...node, running: watch.runningWall.get(name)! });
      }
      await client.pods(NS).delete(name, { gracePeriodSeconds: 0 });
      await waitGone(client);
    }
    const s = summarize(single);

    // --- many pods at once
    const t0 = performance.now();
    const names = Array.from({ length: many }, (_, i) => `many-${i}`);
    await Promise.all(names.map((n) => client.pods(NS).create(podManifest(n))));
    const created = performance.now() - t0;
    const times = await Promise.all(names.map((n) => watch.running(n, 120_000)));
    const allRunning = Math.max(...times) - t0;
    await new Promise((r) => setTimeout(r, 3000)); // let the kubelet settle before reading its RSS
    const rss = rssMiB(kubelet.pid!);
    watch.stop();

    figures.push(absolute({ name: 'pod_running_p50', unit: 'ms', value: s.p50, target: '<= 40 ms' }, (v) => v <= 40, { anchor: 'runtime sandbox+container start p50', anchor_value: floor.p50 }));
    figures.push(absolute({ name: 'pod_running_p99', unit: 'ms', value: s.p99, target: '<= 80 ms' }, (v) => v <= 80, { anchor: 'runtime sandbox+container start p99', anchor_value: floor.p99 }));
    for (const [step, samples] of stepSamples(paths)) {
      const st = summarize(samples);
      const what = POD_PATH_STEPS.find(([n]) => n === step)![3];
      figures.push({ name: `pod_path_${step}_p50`, unit: 'ms', value: round(st.p50), target: 'report', note: what });
      figures.push({ name: `pod_path_${step}_p99`, unit: 'ms', value: round(st.p99), target: 'report', note: what });
    }
    figures.push(absolute({ name: `pods_${many}_all_running`, unit: 's', value: allRunning / 1000, target: '<= 2.5 s' }, (v) => v <= 2.5, { anchor: `${many} x runtime start p50, serial`, anchor_value: (many * floor.p50) / 1000 }));
    figures.push(absolute({ name: `kubelet_rss_at_${many}_pods`, unit: 'MiB', value: rss, target: '<= 150 MiB' }, (v) => v <= 150));
    console.log(`machine: ${machine()}; ${many} POSTs took ${round(created)} ms; single-pod min/max ${round(s.min)}/${round(s.max)} ms`);

    await client.pods(NS).deleteCollection({ labelSelector: 'bench=pods', gracePeriodSeconds: 0 });
    await waitGone(client);

    // --- an RC of 200 on this one node: time from the RC's POST until every pod is bound
    const boundMs = await rcAllBound(client, 200);
    figures.push(absolute({ name: 'rc_200_all_bound', unit: 's', value: boundMs / 1000, target: '<= 2 s' }, (v) => v <= 2));
  } finally {
    await node.stop();
  }
  // --- the whole node's memory: `up` in one process (kubelet included) plus its etcd
  const mem = await upMemory(many);
  figures.push(...mem.figures);
  console.log(mem.line);
  report('pods', figures);
}
