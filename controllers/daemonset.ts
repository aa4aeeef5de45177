// The DaemonSet controller (Kubernetes' pkg/controller/daemon): one pod per eligible node,
// pinned there by a metadata.name node affinity the scheduler binds, replaced by RollingUpdate
// (maxUnavailable / maxSurge) or OnDelete, its templates kept as ControllerRevisions. Each sync
// reads the caches, asks daemonset-plan.ts what to do, does it, and writes the status.

import type { ControllerRevision, DaemonSet, DaemonSetStatus } from '../api/apps.js';
import type { Node, Pod } from '../api/core.js';
import { deepEqual } from '../api/deep-equal.js';
import { labelSelectorMatcher, type LabelMatcher } from '../api/selectors.js';
import { isConflict, isNotFound } from '../client/errors.js';
import type { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { WorkQueue } from '../client/workqueue.js';
import { claimPods } from './controller-ref.js';
import { daemonPodFor, targetNodeName } from './daemonset-nodes.js';
import { planDaemonSet } from './daemonset-plan.js';
import { Expectations } from './expectations.js';
import type { RunnableInformer } from './informers.js';
import { controllerRef, podKey } from './pod-util.js';
import { revisionHash } from './revision-history.js';
import { ensureUpdateRevision, pruneHistory, RevisionCollision } from './revision-store.js';
import { runWorkers, startInformers } from './workers.js';

export interface DaemonSetControllerOptions {
  client: RestClient;
  /** --concurrent-daemonset-syncs (2). */
  workers?: number;
  recorder?: EventRecorder;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  nodeInformer?: Informer<Node>;
  dsInformer?: Informer<DaemonSet>;
  revisionInformer?: Informer<ControllerRevision>;
}

function selectorOf(ds: DaemonSet): LabelMatcher | undefined {
  try {
    const m = labelSelectorMatcher(ds.spec?.selector);
    // An empty selector would select every pod: the apiserver refuses it, so select none.
    return m.empty ? undefined : m;
  } catch {
    return undefined;
  }
}

export class DaemonSetController {
  readonly queue = new WorkQueue<string>({ name: 'daemonset' });
  readonly expectations = new Expectations();
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<Node>;
  readonly sets: Informer<DaemonSet>;
  readonly revisions: Informer<ControllerRevision>;
  private readonly client: RestClient;
  private readonly log: (m: string) => void;
  private readonly owned: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: DaemonSetControllerOptions) {
    this.client = opts.client;
    this.log = opts.log ?? console.error;
    this.pods = opts.podInformer ?? this.own(new Informer<Pod>(this.client, 'pods'));
    this.nodes = opts.nodeInformer ?? this.own(new Informer<Node>(this.client, 'nodes'));
    this.sets = opts.dsInformer ?? this.own(new Informer<DaemonSet>(this.client, 'daemonsets'));
    this.revisions = opts.revisionInformer ?? this.own(new Informer<ControllerRevision>(this.client, 'controllerrevisions'));
    this.sets.on('add', (ds) => this.enqueue(ds));
    this.sets.on('update', (_o, ds) => this.enqueue(ds));
    this.sets.on('delete', (ds) => {
      this.expectations.delete(objectKey(ds));
      this.enqueue(ds);
    });
    this.pods.on('add', (p) => (p.metadata?.deletionTimestamp ? this.podGone(p) : this.podSeen(p, true)));
    this.pods.on('update', (o, p) => {
      if (o.metadata?.resourceVersion === p.metadata?.resourceVersion) return;
      if (p.metadata?.deletionTimestamp && !o.metadata?.deletionTimestamp) this.podGone(p);
      else this.podSeen(p, false);
      if (!deepEqual(o.metadata?.labels ?? {}, p.metadata?.labels ?? {})) this.enqueueMatching(p);
    });
    this.pods.on('delete', (p) => this.podGone(p));
    // A node added, relabelled, tainted or gone can change where every DaemonSet runs.
    this.nodes.on('add', () => this.enqueueAll());
    this.nodes.on('update', (o, n) => {
      if (!deepEqual(o.metadata?.labels, n.metadata?.labels) || !deepEqual(o.spec, n.spec)) this.enqueueAll();
    });
    this.nodes.on('delete', () => this.enqueueAll());
    this.revisions.on('delete', (r) => this.enqueueOwner(r));
  }

  private own<T extends RunnableInformer>(i: T): T {
    this.owned.push(i);
    return i;
  }

  async start(): Promise<this> {
    await startInformers([this.pods, this.nodes, this.sets, this.revisions]);
    this.workers = runWorkers(this.queue, this.opts.workers ?? 2, (k) => this.sync(k), 'daemonset', this.log);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.owned.map((i) => i.stop()));
    await this.workers;
  }

  private enqueue(ds: DaemonSet): void {
    this.queue.add(objectKey(ds));
  }

  private enqueueAll(): void {
    for (const ds of this.sets.store.list()) this.enqueue(ds);
  }

  private enqueueMatching(pod: Pod): void {
    for (const ds of this.sets.store.listNamespace(pod.metadata?.namespace ?? '')) if (selectorOf(ds)?.matches(pod.metadata?.labels ?? {})) this.enqueue(ds);
  }

  private ownerOf(obj: { metadata?: { namespace?: string; ownerReferences?: Pod['metadata']['ownerReferences'] } }): DaemonSet | undefined {
    const ref = controllerRef(obj);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const ds = this.sets.store.getByName(obj.metadata?.namespace, ref.name);
    return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
  }

  private enqueueOwner(obj: { metadata?: { namespace?: string; ownerReferences?: Pod['metadata']['ownerReferences'] } }): void {
    const ds = this.ownerOf(obj);
    if (ds) this.enqueue(ds);
  }

  private podSeen(pod: Pod, created: boolean): void {
    const ds = this.ownerOf(pod);
    if (!ds) {
      if (created && !controllerRef(pod)) this.enqueueMatching(pod);
      return;
    }
    if (created) this.expectations.creationObserved(objectKey(ds));
    this.enqueue(ds);
    const mrs = ds.spec?.minReadySeconds ?? 0;
    // Availability comes minReadySeconds after readiness: look again then.
    if (mrs > 0) this.queue.addAfter(objectKey(ds), mrs * 1000 + 1000);
  }

  private podGone(pod: Pod): void {
    const ds = this.ownerOf(pod);
    if (!ds) return;
    this.expectations.deletionObserved(objectKey(ds), podKey(pod));
    this.enqueue(ds);
  }

  async sync(key: string): Promise<void> {
    const ds = this.sets.store.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    // Being deleted: the garbage collector removes its pods and revisions.
    if (ds.metadata?.deletionTimestamp) return;
    const matcher = selectorOf(ds);
    // A selector that selects nothing or everything (the apiserver refuses both) would create pods it never claims, forever.
    if (!matcher) return;
    const ns = ds.metadata?.namespace ?? '';
    const uid = ds.metadata?.uid ?? '';
    const owned = this.revisions.store.listNamespace(ns).filter((r) => controllerRef(r)?.uid === uid);
    let cur: ControllerRevision;
    try {
      cur = await ensureUpdateRevision(this.client, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: ds.metadata ?? {} }, ds.spec?.template, owned, ds.status?.collisionCount, ds.metadata?.annotations);
    } catch (err) {
      if (err instanceof RevisionCollision) await this.writeStatus(ds, { ...(ds.status ?? emptyStatus()), collisionCount: (ds.status?.collisionCount ?? 0) + 1 });
      throw err;
    }
    const hash = revisionHash(cur);
    const candidates = this.pods.store.listNamespace(ns).filter((p) => !(p.metadata?.deletionTimestamp && (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded')));
    const pods = await claimPods(
      this.client,
      {
        ref: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata?.name ?? '', uid, controller: true, blockOwnerDeletion: true },
        namespace: ns,
        deleting: false,
        stillLive: () => this.stillLive(ds),
      },
      matcher,
      candidates,
    );
    const podsByNode = new Map<string, Pod[]>();
    const unplaced: Pod[] = [];
    for (const p of pods) {
      const node = targetNodeName(p);
      if (!node) {
        unplaced.push(p);
        continue;
      }
      let l = podsByNode.get(node);
      if (!l) podsByNode.set(node, (l = []));
      l.push(p);
    }
    const plan = planDaemonSet({ ds, nodes: this.nodes.store.list(), podsByNode, hash, now: Date.now() });
    // A pod for no node at all (its affinity was edited away) is never one of ours to keep.
    for (const p of unplaced) if (!p.metadata?.deletionTimestamp) plan.deletePods.push(p.metadata?.name ?? '');
    // Boxed, so that a failure is told apart from none whatever was thrown.
    let failure: { error: Error } | undefined;
    if (this.expectations.satisfied(key)) {
      try {
        await this.syncNodes(key, ds, plan.createOn, plan.deletePods, hash);
      } catch (err) {
        failure = { error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
    await this.writeStatus(ds, plan.status);
    const live = new Set<string>([cur.metadata?.name ?? '']);
    for (const p of pods) {
      const h = p.metadata?.labels?.['controller-revision-hash'];
      const r = owned.find((x) => revisionHash(x) === h);
      if (r) live.add(r.metadata?.name ?? '');
    }
    await pruneHistory(this.client, ns, owned, live, ds.spec?.revisionHistoryLimit ?? 10);
    if (failure) throw failure.error;
    const mrs = ds.spec?.minReadySeconds ?? 0;
    if (mrs > 0 && plan.status.numberReady > (plan.status.numberAvailable ?? 0)) this.queue.addAfter(key, mrs * 1000);
  }

  private async stillLive(ds: DaemonSet): Promise<boolean> {
    try {
      const fresh = await this.client.resource<DaemonSet>('daemonsets', ds.metadata?.namespace).get(ds.metadata?.name ?? '');
      return fresh.metadata?.uid === ds.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async syncNodes(key: string, ds: DaemonSet, createOn: string[], deletePods: string[], hash: string): Promise<void> {
    const ns = ds.metadata?.namespace;
    const podClient = this.client.pods(ns);
    const deleteKeys = deletePods.map((n) => `${ns ?? ''}/${n}`);
    if (createOn.length === 0 && deleteKeys.length === 0) return;
    this.expectations.expectBoth(key, createOn.length, deleteKeys);
    const results = await Promise.allSettled([
      ...createOn.map(async (node) => {
        try {
          const pod = await podClient.create(daemonPodFor(ds, node, hash));
          this.opts.recorder?.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
        } catch (err) {
          this.expectations.creationObserved(key);
          this.opts.recorder?.event(ds, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
      }),
      ...deletePods.map(async (name, i) => {
        try {
          await podClient.delete(name);
          this.opts.recorder?.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, deleteKeys[i]);
          if (isNotFound(err)) return;
          this.opts.recorder?.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    if (deepEqual(normStatus(ds.status), normStatus(status))) return;
    const api = this.client.resource<DaemonSet>('daemonsets', ds.metadata?.namespace);
    try {
      await api.updateStatus({ ...ds, status });
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      // A stale cache: read it again and retry once (upstream storeDaemonSetStatus retries too).
      const fresh = await api.get(ds.metadata?.name ?? '');
      if (fresh.metadata?.uid !== ds.metadata?.uid) return;
      await api.updateStatus({ ...fresh, status: { ...status, observedGeneration: status.observedGeneration } });
    }
  }
}

function emptyStatus(): DaemonSetStatus {
  return { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
}

function normStatus(s: DaemonSetStatus | undefined): unknown {
  const v = s ?? emptyStatus();
  return {
    c: v.currentNumberScheduled ?? 0,
    m: v.numberMisscheduled ?? 0,
    d: v.desiredNumberScheduled ?? 0,
    r: v.numberReady ?? 0,
    g: v.observedGeneration,
    u: v.updatedNumberScheduled ?? 0,
    a: v.numberAvailable ?? 0,
    n: v.numberUnavailable ?? 0,
    x: v.collisionCount,
  };
}

export async function startDaemonSetController(opts: DaemonSetControllerOptions): Promise<DaemonSetController> {
  return new DaemonSetController(opts).start();
}
