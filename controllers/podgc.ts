// The pod garbage collector (Kubernetes' PodGC controller). Every gcCheckPeriod
// (20 s) it looks at the pod and node caches and force-deletes (grace 0):
//  - terminated pods (phase Succeeded/Failed) beyond --terminated-pod-gc-threshold
//    (12500; 0 turns this off), evicted ones first, then oldest first;
//  - terminating pods on a not-ready node tainted node.kubernetes.io/out-of-service;
//  - orphaned pods, bound to a node that no longer exists: a node missing from the
//    cache is quarantined (40 s), then a fresh GET must say 404 before its pods go,
//    each first marked Failed with the DisruptionTarget condition (DeletionByPodGC);
//  - unscheduled pods that are terminating (no kubelet will ever finish them).
// Without it a pod of a vanished node stays Terminating for ever and blocks its
// owner's foreground deletion. A pod whose deletion fails is retried with a
// per-pod exponential back-off (from one period), logged once per attempt.

import { runPeriodically, type Periodic } from '../client/periodic.js';
import type { Node, Pod, PodCondition, PodStatus } from '../api/core.js';
import { isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import type { RunnableInformer } from './informers.js';
import { ExponentialFailureRateLimiter, formatDelay } from '../client/workqueue.js';
import { nowTime } from './pod-util.js';
import { startInformers } from './workers.js';

export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export interface PodGCOptions {
  client: RestClient;
  /** Terminated pods kept at most (--terminated-pod-gc-threshold, 12500); 0 or less keeps them all. */
  terminatedPodThreshold?: number;
  /** How often the collector looks (20 s). */
  gcCheckPeriodMs?: number;
  /** How long a node must be missing from the cache before it is checked with a GET (40 s). */
  quarantineMs?: number;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  nodeInformer?: Informer<Node>;
}

/** Kubernetes' isPodTerminated: any phase but Pending, Running or Unknown (an empty phase counts). */
export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

/** Evicted by the kubelet (eviction.PodIsEvicted). */
function isEvicted(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' && pod.status?.reason === 'Evicted';
}

/** byEvictionAndCreationTimestamp: evicted pods first, then oldest first, then by name. */
export function compareForPodGC(a: Pod, b: Pod): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** The terminated pods to delete so that at most `threshold` remain (none when threshold <= 0). */
export function terminatedPodsToDelete(pods: Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isPodTerminated);
  const n = terminated.length - threshold;
  if (n <= 0) return [];
  return terminated.sort(compareForPodGC).slice(0, n);
}

/** apipod.UpdatePodCondition: replace a condition of that type; the transition time moves only when the status does. */
export function withCondition(status: PodStatus, cond: PodCondition, now = nowTime()): PodStatus {
  const conditions = [...(status.conditions ?? [])];
  const i = conditions.findIndex((c) => c.type === cond.type);
  const prev = i >= 0 ? conditions[i] : undefined;
  const next: PodCondition = { ...cond, lastTransitionTime: prev && prev.status === cond.status ? prev.lastTransitionTime : now };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  return { ...status, conditions };
}

function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export class PodGCController {
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<Node>;
  private readonly own: RunnableInformer[] = [];
  private readonly log: (m: string) => void;
  /** Node names missing from the cache, with when they were first seen missing (the quarantine). */
  private readonly quarantined = new Map<string, number>();
  /** Per-pod back-off after a failed deletion (by uid). */
  private readonly backoff: ExponentialFailureRateLimiter<string>;
  private readonly retryAt = new Map<string, number>();
  private loop: Periodic | undefined;

  constructor(private readonly opts: PodGCOptions) {
    this.log = opts.log ?? console.error;
    this.pods = opts.podInformer ?? this.keep(new Informer<Pod>(opts.client, 'pods'));
    this.nodes = opts.nodeInformer ?? this.keep(new Informer<Node>(opts.client, 'nodes'));
    this.backoff = new ExponentialFailureRateLimiter<string>(this.periodMs, 1000_000);
    this.pods.on('delete', (p) => {
      const uid = p.metadata?.uid ?? '';
      this.retryAt.delete(uid);
      this.backoff.forget(uid);
    });
  }

  private keep<T extends RunnableInformer>(i: T): T {
    this.own.push(i);
    return i;
  }

  get periodMs(): number {
    return this.opts.gcCheckPeriodMs ?? 20_000;
  }

  async start(): Promise<this> {
    await startInformers([this.pods, this.nodes]);
    // wait.Until: a pass at once, then one a period after each pass ends.
    this.loop = runPeriodically(() => this.gc(), () => this.periodMs, (err) => this.log(`pod-gc: ${err instanceof Error ? err.message : String(err)}`), { immediate: true });
    return this;
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    await Promise.all(this.own.map((i) => i.stop()));
  }

  /** One pass (exported for tests). */
  async gc(now = Date.now()): Promise<void> {
    const pods = this.pods.store.list();
    const nodes = this.nodes.store.list();
    const threshold = this.opts.terminatedPodThreshold ?? 12500;
    if (threshold > 0) await this.deleteAll(terminatedPodsToDelete(pods, threshold), 'terminated', now);
    await this.gcTerminatingOutOfService(pods, now);
    await this.gcOrphaned(pods, nodes, now);
    await this.deleteAll(
      pods.filter((p) => p.metadata?.deletionTimestamp && !p.spec?.nodeName),
      'unscheduled terminating',
      now,
    );
  }

  private async gcTerminatingOutOfService(pods: Pod[], now: number): Promise<void> {
    const victims = pods.filter((p) => {
      if (!p.metadata?.deletionTimestamp || !p.spec?.nodeName) return false;
      const node = this.nodes.store.getByName(undefined, p.spec.nodeName);
      return !!node && !isNodeReady(node) && !!node.spec?.taints?.some((t) => t.key === TAINT_OUT_OF_SERVICE);
    });
    await this.deleteAll(victims.sort(compareForPodGC), 'terminating on an out-of-service node', now);
  }

  private async gcOrphaned(pods: Pod[], nodes: Node[], now: number): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    for (const name of this.quarantined.keys()) if (existing.has(name)) this.quarantined.delete(name);
    for (const p of pods) {
      const n = p.spec?.nodeName;
      if (n && !existing.has(n) && !this.quarantined.has(n)) this.quarantined.set(n, now);
    }
    // Past quarantine, the cache may still be behind: only a 404 from the apiserver says the node is gone.
    const deleted = new Set<string>();
    const quarantineMs = this.opts.quarantineMs ?? 40_000;
    for (const [name, since] of [...this.quarantined]) {
      if (now - since < quarantineMs) continue;
      this.quarantined.delete(name); // checked now; missing again later means a new quarantine
      try {
        await this.opts.client.nodes().get(name);
      } catch (err) {
        if (isNotFound(err)) deleted.add(name);
        else this.log(`pod-gc: checking node ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (!deleted.size) return;
    const orphans = pods.filter((p) => deleted.has(p.spec?.nodeName ?? ''));
    const cond: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
    await this.deleteAll(orphans, 'orphaned', now, cond);
  }

  private async deleteAll(pods: Pod[], why: string, now: number, cond?: PodCondition): Promise<void> {
    await Promise.all(
      pods.map(async (pod) => {
        const uid = pod.metadata?.uid ?? '';
        const due = this.retryAt.get(uid);
        if (due !== undefined && now < due) return;
        try {
          await this.markFailedAndDelete(pod, cond);
          this.retryAt.delete(uid);
          this.backoff.forget(uid);
          this.log(`pod-gc: force-deleted ${why} pod ${pod.metadata?.namespace}/${pod.metadata?.name}${pod.spec?.nodeName ? ` (node ${pod.spec.nodeName})` : ''}`);
        } catch (err) {
          const delay = this.backoff.when(uid);
          this.retryAt.set(uid, now + delay);
          this.log(`pod-gc: deleting ${why} pod ${pod.metadata?.namespace}/${pod.metadata?.name} failed (attempt ${this.backoff.numRequeues(uid)}, retrying in ${formatDelay(delay)}): ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
  }

  /** Kubernetes' markFailedAndDeletePodWithCondition: phase Failed (+ condition) through status, then delete with grace 0. */
  private async markFailedAndDelete(pod: Pod, cond?: PodCondition): Promise<void> {
    const ns = pod.metadata?.namespace;
    const name = pod.metadata?.name ?? '';
    const client = this.opts.client.pods(ns);
    try {
      if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
        // No kubelet will ever move a pod of a vanished node out of Running: do it here.
        let status: PodStatus = { ...(pod.status ?? {}), phase: 'Failed' };
        if (cond) status = withCondition(status, cond);
        const patch: Record<string, unknown> = { phase: 'Failed' };
        if (cond) patch.conditions = status.conditions;
        await client.patch(name, { metadata: { uid: pod.metadata?.uid }, status: patch }, 'merge', { subresource: 'status' });
      }
      await client.delete(name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (isNotFound(err)) return; // already gone
      throw err;
    }
  }
}

export async function startPodGC(opts: PodGCOptions): Promise<PodGCController> {
  return new PodGCController(opts).start();
}
