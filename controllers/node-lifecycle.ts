// The node lifecycle controller: watches node heartbeats (the node's Lease in
// kube-node-lease and its Ready condition's lastHeartbeatTime) and, when they
// stop for nodeMonitorGracePeriod, sets the node's conditions Unknown
// ("Kubelet stopped posting node status."); keeps the not-ready/unreachable
// taints (NoSchedule and NoExecute) in step with the Ready condition; marks the
// pods of a node that is not ready as not Ready; and, as the taint manager,
// deletes pods that do not tolerate a NoExecute taint once their toleration
// runs out (tolerationSeconds; pods without a toleration for not-ready or
// unreachable get the default Kubernetes' admission adds, 300 s) so their
// controllers replace them.
//
// As in Kubernetes, a heartbeat is judged by when this controller observed it
// change (its own clock), never by the timestamp the kubelet wrote.

import { runPeriodically, type Periodic } from '../client/periodic.js';
import type { Lease, Node, NodeCondition, Pod, Taint } from '../api/core.js';
import { deepEqual } from '../api/deep-equal.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import type { RunnableInformer } from './informers.js';
import { ExponentialFailureRateLimiter, formatDelay } from '../client/workqueue.js';
import type { EventRecorder } from '../client/events.js';
import { isPodReady, nowTime, toleratesTaint } from './pod-util.js';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleOptions {
  client: RestClient;
  /** How often nodes are checked (Kubernetes' --node-monitor-period, 5 s). */
  nodeMonitorPeriodMs?: number;
  /** Heartbeats missing this long make a node Unknown (--node-monitor-grace-period, 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** The same, for a node that never posted a Ready condition (60 s). */
  nodeStartupGracePeriodMs?: number;
  /** tolerationSeconds for pods without their own not-ready/unreachable toleration (300 s). */
  defaultTolerationSeconds?: number;
  recorder?: EventRecorder;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  nodeInformer?: Informer<Node>;
}

interface Health {
  probeMs: number;
  heartbeat: string | undefined;
  readyStatus: string | undefined;
  renewTime: string | undefined;
}

const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** The not-ready/unreachable taints a node's Ready condition calls for. */
export function taintsForReady(status: string | undefined): { key: string; effect: 'NoSchedule' | 'NoExecute' }[] {
  if (status === 'True') return [];
  const key = status === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE;
  return [
    { key, effect: 'NoSchedule' },
    { key, effect: 'NoExecute' },
  ];
}

/** TaintNodesByCondition: the NoSchedule taints a node's pressure conditions call for. */
export const CONDITION_TAINTS: Record<string, string> = {
  MemoryPressure: 'node.kubernetes.io/memory-pressure',
  DiskPressure: 'node.kubernetes.io/disk-pressure',
  PIDPressure: 'node.kubernetes.io/pid-pressure',
  NetworkUnavailable: 'node.kubernetes.io/network-unavailable',
};

export function taintsForConditions(node: Node): { key: string; effect: 'NoSchedule' }[] {
  return (node.status?.conditions ?? []).filter((c) => c.status === 'True' && Object.hasOwn(CONDITION_TAINTS, c.type)).map((c) => ({ key: CONDITION_TAINTS[c.type], effect: 'NoSchedule' as const }));
}

/**
 * When the pod must be evicted from a node with these NoExecute taints: 0 = now,
 * a time in ms, or undefined = never (tolerated forever).
 */
export function evictionTime(pod: Pod, taints: Taint[], defaultTolerationSeconds: number, firstSeenMs: number): number | undefined {
  const noExec = taints.filter((t) => t.effect === 'NoExecute');
  if (!noExec.length) return undefined;
  let minSeconds: number | undefined;
  let start = Infinity;
  for (const taint of noExec) {
    let tols = (pod.spec?.tolerations ?? []).filter((t) => toleratesTaint(t, taint));
    if (!tols.length && (taint.key === TAINT_UNREACHABLE || taint.key === TAINT_NOT_READY)) {
      // Kubernetes' DefaultTolerationSeconds admission gives every pod these two.
      tols = [{ key: taint.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultTolerationSeconds }];
    }
    if (!tols.length) return 0;
    for (const t of tols) {
      if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      const s = Math.max(0, t.tolerationSeconds);
      minSeconds = minSeconds === undefined ? s : Math.min(minSeconds, s);
    }
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN;
    start = Math.min(start, Number.isNaN(added) ? firstSeenMs : added);
  }
  if (minSeconds === undefined) return undefined;
  return (start === Infinity ? firstSeenMs : start) + minSeconds * 1000;
}

export class NodeLifecycleController {
  readonly nodes: Informer<Node>;
  readonly leases: Informer<Lease>;
  readonly pods: Informer<Pod>;
  private readonly health = new Map<string, Health>();
  /** When each pod was first seen needing eviction (for taints without timeAdded). */
  private readonly firstSeen = new Map<string, number>();
  private readonly own: RunnableInformer[] = [];
  private readonly log: (m: string) => void;
  private loop: Periodic | undefined;
  /** Per-node back-off after a failed pass: from one monitor period, doubling, at most 16 periods. */
  private readonly backoff: ExponentialFailureRateLimiter<string>;
  private readonly retryAt = new Map<string, number>();

  constructor(private readonly opts: NodeLifecycleOptions) {
    const c = opts.client;
    this.log = opts.log ?? console.error;
    this.nodes = opts.nodeInformer ?? this.keep(new Informer<Node>(c, 'nodes'));
    this.pods = opts.podInformer ?? this.keep(new Informer<Pod>(c, 'pods'));
    this.leases = this.keep(new Informer<Lease>(c, 'leases', { namespace: NODE_LEASE_NAMESPACE }));
    const period = opts.nodeMonitorPeriodMs ?? 5000;
    this.backoff = new ExponentialFailureRateLimiter<string>(period, 16 * period);
    this.nodes.on('delete', (n) => {
      const name = n.metadata?.name ?? '';
      this.health.delete(name);
      this.retryAt.delete(name);
      this.backoff.forget(name);
    });
    this.pods.on('delete', (p) => this.firstSeen.delete(p.metadata?.uid ?? ''));
  }

  private keep<T extends RunnableInformer>(i: T): T {
    this.own.push(i);
    return i;
  }

  get gracePeriodMs(): number {
    return this.opts.nodeMonitorGracePeriodMs ?? 40_000;
  }

  async start(): Promise<this> {
    await Promise.all([this.nodes.start(), this.pods.start(), this.leases.start()]);
    const period = this.opts.nodeMonitorPeriodMs ?? 5000;
    this.loop = runPeriodically(() => this.monitor(), () => period, (err) => this.log(`node-lifecycle: ${err instanceof Error ? err.message : String(err)}`));
    return this;
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    await Promise.all(this.own.map((i) => i.stop()));
  }

  /** One pass over every node (exported for tests and for a manual kick). */
  async monitor(): Promise<void> {
    const now = Date.now();
    const podsByNode = new Map<string, Pod[]>();
    for (const p of this.pods.store.list()) {
      const n = p.spec?.nodeName;
      if (!n) continue;
      let l = podsByNode.get(n);
      if (!l) podsByNode.set(n, (l = []));
      l.push(p);
    }
    for (const node of this.nodes.store.list()) {
      const name = node.metadata?.name ?? '';
      // A node whose last pass failed waits out its back-off (per node, doubling from one period).
      const due = this.retryAt.get(name);
      if (due !== undefined && now < due) continue;
      try {
        await this.monitorNode(node, podsByNode.get(name) ?? [], now);
        this.retryAt.delete(name);
        this.backoff.forget(name);
      } catch (err) {
        // A conflict or a node deleted meanwhile: the next pass sees the new version.
        if (isConflict(err) || isNotFound(err)) continue;
        const delay = this.backoff.when(name);
        this.retryAt.set(name, now + delay);
        this.log(`node-lifecycle: node ${name} (attempt ${this.backoff.numRequeues(name)}, retrying in ${formatDelay(delay)}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private observe(node: Node, now: number): Health {
    const name = node.metadata?.name ?? '';
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const lease = this.leases.store.getByName(NODE_LEASE_NAMESPACE, name);
    const renew = lease?.spec?.renewTime;
    let h = this.health.get(name);
    if (!h) {
      // A node seen for the first time: a fresh grace period (a node without status counts from its creation).
      const created = Date.parse(node.metadata?.creationTimestamp ?? '');
      const probe = ready || Number.isNaN(created) ? now : created;
      h = { probeMs: probe, heartbeat: ready?.lastHeartbeatTime, readyStatus: ready?.status, renewTime: renew };
      this.health.set(name, h);
      return h;
    }
    if (ready?.lastHeartbeatTime !== h.heartbeat || (ready?.status !== h.readyStatus && ready?.reason !== 'NodeStatusUnknown')) {
      h.probeMs = now;
      h.heartbeat = ready?.lastHeartbeatTime;
    }
    h.readyStatus = ready?.status;
    if (renew && renew !== h.renewTime) {
      h.probeMs = now;
      h.renewTime = renew;
    }
    return h;
  }

  private async monitorNode(node: Node, pods: Pod[], now: number): Promise<void> {
    const h = this.observe(node, now);
    const hasReady = !!node.status?.conditions?.some((c) => c.type === 'Ready');
    const grace = hasReady ? this.gracePeriodMs : (this.opts.nodeStartupGracePeriodMs ?? 60_000);
    let current = node;
    if (now - h.probeMs > grace) current = await this.markUnknown(node, now);
    const readyStatus = current.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    current = await this.reconcileTaints(current, readyStatus, now);
    if (readyStatus !== 'True') await this.markPodsNotReady(pods);
    await this.evictPods(current, pods, now);
  }

  private async markUnknown(node: Node, now: number): Promise<Node> {
    const ts = nowTime(now);
    const conditions: NodeCondition[] = [...(node.status?.conditions ?? [])].map((c) => ({ ...c }));
    let changed = false;
    for (const type of MONITORED_CONDITIONS) {
      const c = conditions.find((x) => x.type === type);
      if (!c) {
        if (type !== 'Ready') continue;
        conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: nowTime(Date.parse(node.metadata?.creationTimestamp ?? '') || now), lastTransitionTime: ts });
        changed = true;
        continue;
      }
      if (c.status === 'Unknown') continue;
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = ts;
      changed = true;
    }
    if (!changed) return node;
    this.opts.recorder?.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata?.name, uid: node.metadata?.uid } }, 'Normal', 'NodeNotReady', `Node ${node.metadata?.name} status is now: NodeNotReady`);
    return this.opts.client.nodes().updateStatus({ ...node, status: { ...(node.status ?? {}), conditions } });
  }

  private async reconcileTaints(node: Node, readyStatus: string | undefined, now: number): Promise<Node> {
    const conditionKeys = Object.values(CONDITION_TAINTS);
    const managed = (t: Taint) => ((t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY) && (t.effect === 'NoSchedule' || t.effect === 'NoExecute')) || (conditionKeys.includes(t.key) && t.effect === 'NoSchedule');
    const existing = node.spec?.taints ?? [];
    // A node whose status is Unknown keeps its last pressure taints out of it: only its not-ready/unreachable ones change.
    const want = [...taintsForReady(readyStatus), ...(readyStatus === 'True' || readyStatus === 'False' ? taintsForConditions(node) : existing.filter((t) => conditionKeys.includes(t.key) && t.effect === 'NoSchedule').map((t) => ({ key: t.key, effect: 'NoSchedule' as const })))];
    const keep = existing.filter((t) => !managed(t) || want.some((w) => w.key === t.key && w.effect === t.effect));
    const add: Taint[] = want
      .filter((w) => !existing.some((t) => t.key === w.key && t.effect === w.effect))
      .map((w) => ({ key: w.key, effect: w.effect, ...(w.effect === 'NoExecute' ? { timeAdded: nowTime(now) } : {}) }));
    const next = [...keep, ...add];
    if (deepEqual(next, existing)) return node;
    const fresh = await this.opts.client.nodes().get(node.metadata?.name ?? '');
    const freshExisting = fresh.spec?.taints ?? [];
    const merged = [...freshExisting.filter((t) => !managed(t) || want.some((w) => w.key === t.key && w.effect === t.effect)), ...add.filter((a) => !freshExisting.some((t) => t.key === a.key && t.effect === a.effect))];
    return this.opts.client.nodes().update({ ...fresh, spec: { ...(fresh.spec ?? {}), taints: merged.length ? merged : undefined } });
  }

  private async markPodsNotReady(pods: Pod[]): Promise<void> {
    const ts = nowTime();
    await Promise.all(
      pods.map(async (pod) => {
        if (pod.metadata?.deletionTimestamp || !isPodReady(pod)) return;
        const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const, lastTransitionTime: ts } : c));
        try {
          await this.opts.client.pods(pod.metadata?.namespace).patch(pod.metadata?.name ?? '', { metadata: { resourceVersion: pod.metadata?.resourceVersion }, status: { conditions } }, 'merge', { subresource: 'status' });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }),
    );
  }

  private async evictPods(node: Node, pods: Pod[], now: number): Promise<void> {
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (!taints.length) {
      for (const p of pods) this.firstSeen.delete(p.metadata?.uid ?? '');
      return;
    }
    const defaultSecs = this.opts.defaultTolerationSeconds ?? 300;
    await Promise.all(
      pods.map(async (pod) => {
        if (pod.metadata?.deletionTimestamp) return;
        const uid = pod.metadata?.uid ?? '';
        let first = this.firstSeen.get(uid);
        if (first === undefined) this.firstSeen.set(uid, (first = now));
        const at = evictionTime(pod, taints, defaultSecs, first);
        if (at === undefined || at > now) return;
        this.opts.recorder?.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata?.namespace}/${pod.metadata?.name}`);
        try {
          await this.opts.client.pods(pod.metadata?.namespace).delete(pod.metadata?.name ?? '', { preconditions: { uid } });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
        this.firstSeen.delete(uid);
      }),
    );
  }
}

export async function startNodeLifecycleController(opts: NodeLifecycleOptions): Promise<NodeLifecycleController> {
  return new NodeLifecycleController(opts).start();
}
