// The scheduler: watches pending pods that name this scheduler, picks a node for
// each (filters, then scores), assumes it in the cache and binds it through the
// pods/binding subresource. The decision loop is serial so every decision sees
// the previous ones (assumed pods); binds run concurrently behind it.
// Pods no node fits get PodScheduled=False/Unschedulable with Kubernetes' message,
// a FailedScheduling event, and wait in the queue until the cluster changes.

import { Registry } from 'prom-client';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController, Service } from '../api/core.js';
import type { ReplicaSet, StatefulSet } from '../api/apps.js';
import type { StorageClass } from '../api/storage.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { EventRecorder } from '../client/events.js';
import { SchedulerCache } from './cache.js';
import { DEFAULT_FILTERS, fitErrorMessage, runFilters } from './filters.js';
import { schedulerMetrics, type SchedulerMetrics } from './metrics.js';
import { podKey, type NodeInfo } from './node-info.js';
import { SchedulingQueue } from './queue.js';
import { DEFAULT_SCORES, scoreNodes, selectHost } from './scores.js';
import { filterSpread, preFilterSpread, type WorkloadLister } from './topology-spread.js';
import { claimWithSelectedNode, claimsBound, filterVolumes, podClaimNames, preFilterVolumes, volumeForClaim, type VolumeLookup, type VolumePlan } from './volume-binding.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

export interface SchedulerOptions {
  client: RestClient;
  /** Pods whose spec.schedulerName is this (default "default-scheduler"). */
  schedulerName?: string;
  /** Prometheus registry for the metrics (default: a private one). */
  registry?: Registry;
  /** Binds in flight at most (default 32); the decision loop waits for a slot. */
  bindConcurrency?: number;
  /** Back-off of a pod after failed attempts: 1 s doubling to 10 s by default. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried at least this often (default 60 s). */
  flushUnschedulableMs?: number;
  /** An assumed pod whose bind succeeded is forgotten if the informer has not shown it by then (default 30 s). */
  assumeTtlMs?: number;
  /** How long a pod's binding waits for its claims to be bound (upstream's bindTimeoutSeconds, 600 s). */
  volumeBindTimeoutMs?: number;
  /** Emit Events (Scheduled, FailedScheduling) (default true). */
  recordEvents?: boolean;
  log?: (m: string) => void;
}

export interface RunningScheduler {
  stop(): Promise<void>;
  readonly metrics: SchedulerMetrics;
  readonly registry: Registry;
}

const PENDING_SELECTOR = 'spec.nodeName=,status.phase!=Succeeded,status.phase!=Failed';
const ASSIGNED_SELECTOR = 'spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed';

/** A counting semaphore: the binder's concurrency limit. */
class Slots {
  private free: number;
  private waiters: (() => void)[] = [];
  private idle: (() => void)[] = [];
  constructor(private readonly max: number) {
    this.free = max;
  }
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((r) => this.waiters.push(r));
  }
  release(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.free++;
    if (this.free === this.max) for (const i of this.idle.splice(0)) i();
  }
  drained(): Promise<void> {
    return this.free === this.max ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }
}

/** Whether a node change may let pending pods fit (not a heartbeat). */
function nodeChanged(a: Node, b: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    JSON.stringify(a.spec ?? {}) !== JSON.stringify(b.spec ?? {}) ||
    JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {}) ||
    JSON.stringify(a.status?.allocatable ?? a.status?.capacity ?? {}) !== JSON.stringify(b.status?.allocatable ?? b.status?.capacity ?? {}) ||
    ready(a) !== ready(b)
  );
}

/** Whether a pending pod changed in a way worth another attempt (not just its status). */
function podSpecChanged(a: Pod, b: Pod): boolean {
  return (
    JSON.stringify(a.spec ?? {}) !== JSON.stringify(b.spec ?? {}) ||
    JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {}) ||
    JSON.stringify(a.metadata.annotations ?? {}) !== JSON.stringify(b.metadata.annotations ?? {})
  );
}

export async function startScheduler(opts: SchedulerOptions): Promise<RunningScheduler> {
  const s = new Scheduler(opts);
  await s.start();
  return s;
}

class Scheduler implements RunningScheduler {
  readonly registry: Registry;
  readonly metrics: SchedulerMetrics;
  private readonly name: string;
  private readonly client: RestClient;
  private readonly log: (m: string) => void;
  private readonly cache: SchedulerCache;
  private readonly queue: SchedulingQueue;
  private readonly nodes: Informer<Node>;
  private readonly assigned: Informer<Pod>;
  private readonly pending: Informer<Pod>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly volumeLookup: VolumeLookup;
  /** Services and controllers: the default topology spread selector of a pod without constraints. */
  private readonly services: Informer<Service>;
  private readonly rcs: Informer<ReplicationController>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly statefulSets: Informer<StatefulSet>;
  private readonly workloads: WorkloadLister;
  private readonly recorder: EventRecorder | undefined;
  private readonly slots: Slots;
  /** Pods re-added while being scheduled or bound: queued again when that ends. */
  private readonly dirty = new Set<string>();
  private loopDone: Promise<void> | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.client = opts.client;
    this.name = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.log = opts.log ?? ((m) => console.log(`scheduler: ${m}`));
    this.registry = opts.registry ?? new Registry();
    this.metrics = schedulerMetrics(this.registry);
    this.cache = new SchedulerCache({ ...(opts.assumeTtlMs !== undefined ? { assumeTtlMs: opts.assumeTtlMs } : {}) });
    this.queue = new SchedulingQueue({
      ...(opts.initialBackoffMs !== undefined ? { initialBackoffMs: opts.initialBackoffMs } : {}),
      ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
      ...(opts.flushUnschedulableMs !== undefined ? { flushUnschedulableMs: opts.flushUnschedulableMs } : {}),
    });
    this.slots = new Slots(opts.bindConcurrency ?? 32);
    this.recorder = opts.recordEvents === false ? undefined : new EventRecorder(this.client, { component: this.name, log: this.log });
    const onError = (err: unknown) => this.log(`informer: ${err instanceof Error ? err.message : String(err)}`);
    this.nodes = new Informer<Node>(this.client, 'nodes', { onError });
    this.assigned = new Informer<Pod>(this.client, 'pods', { fieldSelector: ASSIGNED_SELECTOR, onError });
    this.pending = new Informer<Pod>(this.client, 'pods', { fieldSelector: PENDING_SELECTOR, onError });
    this.claims = new Informer<PersistentVolumeClaim>(this.client, 'persistentvolumeclaims', { onError });
    this.volumes = new Informer<PersistentVolume>(this.client, 'persistentvolumes', { onError });
    this.classes = new Informer<StorageClass>(this.client, 'storageclasses', { onError });
    this.services = new Informer<Service>(this.client, 'services', { onError });
    this.rcs = new Informer<ReplicationController>(this.client, 'replicationcontrollers', { onError });
    this.replicaSets = new Informer<ReplicaSet>(this.client, 'replicasets', { onError });
    this.statefulSets = new Informer<StatefulSet>(this.client, 'statefulsets', { onError });
    this.workloads = {
      services: (ns) => this.services.store.listNamespace(ns),
      replicationController: (ns, name) => this.rcs.store.getByName(ns, name),
      replicaSet: (ns, name) => this.replicaSets.store.getByName(ns, name),
      statefulSet: (ns, name) => this.statefulSets.store.getByName(ns, name),
    };
    this.volumeLookup = {
      claim: (ns, name) => this.claims.store.get(`${ns}/${name}`),
      volume: (name) => this.volumes.store.get(name),
      volumes: () => this.volumes.store.list(),
      storageClass: (name) => this.classes.store.get(name),
    };
  }

  async start(): Promise<void> {
    this.nodes
      .on('add', (n) => {
        this.cache.setNode(n);
        this.queue.moveAllToActiveOrBackoff();
      })
      .on('update', (o, n) => {
        this.cache.setNode(n);
        if (nodeChanged(o, n)) this.queue.moveAllToActiveOrBackoff();
      })
      .on('delete', (n) => this.cache.deleteNode(n.metadata.name ?? ''));
    this.assigned
      .on('add', (p) => this.cache.setPod(p))
      .on('update', (_o, p) => this.cache.setPod(p))
      .on('delete', (p) => {
        this.cache.deletePod(p);
        this.queue.moveAllToActiveOrBackoff();
      });
    this.pending
      .on('add', (p) => this.enqueue(p))
      .on('update', (o, p) => {
        if (!this.queue.has(podKey(p)) || podSpecChanged(o, p)) this.enqueue(p);
      })
      .on('delete', (p) => this.queue.delete(podKey(p)));
    // A claim, volume or class that appears or changes may let a waiting pod in.
    const storageChanged = () => this.queue.moveAllToActiveOrBackoff();
    for (const i of [this.claims, this.volumes] as Informer<PersistentVolumeClaim | PersistentVolume>[]) i.on('add', storageChanged).on('update', storageChanged);
    this.classes.on('add', storageChanged);
    // Place nothing before the cache knows the nodes and what is bound to them.
    // The workload informers feed the default spreading selector; upstream too waits for every informer's sync.
    await Promise.all([this.nodes.start(), this.assigned.start(), this.claims.start(), this.volumes.start(), this.classes.start(), this.services.start(), this.rcs.start(), this.replicaSets.start(), this.statefulSets.start()]);
    await this.pending.start();
    this.cleanupTimer = setInterval(() => {
      this.cache.cleanupExpired();
      this.updateGauge();
    }, 1000);
    this.cleanupTimer.unref?.();
    this.loopDone = this.loop();
  }

  private ours(pod: Pod): boolean {
    return (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === this.name && !pod.spec?.nodeName && !pod.metadata.deletionTimestamp;
  }

  private enqueue(pod: Pod): void {
    if (!this.ours(pod)) return;
    const key = podKey(pod);
    // Assumed or bound already (a deleted-and-recreated pod of the same name is a new one).
    if (this.cache.isPlaced(key, pod.metadata.uid)) return;
    if (this.inFlight.has(key)) {
      this.dirty.add(key);
      return;
    }
    const created = Date.parse(pod.metadata.creationTimestamp ?? '');
    this.queue.add({ key, priority: pod.spec?.priority ?? 0, created: Number.isFinite(created) ? created : 0 });
  }

  /** Pods between pop() and the end of their attempt (bind included). */
  private readonly inFlight = new Set<string>();

  /** The attempt is over: if the pod changed meanwhile and is still pending, queue it again. */
  private settle(key: string): void {
    this.inFlight.delete(key);
    if (!this.dirty.delete(key)) return;
    const pod = this.pending.store.get(key);
    if (pod) this.enqueue(pod);
  }

  private updateGauge(): void {
    const c = this.queue.counts();
    this.metrics.pending.set({ queue: 'active' }, c.active);
    this.metrics.pending.set({ queue: 'backoff' }, c.backoff);
    this.metrics.pending.set({ queue: 'unschedulable' }, c.unschedulable);
  }

  private async loop(): Promise<void> {
    for (;;) {
      this.updateGauge();
      const key = await this.queue.pop();
      if (key === undefined || this.stopped) return;
      this.inFlight.add(key);
      try {
        await this.scheduleOne(key);
      } catch (err) {
        this.log(`scheduling ${key}: ${err instanceof Error ? err.message : String(err)}`);
        this.metrics.attempts.inc({ result: 'error' });
        this.queue.errorAttempt(key);
        this.settle(key);
      }
    }
  }

  private async scheduleOne(key: string): Promise<void> {
    const pod = this.pending.store.get(key);
    if (!pod || !this.ours(pod) || this.cache.isPlaced(key, pod.metadata.uid)) {
      this.queue.done(key);
      this.settle(key);
      return;
    }
    const start = performance.now();
    const nodes = this.cache.nodeInfos();
    // VolumeBinding's PreFilter: a reason that holds for every node ends the attempt here.
    const vols = podClaimNames(pod).length ? preFilterVolumes(pod, this.volumeLookup) : undefined;
    if (typeof vols === 'string' && nodes.length > 0) {
      this.metrics.attempts.inc({ result: 'unschedulable' });
      this.queue.unschedulableAttempt(key);
      this.settle(key);
      this.reportUnschedulable(pod, `0/${nodes.length} nodes are available: ${vols}.`);
      return;
    }
    // PodTopologySpread's PreFilter counts matching pods per domain over all nodes (a bad selector throws: error + back-off).
    const spread = preFilterSpread(pod, nodes, this.workloads);
    const feasible: NodeInfo[] = [];
    const reasons: string[][] = [];
    const plans = new Map<string, VolumePlan>();
    for (const ni of nodes) {
      let r = runFilters(pod, ni, DEFAULT_FILTERS);
      // VolumeBinding's Filter runs after the others (upstream's plugin order).
      if (!r.length && vols && typeof vols !== 'string') {
        const v = filterVolumes(vols, ni.node, this.volumeLookup);
        r = v.reasons;
        if (v.plan) plans.set(ni.name, v.plan);
      }
      // PodTopologySpread's Filter follows VolumeBinding (upstream's plugin order).
      if (!r.length) r = filterSpread(spread, pod, ni);
      if (r.length) reasons.push(r);
      else feasible.push(ni);
    }
    if (feasible.length === 0) {
      this.metrics.attempts.inc({ result: 'unschedulable' });
      this.queue.unschedulableAttempt(key);
      this.settle(key);
      this.reportUnschedulable(pod, nodes.length === 0 ? NO_NODES_MESSAGE : fitErrorMessage(nodes.length, reasons));
      return;
    }
    const chosen = feasible.length === 1 ? feasible[0] : feasible[selectHost(scoreNodes(pod, feasible, DEFAULT_SCORES, { allNodes: nodes, workloads: this.workloads }))];
    this.cache.assume(pod, chosen.name);
    // Back-pressure: the loop waits for a bind slot, so assumed-but-unbound pods stay bounded.
    await this.slots.acquire();
    void this.bind(pod, key, chosen.name, start, plans.get(chosen.name)).finally(() => this.slots.release());
  }

  /** VolumeBinding's PreBind: write the volume decisions, then wait until every claim is bound. */
  private async bindVolumes(pod: Pod, nodeName: string, plan: VolumePlan): Promise<void> {
    for (const { claim, volume } of plan.staticBindings) {
      await this.client.resource<PersistentVolume>('persistentvolumes').update(volumeForClaim(volume, claim));
    }
    for (const claim of plan.provision) {
      const next = claimWithSelectedNode(claim, nodeName);
      if (next) await this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.namespace).update(next);
    }
    const deadline = Date.now() + (this.opts.volumeBindTimeoutMs ?? 600_000);
    for (;;) {
      const ok = claimsBound(pod, this.volumeLookup);
      if (ok === true) return;
      if (typeof ok === 'string') throw new Error(ok);
      if (this.stopped) throw new Error('scheduler stopped');
      if (Date.now() > deadline) throw new Error('binding volumes: context deadline exceeded');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async bind(pod: Pod, key: string, nodeName: string, start: number, plan?: VolumePlan): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    try {
      // A failed PreBind is retried with back-off whatever the error (a 409 on a volume is not the pod's conflict).
      if (plan) await this.bindVolumes(pod, nodeName, plan).catch((e: unknown) => Promise.reject(new Error(`running PreBind plugin "VolumeBinding": ${e instanceof Error ? e.message : String(e)}`)));
      await this.client.pods(ns).bind(name, nodeName, { ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) });
      this.cache.finishBinding(pod);
      this.queue.done(key);
      this.metrics.attempts.inc({ result: 'scheduled' });
      this.metrics.e2eDuration.observe((performance.now() - start) / 1000);
      this.recorder?.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`);
    } catch (err) {
      this.cache.forget(pod);
      if (isNotFound(err) || isConflict(err)) {
        // Deleted, recreated (uid precondition), or already bound by someone else: nothing to retry;
        // the informers bring the current state.
        this.queue.done(key);
        this.log(`binding ${key} to ${nodeName}: ${err instanceof Error ? err.message : String(err)}`);
      } else {
        this.metrics.attempts.inc({ result: 'error' });
        this.log(`binding ${key} to ${nodeName} failed, will retry: ${err instanceof Error ? err.message : String(err)}`);
        this.queue.errorAttempt(key);
      }
    } finally {
      this.settle(key);
    }
  }

  private reportUnschedulable(pod: Pod, message: string): void {
    this.recorder?.event(pod, 'Warning', 'FailedScheduling', message);
    const cur = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (cur?.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message) return;
    const condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    this.client
      .pods(pod.metadata.namespace ?? 'default')
      .patch(pod.metadata.name ?? '', { status: { conditions: [condition] } }, 'strategic', { subresource: 'status' })
      .catch((err) => {
        if (!isNotFound(err)) this.log(`status of ${podKey(pod)}: ${err instanceof Error ? err.message : String(err)}`);
      });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.close();
    clearInterval(this.cleanupTimer);
    await Promise.all([this.nodes.stop(), this.assigned.stop(), this.pending.stop(), this.claims.stop(), this.volumes.stop(), this.classes.stop(), this.services.stop(), this.rcs.stop(), this.replicaSets.stop(), this.statefulSets.stop()]);
    await this.loopDone;
    await Promise.race([this.slots.drained(), new Promise((r) => setTimeout(r, 5000).unref())]);
    if (this.recorder) await Promise.race([this.recorder.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}
