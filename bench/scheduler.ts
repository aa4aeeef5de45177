// bench scheduler: how fast the scheduler binds pending pods (1 node, 100 hollow
// nodes; 1000 pods created first with the scheduler stopped, then timed from its
// start until all are bound), beside the anchor measured in the same run: the
// same 1000 binds done straight through the API with the same client and the same
// concurrency (the limit a scheduler can reach). And the replication controller:
// RC 0 -> 100, time until all 100 pods exist, beside 100 raw creates.
// The apiserver runs as its own process (`hyperkube apiserver`), the scheduler
// and the controller manager in this one, as they would against a real cluster.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Node, Pod, ReplicationController } from '../api/core.js';
import { Informer } from '../client/informer.js';
import { RestClient } from '../client/rest.js';
import { startControllerManager } from '../controllers/manager.js';
import { startScheduler } from '../scheduler/scheduler.js';
import { startEtcd, freePort, type EtcdHandle } from '../testing/etcd.js';
import { absolute, closedLoop, report, round, type Figure } from './common.js';
import { bucketsOf } from './histogram.js';

const CONCURRENCY = 32;

export interface Cluster {
  url: string;
  client: RestClient;
  stop(): Promise<void>;
}

/** etcd and `hyperkube apiserver` (its own process, no auth) with the namespace `bench`. */
export async function startCluster(): Promise<Cluster> {
  const etcd: EtcdHandle = await startEtcd();
  const port = await freePort();
  // From dist/ run the compiled hyperkube; from the sources (tsx), the .ts one through tsx.
  const fromSource = import.meta.url.endsWith('.ts');
  const hyperkube = fileURLToPath(new URL(fromSource ? '../cmd/hyperkube.ts' : '../cmd/hyperkube.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), hyperkube, 'apiserver', `--etcd-servers=${etcd.endpoint}`, `--port=${port}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const client = new RestClient(url, {});
  const stop = async () => {
    client.close();
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    await etcd.stop();
  };
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 300) throw new Error('apiserver did not become ready');
      await new Promise((r) => setTimeout(r, 50));
    }
    await client.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, client, stop };
}

function hollowNode(name: string, pods: number): Node {
  const allocatable = { cpu: '64', memory: '256Gi', pods: String(pods) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
  };
}

export function pendingPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'bench', labels: { bench: 'scheduler' } },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '10Mi' } } }] },
  };
}

export async function createPods(client: RestClient, prefix: string, n: number) {
  const pods = client.pods('bench');
  return closedLoop(n, CONCURRENCY, async (i) => {
    await pods.create(pendingPod(`${prefix}-${i}`));
  });
}

/** Resolves when `count()` reaches n, checked on every event of the informer. */
export function until(informer: Informer<Pod>, n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (informer.store.size >= n) resolve();
    };
    informer.on('add', check);
    check();
  });
}

/** Binds through the API only: create n pods, then bind them all as fast as possible. */
export async function rawBindRate(n: number): Promise<{ bindPerSec: number; createBindPerSec: number }> {
  const c = await startCluster();
  try {
    await c.client.nodes().create(hollowNode('raw', n + 10));
    const created = await createPods(c.client, 'raw', n);
    const pods = c.client.pods('bench');
    const bound = await closedLoop(n, CONCURRENCY, async (i) => {
      await pods.bind(`raw-${i}`, 'raw');
    });
    return { bindPerSec: bound.perSec, createBindPerSec: (n / (created.wallMs + bound.wallMs)) * 1000 };
  } finally {
    await c.stop();
  }
}

export interface SchedulerBurst {
  ms: number;
  /** Until the scheduler's informers had synced (startScheduler returned). */
  syncMs: number;
  cpuMs: number;
  /** Buckets of its scheduler_e2e_scheduling_duration_seconds, read before it stopped. */
  e2eBuckets: ReturnType<typeof bucketsOf>;
}

/** Starts a scheduler on the cluster and times it binding the n pods already pending in
 *  namespace bench, from its start until a watch has seen every one bound; then stops it. */
export async function timeSchedulerBurst(c: Cluster, n: number, recordEvents = true): Promise<SchedulerBurst> {
  const watcher = new Informer<Pod>(c.client, 'pods', { namespace: 'bench', fieldSelector: 'spec.nodeName!=' });
  await watcher.start();
  const allBound = until(watcher, n);
  const client = new RestClient(c.url);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const scheduler = await startScheduler({ client, bindConcurrency: CONCURRENCY, log: () => {}, recordEvents });
  const syncMs = performance.now() - t0;
  await allBound;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const e2eBuckets = bucketsOf((await scheduler.metrics.e2eDuration.get()).values);
  await scheduler.stop();
  await watcher.stop();
  client.close();
  return { ms, syncMs, cpuMs: (cpu.user + cpu.system) / 1000, e2eBuckets };
}

export async function schedulerRate(nodes: number, n: number, recordEvents = true): Promise<{ perSec: number; ms: number; syncMs: number; cpuMs: number }> {
  const c = await startCluster();
  try {
    const perNode = Math.ceil((n * 2) / nodes) + 10;
    await closedLoop(nodes, CONCURRENCY, async (i) => {
      await c.client.nodes().create(hollowNode(`hollow-${i}`, perNode));
    });
    await createPods(c.client, 's', n);
    const { ms, syncMs, cpuMs } = await timeSchedulerBurst(c, n, recordEvents);
    return { perSec: (n / ms) * 1000, ms, syncMs, cpuMs };
  } finally {
    await c.stop();
  }
}

async function rcScaleUp(replicas: number): Promise<{ ms: number; rawMs: number }> {
  const c = await startCluster();
  try {
    // Anchor: the same number of pods created straight through the API.
    const raw = await createPods(c.client, 'anchor', replicas);
    const cm = await startControllerManager({ client: new RestClient(c.url), controllers: ['replication'], log: () => {} });
    try {
      const rcs = c.client.replicationControllers('bench');
      const rc: ReplicationController = {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'web', namespace: 'bench' },
        spec: { replicas: 0, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      };
      await rcs.create(rc);
      const watcher = new Informer<Pod>(c.client, 'pods', { namespace: 'bench', labelSelector: 'app=web' });
      await watcher.start();
      // Let the controller observe the RC at 0 first.
      for (let i = 0; i < 200 && (await rcs.get('web')).status?.observedGeneration === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      const done = until(watcher, replicas);
      const t0 = performance.now();
      await rcs.scale('web', replicas);
      await done;
      const ms = performance.now() - t0;
      await watcher.stop();
      return { ms, rawMs: raw.wallMs };
    } finally {
      await cm.stop();
    }
  } finally {
    await c.stop();
  }
}

export async function main(args: string[] = []): Promise<void> {
  const n = args.includes('--quick') ? 300 : 1000;
  const figures: Figure[] = [];
  // This machine's load varies from minute to minute: each scheduler figure gets
  // the anchor measured just before it.
  let lastRaw = { bindPerSec: 0, createBindPerSec: 0 };
  for (const nodes of [1, 100]) {
    const raw = await rawBindRate(n);
    lastRaw = raw;
    console.log(`anchor: raw bind ${round(raw.bindPerSec)} pods/s; raw create+bind ${round(raw.createBindPerSec)} pods/s`);
    const r = await schedulerRate(nodes, n);
    console.log(`${nodes} node(s): ${n} pods bound in ${round(r.ms)} ms (informers synced after ${round(r.syncMs)} ms; scheduler process cpu ${round(r.cpuMs)} ms)`);
    figures.push(
      absolute({ name: `bind_throughput_${nodes}_node${nodes > 1 ? 's' : ''}`, unit: 'pods/s', value: r.perSec, target: '>= 300 pods/s' }, (v) => v >= 300, {
        anchor: `raw bind via API (${CONCURRENCY} in flight)`,
        anchor_value: raw.bindPerSec,
      }),
    );
  }
  figures.push(absolute({ name: 'raw_create_plus_bind', unit: 'pods/s', value: lastRaw.createBindPerSec, target: 'informational' }, () => true));
  const rc = await rcScaleUp(100);
  figures.push(absolute({ name: 'rc_0_to_100_all_created', unit: 'ms', value: rc.ms, target: '<= 1000 ms' }, (v) => v <= 1000, { anchor: `100 raw creates via API (${CONCURRENCY} in flight)`, anchor_value: rc.rawMs }));
  report('scheduler', figures);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
