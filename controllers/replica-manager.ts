// The replica manager both ReplicationControllers and ReplicaSets run on
// (Kubernetes' ReplicaSetController, which serves both kinds through one
// implementation): keeps as many active pods as spec.replicas, adopting matching
// orphans and releasing pods that stop matching, with expectations so that its own
// in-flight creates and deletes are never repeated, slow-start batches for bursts,
// and status written through the status subresource only when it changes. What
// differs between the kinds (selector shape, group, client) is a ReplicatedKind.

import type { Pod, PodTemplateSpec } from '../api/core.js';
import type { OwnerReference } from '../api/meta.js';
import { selectorFromSet, type LabelMatcher } from '../api/selectors.js';
import { deepEqual } from '../api/deep-equal.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { Obj, ResourceClient, RestClient } from '../client/rest.js';
import type { RunnableInformer } from './informers.js';
import { objectKey } from '../client/store.js';
import { WorkQueue } from '../client/workqueue.js';
import type { EventRecorder } from '../client/events.js';
import { Expectations } from './expectations.js';
import { deletionOrder, controllerRef, isPodActive, isPodAvailable, isPodReady, podKey } from './pod-util.js';
import { runWorkers, startInformers } from './workers.js';

/** The status both kinds share (RC conditions and RS conditions have the same fields used here). */
export interface ReplicatedStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string; lastTransitionTime?: string }[];
}

/** What the manager needs of an owner, whichever kind it is. */
export interface ReplicatedObject extends Obj {
  spec?: { replicas?: number; minReadySeconds?: number; template?: PodTemplateSpec };
  status?: ReplicatedStatus;
}

/** What differs between the kinds one ReplicaManager can run. */
export interface ReplicatedKind<T extends ReplicatedObject> {
  kind: string;
  apiVersion: string;
  /** Plural resource name for the informer. */
  resource: string;
  /** Work queue and worker-log name. */
  queueName: string;
  /** The owner's pod selector; may throw on a selector that cannot be parsed. */
  selector(obj: T): LabelMatcher;
  client(client: RestClient, namespace: string | undefined): ResourceClient<T>;
}

export interface ReplicaManagerOptions<T extends ReplicatedObject> {
  client: RestClient;
  /** Concurrent syncs (Kubernetes' --concurrent-rc-syncs / --concurrent-replicaset-syncs, default 5). */
  workers?: number;
  /** Most pods created or deleted in one sync (Kubernetes' BurstReplicas, 500). */
  burstReplicas?: number;
  /** How long an unmet expectation holds before the controller acts anyway (5 min). */
  expectationsTimeoutMs?: number;
  recorder?: EventRecorder;
  log?: (m: string) => void;
  /** Shared informers, when the manager runs several controllers on one cache. */
  podInformer?: Informer<Pod>;
  ownerInformer?: Informer<T>;
}

export interface Controller {
  stop(): Promise<void>;
}

const SLOW_START_INITIAL_BATCH = 1;

/** Run fn count times in batches of 1, 2, 4, ...; stop at the first batch with a failure. Returns successes. */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<void>): Promise<{ successes: number; attempted: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  let attempted = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, fn));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    attempted += batch;
    if (failed) return { successes, attempted, error: failed.reason };
    remaining -= batch;
  }
  return { successes, attempted };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Versioned = Obj & { spec?: unknown; status?: unknown };

/** True when two versions of an owner differ only in status (and the bookkeeping every write changes). */
export function onlyStatusChanged(a: Versioned, b: Versioned): boolean {
  if (a.metadata?.resourceVersion === b.metadata?.resourceVersion) return false; // a resync: look again
  const strip = (rc: Versioned) => ({ ...rc, status: undefined, metadata: { ...rc.metadata, resourceVersion: undefined, managedFields: undefined } });
  return deepEqual(strip(a), strip(b));
}

export class ReplicaManager<T extends ReplicatedObject> implements Controller {
  readonly pods: Informer<Pod>;
  readonly owners: Informer<T>;
  readonly queue: WorkQueue<string>;
  readonly expectations: Expectations;
  private readonly client: RestClient;
  private readonly log: (m: string) => void;
  private readonly ownInformers: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(
    private readonly kind: ReplicatedKind<T>,
    private readonly opts: ReplicaManagerOptions<T>,
  ) {
    this.queue = new WorkQueue<string>({ name: kind.queueName });
    this.client = opts.client;
    this.log = opts.log ?? console.error;
    this.expectations = new Expectations(opts.expectationsTimeoutMs);
    this.pods = opts.podInformer ?? this.own(new Informer<Pod>(this.client, 'pods'));
    this.owners = opts.ownerInformer ?? this.own(new Informer<T>(this.client, kind.resource));
    this.owners.on('add', (rc) => this.enqueue(rc));
    this.owners.on('update', (old, rc) => {
      // Our own status write comes back as an update: syncing again at once for it would skip the
      // back-off of a failing sync (a new ReplicaFailure message each time would loop at full speed).
      if (onlyStatusChanged(old, rc)) return;
      this.enqueue(rc);
    });
    this.owners.on('delete', (rc) => {
      this.expectations.delete(objectKey(rc));
      this.enqueue(rc);
    });
    this.pods.on('add', (p) => this.podAdded(p));
    this.pods.on('update', (o, n) => this.podUpdated(o, n));
    this.pods.on('delete', (p) => this.podDeleted(p));
  }

  private own<T extends RunnableInformer>(i: T): T {
    this.ownInformers.push(i);
    return i;
  }

  async start(): Promise<this> {
    await startInformers([this.pods, this.owners]);
    this.workers = runWorkers(this.queue, this.opts.workers ?? 5, (k) => this.sync(k), this.kind.queueName, this.log);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.ownInformers.map((i) => i.stop()));
    await this.workers;
  }

  /** An Event about the owner (list items may lack kind and apiVersion: the reference needs them). */
  private event(rc: T, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.opts.recorder?.event({ ...rc, apiVersion: this.kind.apiVersion, kind: this.kind.kind }, type, reason, message);
  }

  private enqueue(rc: T): void {
    this.queue.add(objectKey(rc));
  }

  /** The RC a controllerRef points at, if it is one we know (uid must match). */
  private resolveRef(namespace: string | undefined, ref: OwnerReference | undefined): T | undefined {
    if (!ref || ref.kind !== this.kind.kind || ref.apiVersion !== this.kind.apiVersion) return undefined;
    const rc = this.owners.store.getByName(namespace, ref.name);
    return rc && rc.metadata?.uid === ref.uid ? rc : undefined;
  }

  /** The selector of an owner, or undefined when it selects nothing (empty or unparsable). */
  private matcherOf(rc: T): LabelMatcher | undefined {
    try {
      const m = this.kind.selector(rc);
      // An empty selector would select every pod in the namespace; the apiserver rejects those, so do nothing.
      return m && !m.empty ? m : undefined;
    } catch {
      return undefined;
    }
  }

  /** Owners in the pod's namespace whose selector matches it (for orphans). */
  private matchingRCs(pod: Pod): T[] {
    const ns = pod.metadata?.namespace ?? '';
    return this.owners.store.listNamespace(ns).filter((rc) => this.matcherOf(rc)?.matches(pod.metadata?.labels ?? {}) ?? false);
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // A restarted controller can see a pod already being deleted: count it as a deletion.
      this.podDeleted(pod);
      return;
    }
    const ref = controllerRef(pod);
    if (ref) {
      const rc = this.resolveRef(pod.metadata?.namespace, ref);
      if (!rc) return;
      this.expectations.creationObserved(objectKey(rc));
      this.enqueue(rc);
      return;
    }
    for (const rc of this.matchingRCs(pod)) this.enqueue(rc);
  }

  private podUpdated(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return; // periodic resync
    const labelsChanged = !deepEqual(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) {
      // Terminating: the controller stops counting it now, not when it is gone.
      this.podDeleted(cur);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const oldRef = controllerRef(old);
    const curRef = controllerRef(cur);
    if (oldRef && (!curRef || oldRef.uid !== curRef.uid)) {
      const rc = this.resolveRef(old.metadata?.namespace, oldRef);
      if (rc) this.enqueue(rc);
    }
    if (curRef) {
      const rc = this.resolveRef(cur.metadata?.namespace, curRef);
      if (rc) {
        this.enqueue(rc);
        // Availability comes minReadySeconds after readiness: look again then.
        const mrs = rc.spec?.minReadySeconds ?? 0;
        if (mrs > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(objectKey(rc), mrs * 1000 + 1000);
      }
      return;
    }
    if (labelsChanged || oldRef) for (const rc of this.matchingRCs(cur)) this.enqueue(rc);
  }

  private podDeleted(pod: Pod): void {
    const ref = controllerRef(pod);
    if (!ref) return;
    const rc = this.resolveRef(pod.metadata?.namespace, ref);
    if (!rc) return;
    const key = objectKey(rc);
    this.expectations.deletionObserved(key, podKey(pod));
    this.enqueue(rc);
  }

  /** Reconcile one RC. */
  async sync(key: string): Promise<void> {
    const rc = this.owners.store.get(key);
    if (!rc) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const matcher = this.matcherOf(rc);
    const ns = rc.metadata?.namespace ?? '';
    const active = this.pods.store.listNamespace(ns).filter(isPodActive);
    const pods = await this.claimPods(rc, matcher, active);
    // Boxed, so that a failure is told apart from none whatever was thrown.
    let manageFailure: { error: unknown } | undefined;
    if (needsSync && !rc.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rc, pods);
      } catch (err) {
        manageFailure = { error: err };
      }
    }
    await this.updateStatus(rc, pods, manageFailure?.error);
    if (manageFailure) throw manageFailure.error;
  }

  /**
   * Kubernetes' PodControllerRefManager.ClaimPods: pods this RC controls and still
   * matches; orphans that match are adopted, owned pods that no longer match released.
   */
  private async claimPods(rc: T, matcher: LabelMatcher | undefined, pods: Pod[]): Promise<Pod[]> {
    const uid = rc.metadata?.uid;
    const deleting = !!rc.metadata?.deletionTimestamp;
    const claimed: Pod[] = [];
    let adoptChecked: boolean | undefined;
    for (const pod of pods) {
      const ref = controllerRef(pod);
      const matches = matcher?.matches(pod.metadata?.labels ?? {}) ?? false;
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches) claimed.push(pod);
        else if (!deleting) await this.release(rc, pod);
        continue;
      }
      if (deleting || !matches || pod.metadata?.deletionTimestamp) continue;
      // Re-read the RC once before adopting, as Kubernetes' canAdopt does: the cache may be stale.
      adoptChecked ??= await this.canAdopt(rc);
      if (!adoptChecked) continue;
      if (await this.adopt(rc, pod)) claimed.push(pod);
    }
    return claimed;
  }

  private async canAdopt(rc: T): Promise<boolean> {
    try {
      const fresh = await this.kind.client(this.client, rc.metadata?.namespace).get(rc.metadata?.name ?? '');
      return fresh.metadata?.uid === rc.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private ownerRef(rc: T): OwnerReference {
    return { apiVersion: this.kind.apiVersion, kind: this.kind.kind, name: rc.metadata?.name ?? '', uid: rc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
  }

  private async adopt(rc: T, pod: Pod): Promise<boolean> {
    const pods = this.client.pods(pod.metadata?.namespace);
    let cur = pod;
    for (let attempt = 0; attempt < 3; attempt++) {
      const ref = controllerRef(cur);
      // Our own adoption may simply not have reached the cache yet.
      if (ref) return ref.uid === rc.metadata?.uid;
      if (cur.metadata?.deletionTimestamp || !(this.matcherOf(rc)?.matches(cur.metadata?.labels ?? {}) ?? false)) return false;
      const refs = [...(cur.metadata?.ownerReferences ?? []).filter((r) => r.uid !== rc.metadata?.uid), this.ownerRef(rc)];
      try {
        // resourceVersion makes the patch conditional: a pod someone else adopted meanwhile is left alone.
        await pods.patch(cur.metadata?.name ?? '', { metadata: { ownerReferences: refs, resourceVersion: cur.metadata?.resourceVersion } }, 'merge');
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (!isConflict(err)) throw err;
      }
      try {
        cur = await pods.get(pod.metadata?.name ?? '');
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
      if (cur.metadata?.uid !== pod.metadata?.uid) return false;
    }
    return false;
  }

  private async release(rc: T, pod: Pod): Promise<void> {
    const refs = (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== rc.metadata?.uid);
    try {
      await this.client.pods(pod.metadata?.namespace).patch(pod.metadata?.name ?? '', { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: pod.metadata?.resourceVersion } }, 'merge');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private podFromTemplate(rc: T): Pod {
    const t = rc.spec?.template ?? {};
    const name = rc.metadata?.name ?? '';
    // Kubernetes' getPodsPrefix: "<rc>-", shortened so the generated name stays valid.
    const prefix = `${name.slice(0, 58)}-`;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: prefix,
        namespace: rc.metadata?.namespace,
        ...(t.metadata?.labels ? { labels: { ...t.metadata.labels } } : {}),
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ...(t.metadata?.finalizers ? { finalizers: [...t.metadata.finalizers] } : {}),
        ownerReferences: [this.ownerRef(rc)],
      },
      spec: structuredClone(t.spec ?? { containers: [] }),
    };
  }

  private async manageReplicas(key: string, rc: T, pods: Pod[]): Promise<void> {
    const want = rc.spec?.replicas ?? 1;
    const diff = pods.length - want;
    const burst = this.opts.burstReplicas ?? 500;
    const podClient = this.client.pods(rc.metadata?.namespace);
    if (diff < 0) {
      const n = Math.min(-diff, burst);
      // Expect all n before the first request, so events from the first pods do not look like "all seen".
      this.expectations.expectCreations(key, n);
      const template = this.podFromTemplate(rc);
      const res = await slowStartBatch(n, SLOW_START_INITIAL_BATCH, async () => {
        try {
          const pod = await podClient.create(structuredClone(template));
          this.event(rc, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
        } catch (err) {
          // This create will never be observed.
          this.expectations.creationObserved(key);
          this.event(rc, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
      });
      if ('error' in res) {
        // Failed creates lowered the expectations already; the ones never attempted will not be observed either.
        for (let i = 0; i < n - res.attempted; i++) this.expectations.creationObserved(key);
        throw res.error;
      }
      return;
    }
    if (diff > 0) {
      const n = Math.min(diff, burst);
      const victims = [...pods].sort(deletionOrder(Date.now())).slice(0, n);
      this.expectations.expectDeletions(key, victims.map(podKey));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await podClient.delete(pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid } });
            this.event(rc, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
          } catch (err) {
            // Never observed as a deletion unless it is already gone.
            this.expectations.deletionObserved(key, podKey(pod));
            if (isNotFound(err)) return;
            this.event(rc, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  private computeStatus(rc: T, pods: Pod[], manageError: unknown): ReplicatedStatus {
    const templateLabels = rc.spec?.template?.metadata?.labels ?? {};
    const tmatch = selectorFromSet(templateLabels);
    const mrs = rc.spec?.minReadySeconds ?? 0;
    const now = Date.now();
    let fully = 0;
    let ready = 0;
    let available = 0;
    for (const p of pods) {
      if (tmatch.matches(p.metadata?.labels ?? {})) fully++;
      if (isPodReady(p)) ready++;
      if (isPodAvailable(p, mrs, now)) available++;
    }
    const status: ReplicatedStatus = {
      replicas: pods.length,
      fullyLabeledReplicas: fully,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rc.metadata?.generation ?? rc.status?.observedGeneration,
    };
    // The ReplicaFailure condition, as Kubernetes sets it when creates or deletes fail.
    const prior = (rc.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure');
    if (manageError) {
      const want = rc.spec?.replicas ?? 1;
      const reason = pods.length < want ? 'FailedCreate' : 'FailedDelete';
      const message = errorMessage(manageError);
      status.conditions = [
        prior && prior.reason === reason && prior.message === message
          ? prior
          : { type: 'ReplicaFailure', status: 'True', reason, message, lastTransitionTime: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') },
      ];
    } else if (prior && pods.length !== (rc.spec?.replicas ?? 1)) {
      status.conditions = [prior];
    }
    return status;
  }

  private async updateStatus(rc: T, pods: Pod[], manageError: unknown): Promise<void> {
    const status = this.computeStatus(rc, pods, manageError);
    const cur = rc.status ?? { replicas: 0 };
    const norm = (s: ReplicatedStatus) => ({
      replicas: s.replicas ?? 0,
      fullyLabeledReplicas: s.fullyLabeledReplicas ?? 0,
      readyReplicas: s.readyReplicas ?? 0,
      availableReplicas: s.availableReplicas ?? 0,
      observedGeneration: s.observedGeneration,
      conditions: s.conditions ?? [],
    });
    if (deepEqual(norm(cur), norm(status))) return;
    const rcs = this.kind.client(this.client, rc.metadata?.namespace);
    try {
      await rcs.updateStatus({ ...rc, status });
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      // A stale cache (often our own last status write, which does not trigger a sync): as
      // Kubernetes' updateReplicaSetStatus, read it again and retry once; a second conflict
      // fails the sync, which is retried with back-off.
      let fresh: T;
      try {
        fresh = await rcs.get(rc.metadata?.name ?? '');
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      if (fresh.metadata?.uid !== rc.metadata?.uid) return;
      // Only our view of spec decides the status; a newer generation will be synced again anyway.
      if (fresh.metadata?.generation !== rc.metadata?.generation) {
        this.enqueue(fresh);
        return;
      }
      await rcs.updateStatus({ ...fresh, status });
    }
    // Availability is time-based: look again once the youngest ready pod becomes available.
    const mrs = rc.spec?.minReadySeconds ?? 0;
    if (mrs > 0 && (status.readyReplicas ?? 0) > (status.availableReplicas ?? 0)) this.queue.addAfter(objectKey(rc), mrs * 1000);
  }
}

