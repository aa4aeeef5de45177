// bench nodes, registered nodes: Node objects created through the API with capacity,
// allocatable and Ready conditions, each kept Ready by renewing its Lease in kube-node-lease on a
// kubelet's schedule (a quarter of the lease duration), watched by the real node lifecycle
// controller (`hyperkube controller-manager --controllers=nodelifecycle`, its own process).
// Nothing runs the pods. 1000 pods are created first with no scheduler running, then the
// scheduler starts in this process and the clock runs until a watch has seen all bound
// (bench/scheduler.ts's method, upstream scheduler_perf's too).

import { spawn, type ChildProcess } from 'node:child_process';
import type { Lease, Node } from '../api/core.js';
import { isConflict } from '../client/errors.js';
import type { ResourceClient } from '../client/rest.js';
import { hyperkubeCommand } from '../testing/isolated.js';
import { histogramQuantile } from './histogram.js';
import { closedLoop } from './common.js';
import { createPods, startCluster, timeSchedulerBurst, type Cluster } from './scheduler.js';

const CONCURRENCY = 32;
const LEASE_NS = 'kube-node-lease';

/** The node lifecycle controller's timing here, shortened from 40 s so that a node whose lease
 *  stopped would show within the run; the lease keeps the kubelet's ratio (renewed every 1/4). */
export const HOLLOW_TIMING = { leaseDurationSeconds: 10, renewEveryMs: 2500, monitorPeriod: '1s', gracePeriod: '10s', graceMs: 10_000 };

const ts = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const micro = (ms = Date.now()) => new Date(ms).toISOString().replace(/Z$/, '000Z');

export function hollowNode(name: string, index: number, pods: number): Node {
  const capacity = { cpu: '64', memory: '256Gi', pods: String(pods), 'ephemeral-storage': '100Gi' };
  const now = ts();
  const cond = (type: string, status: 'True' | 'False', reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    spec: {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      // RFC 2544's benchmarking range: never routed, and nothing here connects to a node.
      addresses: [{ type: 'InternalIP', address: `198.18.${Math.floor(index / 250)}.${(index % 250) + 1}` }, { type: 'Hostname', address: name }],
      nodeInfo: { kubeletVersion: 'v1.32.0-hollow', operatingSystem: 'linux', architecture: 'amd64' } as NonNullable<Node['status']>['nodeInfo'],
    },
  };
}

/** Each node's Lease, renewed on its own staggered tick as its kubelet would (a conflict: re-read, renew next tick). */
class LeaseRenewer {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly current = new Map<string, Lease>();
  renewals = 0;
  failures = 0;
  lastError = '';
  constructor(private readonly leases: ResourceClient<Lease>) {}

  async create(node: Node): Promise<void> {
    const name = node.metadata.name!;
    const now = micro();
    const lease = await this.leases.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: LEASE_NS, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid! }] },
      spec: { holderIdentity: name, leaseDurationSeconds: HOLLOW_TIMING.leaseDurationSeconds, acquireTime: now, renewTime: now },
    });
    this.current.set(name, lease);
  }

  start(): void {
    const names = [...this.current.keys()];
    names.forEach((name, i) => {
      const offset = (i * HOLLOW_TIMING.renewEveryMs) / names.length;
      const first = setTimeout(() => {
        void this.renew(name);
        this.timers.push(setInterval(() => void this.renew(name), HOLLOW_TIMING.renewEveryMs));
      }, offset);
      this.timers.push(first);
    });
  }

  private async renew(name: string): Promise<void> {
    const cur = this.current.get(name);
    if (!cur) return;
    try {
      this.current.set(name, await this.leases.update({ ...cur, spec: { ...cur.spec, renewTime: micro() } }));
      this.renewals++;
    } catch (err) {
      this.failures++;
      this.lastError = err instanceof Error ? err.message : String(err);
      if (isConflict(err)) this.current.set(name, await this.leases.get(name).catch(() => cur));
    }
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
  }
}

function readiness(nodes: Node[]): { ready: number; notReady: string[] } {
  const notReady = nodes
    .filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True' || (n.spec?.taints?.length ?? 0) > 0)
    .map((n) => `${n.metadata.name}:${n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-'}${n.spec?.taints?.length ? ':tainted' : ''}`);
  return { ready: nodes.length - notReady.length, notReady };
}

export interface HollowResult {
  nodes: number;
  pods: number;
  perSec: number;
  ms: number;
  /** The scheduler's own per-pod latency (scheduler_e2e_scheduling_duration_seconds), ms. */
  p50Ms: number;
  p99Ms: number;
  cpuMs: number;
  leaseRenewals: number;
}

function startNodeLifecycle(url: string): { proc: ChildProcess; stderr: () => string; stop(): Promise<void> } {
  const proc = spawn(process.execPath, [
    ...hyperkubeCommand(), 'controller-manager', `--master=${url}`, '--controllers=nodelifecycle',
    `--node-monitor-period=${HOLLOW_TIMING.monitorPeriod}`, `--node-monitor-grace-period=${HOLLOW_TIMING.gracePeriod}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  return {
    proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    },
  };
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `nodes` registered nodes kept Ready by leases; `n` pending pods; the scheduler started and timed until all are bound. */
export async function hollowScheduling(nodes: number, n: number, log: (m: string) => void): Promise<HollowResult> {
  const c: Cluster = await startCluster();
  const nlc = startNodeLifecycle(c.url);
  const renewer = new LeaseRenewer(c.client.resource<Lease>('leases', LEASE_NS));
  try {
    const perNode = Math.ceil((n * 2) / nodes) + 10;
    const created = Date.now();
    const registered: Node[] = [];
    await closedLoop(nodes, CONCURRENCY, async (i) => {
      const node = await c.client.nodes().create(hollowNode(`hollow-${i}`, i, perNode));
      await renewer.create(node);
      registered.push(node);
    });
    renewer.start();
    // The control: one more node that never renews must go Unknown, or the check below proves nothing.
    await c.client.nodes().create(hollowNode('hollow-silent', nodes, perNode));
    await createPods(c.client, 's', n);
    await waitFor('the silent node to go Unknown (node lifecycle controller)', async () => {
      if (nlc.proc.exitCode !== null) throw new Error(`controller-manager exited: ${nlc.stderr()}`);
      const silent = await c.client.nodes().get('hollow-silent');
      return silent.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'Unknown';
    }, HOLLOW_TIMING.graceMs * 4);
    await c.client.nodes().delete('hollow-silent');
    // Past the grace period since registration, the renewing nodes must still be Ready and untainted.
    const wait = created + HOLLOW_TIMING.graceMs + 2000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const before = readiness((await c.client.nodes().list()).items);
    if (before.notReady.length || before.ready !== nodes) throw new Error(`hollow nodes not kept Ready by their leases: ${before.ready}/${nodes} Ready; ${before.notReady.slice(0, 5).join(' ')}`);

    const { ms, cpuMs, e2eBuckets: buckets } = await timeSchedulerBurst(c, n);
    const after = readiness((await c.client.nodes().list()).items);
    if (after.notReady.length) throw new Error(`hollow nodes went NotReady during the run: ${after.notReady.slice(0, 5).join(' ')}`);
    log(`${nodes} node(s): ${n} pods bound in ${Math.round(ms)} ms; ${renewer.renewals} lease renewals (${renewer.failures} failed${renewer.lastError ? `, last: ${renewer.lastError}` : ''}); ${registered.length} nodes Ready after ${Math.round((Date.now() - created) / 1000)} s`);
    return {
      nodes,
      pods: n,
      perSec: (n / ms) * 1000,
      ms,
      p50Ms: histogramQuantile(0.5, buckets) * 1000,
      p99Ms: histogramQuantile(0.99, buckets) * 1000,
      cpuMs,
      leaseRenewals: renewer.renewals,
    };
  } finally {
    renewer.stop();
    await nlc.stop();
    await c.stop();
  }
}
