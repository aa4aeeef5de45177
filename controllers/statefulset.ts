// The StatefulSet controller (Kubernetes' pkg/controller/statefulset): stable pods <set>-<ordinal>
// with their own PVCs, created and removed in order (OrderedReady) or all at once (Parallel),
// updated from the highest ordinal down to the partition, its templates kept as
// ControllerRevisions (currentRevision / updateRevision). Each sync reads the caches, asks
// statefulset-plan.ts what to do, does it, and writes the status.

import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../api/apps.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec } from '../api/core.js';
import { deepEqual } from '../api/deep-equal.js';
import { labelSelectorMatcher, type LabelMatcher } from '../api/selectors.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import type { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { WorkQueue } from '../client/workqueue.js';
import { claimPods } from './controller-ref.js';
import type { RunnableInformer } from './informers.js';
import { controllerRef } from './pod-util.js';
import { ensureUpdateRevision, pruneHistory, RevisionCollision } from './revision-store.js';
import { claimOwnerRefs, claimsFor, isMemberOf, newStatefulSetPod, setOwnerRef } from './statefulset-identity.js';
import { planStatefulSet, podRevision, type StatefulSetAction } from './statefulset-plan.js';
import { runWorkers, startInformers } from './workers.js';

export interface StatefulSetControllerOptions {
  client: RestClient;
  /** --concurrent-statefulset-syncs (5). */
  workers?: number;
  recorder?: EventRecorder;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  setInformer?: Informer<StatefulSet>;
  revisionInformer?: Informer<ControllerRevision>;
}

function selectorOf(set: StatefulSet): LabelMatcher | undefined {
  try {
    const m = labelSelectorMatcher(set.spec?.selector);
    return m.empty ? undefined : m;
  } catch {
    return undefined;
  }
}

/** The pod template a revision stored (its data is {spec: {template: ..., $patch: replace}}). */
export function templateOfRevision(rev: ControllerRevision): PodTemplateSpec | undefined {
  const data = rev.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const t = data?.spec?.template;
  if (!t || typeof t !== 'object') return undefined;
  const copy: Record<string, unknown> = { ...t };
  delete copy.$patch;
  return copy;
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class StatefulSetController {
  readonly queue = new WorkQueue<string>({ name: 'statefulset' });
  readonly pods: Informer<Pod>;
  readonly sets: Informer<StatefulSet>;
  readonly revisions: Informer<ControllerRevision>;
  private readonly client: RestClient;
  private readonly log: (m: string) => void;
  private readonly owned: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: StatefulSetControllerOptions) {
    this.client = opts.client;
    this.log = opts.log ?? console.error;
    this.pods = opts.podInformer ?? this.own(new Informer<Pod>(this.client, 'pods'));
    this.sets = opts.setInformer ?? this.own(new Informer<StatefulSet>(this.client, 'statefulsets'));
    this.revisions = opts.revisionInformer ?? this.own(new Informer<ControllerRevision>(this.client, 'controllerrevisions'));
    this.sets.on('add', (s) => this.enqueue(s));
    this.sets.on('update', (_o, s) => this.enqueue(s));
    this.sets.on('delete', (s) => this.enqueue(s));
    this.pods.on('add', (p) => this.podChanged(p));
    this.pods.on('update', (o, p) => {
      if (o.metadata?.resourceVersion === p.metadata?.resourceVersion) return;
      this.podChanged(p);
      const or = controllerRef(o);
      if (or && or.uid !== controllerRef(p)?.uid) this.podChanged(o);
    });
    this.pods.on('delete', (p) => this.podChanged(p));
    this.revisions.on('delete', (r) => this.enqueueOwner(r));
  }

  private own<T extends RunnableInformer>(i: T): T {
    this.owned.push(i);
    return i;
  }

  async start(): Promise<this> {
    await startInformers([this.pods, this.sets, this.revisions]);
    this.workers = runWorkers(this.queue, this.opts.workers ?? 5, (k) => this.sync(k), 'statefulset', this.log);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.owned.map((i) => i.stop()));
    await this.workers;
  }

  private enqueue(s: StatefulSet): void {
    this.queue.add(objectKey(s));
  }

  private enqueueOwner(obj: { metadata?: Pod['metadata'] }): boolean {
    const ref = controllerRef(obj);
    if (!ref || ref.kind !== 'StatefulSet') return false;
    const s = this.sets.store.getByName(obj.metadata?.namespace, ref.name);
    if (s && s.metadata?.uid === ref.uid) {
      this.enqueue(s);
      return true;
    }
    return false;
  }

  private podChanged(pod: Pod): void {
    if (this.enqueueOwner(pod) || controllerRef(pod)) {
      const ref = controllerRef(pod);
      const s = ref ? this.sets.store.getByName(pod.metadata?.namespace, ref.name) : undefined;
      const mrs = s?.spec?.minReadySeconds ?? 0;
      // Availability comes minReadySeconds after readiness: look again then.
      if (s && mrs > 0) this.queue.addAfter(objectKey(s), mrs * 1000 + 1000);
      return;
    }
    // An orphan: the sets that would adopt it.
    for (const s of this.sets.store.listNamespace(pod.metadata?.namespace ?? '')) if (isMemberOf(s, pod) && selectorOf(s)?.matches(pod.metadata?.labels ?? {})) this.enqueue(s);
  }

  async sync(key: string): Promise<void> {
    const set = this.sets.store.get(key);
    if (!set || set.metadata?.deletionTimestamp) return;
    const matcher = selectorOf(set);
    // A selector that selects nothing or everything (the apiserver refuses both) would create pods it never claims, forever.
    if (!matcher) return;
    const ns = set.metadata?.namespace ?? '';
    const uid = set.metadata?.uid ?? '';
    const owned = this.revisions.store.listNamespace(ns).filter((r) => controllerRef(r)?.uid === uid);
    let update: ControllerRevision;
    try {
      update = await ensureUpdateRevision(this.client, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: set.metadata ?? {} }, set.spec?.template, owned, set.status?.collisionCount, set.metadata?.annotations);
    } catch (err) {
      if (err instanceof RevisionCollision) await this.writeStatus(set, { ...(set.status ?? { replicas: 0 }), collisionCount: (set.status?.collisionCount ?? 0) + 1 });
      throw err;
    }
    const current = owned.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    const currentName = current.metadata?.name ?? '';
    const updateName = update.metadata?.name ?? '';
    const candidates = this.pods.store.listNamespace(ns).filter((p) => isMemberOf(set, p));
    const pods = await claimPods(
      this.client,
      { ref: setOwnerRef(set), namespace: ns, deleting: false, stillLive: () => this.stillLive(set), adoptable: (p) => isMemberOf(set, p) },
      matcher,
      candidates,
    );
    const plan = planStatefulSet({ set, pods, currentRevision: currentName, updateRevision: updateName, now: Date.now() });
    // Boxed, so that a failure is told apart from none whatever was thrown.
    let failure: { error: Error } | undefined;
    try {
      for (const a of plan.actions) await this.act(set, a, a.type === 'create' && a.revision === 'current' ? { template: templateOfRevision(current), name: currentName } : { template: set.spec?.template, name: updateName });
    } catch (err) {
      failure = { error: err instanceof Error ? err : new Error(String(err)) };
    }
    await this.writeStatus(set, plan.status);
    const live = new Set<string>([currentName, updateName, plan.status.currentRevision ?? '']);
    for (const p of pods) live.add(podRevision(p) ?? '');
    await pruneHistory(this.client, ns, owned.filter((r) => r.metadata?.name !== updateName), live, set.spec?.revisionHistoryLimit ?? 10);
    if (failure) throw failure.error;
    const mrs = set.spec?.minReadySeconds ?? 0;
    if (mrs > 0 && (plan.status.readyReplicas ?? 0) > (plan.status.availableReplicas ?? 0)) this.queue.addAfter(key, mrs * 1000);
  }

  private async stillLive(set: StatefulSet): Promise<boolean> {
    try {
      const fresh = await this.client.resource<StatefulSet>('statefulsets', set.metadata?.namespace).get(set.metadata?.name ?? '');
      return fresh.metadata?.uid === set.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async act(set: StatefulSet, a: StatefulSetAction, rev: { template: PodTemplateSpec | undefined; name: string }): Promise<void> {
    const setName = set.metadata?.name ?? '';
    const podClient = this.client.pods(set.metadata?.namespace);
    const rec = this.opts.recorder;
    if (a.type === 'create') {
      const pod = newStatefulSetPod(set, rev.template, a.ordinal, rev.name);
      await this.createClaims(set, pod, a.ordinal);
      try {
        await podClient.create(pod);
        rec?.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata?.name} in StatefulSet ${setName} successful`);
      } catch (err) {
        // Our own earlier create the cache has not shown yet.
        if (isAlreadyExists(err)) return;
        rec?.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata?.name} in StatefulSet ${setName} failed error: ${errText(err)}`);
        throw err;
      }
      return;
    }
    const name = a.pod.metadata?.name ?? '';
    if (a.why === 'condemned') await this.updateClaimOwners(set, a.pod, a.ordinal, true);
    try {
      await podClient.delete(name, { preconditions: { uid: a.pod.metadata?.uid } });
      rec?.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${name} in StatefulSet ${setName} successful`);
    } catch (err) {
      if (isNotFound(err)) return;
      rec?.event(set, 'Warning', 'FailedDelete', `delete Pod ${name} in StatefulSet ${setName} failed error: ${errText(err)}`);
      throw err;
    }
  }

  /** Create the ordinal's claims that do not exist yet (an existing one is kept, data and all). */
  private async createClaims(set: StatefulSet, pod: Pod, ordinal: number): Promise<void> {
    const claims = claimsFor(set, ordinal);
    if (claims.length === 0) return;
    const api = this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', set.metadata?.namespace);
    for (const claim of claims) {
      const refs = claimOwnerRefs(set, undefined, [], false);
      if (refs.length) claim.metadata = { ...claim.metadata, ownerReferences: refs };
      try {
        await api.create(claim);
        this.opts.recorder?.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata?.name} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} success`);
      } catch (err) {
        if (isAlreadyExists(err)) {
          const existing = await api.get(claim.metadata?.name ?? '');
          // A claim on its way out would leave the new pod without its data: wait for it to go.
          if (existing.metadata?.deletionTimestamp) throw new Error(`pvc ${claim.metadata?.name} is being deleted`);
          continue;
        }
        this.opts.recorder?.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata?.name} for Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${errText(err)}`);
        throw err;
      }
    }
  }

  /** Before a scaled-down pod goes: its claims get the owners the retention policy asks for. */
  private async updateClaimOwners(set: StatefulSet, pod: Pod, ordinal: number, scaledDown: boolean): Promise<void> {
    const policy = set.spec?.persistentVolumeClaimRetentionPolicy;
    if (!set.spec?.volumeClaimTemplates?.length || (policy?.whenScaled ?? 'Retain') === 'Retain') return;
    const api = this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', set.metadata?.namespace);
    for (const claim of claimsFor(set, ordinal)) {
      let existing: PersistentVolumeClaim;
      try {
        existing = await api.get(claim.metadata?.name ?? '');
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      const have = existing.metadata?.ownerReferences ?? [];
      const want = claimOwnerRefs(set, pod, have, scaledDown);
      if (deepEqual(have, want)) continue;
      await api.patch(claim.metadata?.name ?? '', { metadata: { ownerReferences: want.length ? want : null, resourceVersion: existing.metadata?.resourceVersion } }, 'merge');
    }
  }

  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    if (deepEqual(normStatus(set.status), normStatus(status))) return;
    const api = this.client.resource<StatefulSet>('statefulsets', set.metadata?.namespace);
    try {
      await api.updateStatus({ ...set, status });
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      // A stale cache: read it again and retry once.
      const fresh = await api.get(set.metadata?.name ?? '');
      if (fresh.metadata?.uid !== set.metadata?.uid) return;
      await api.updateStatus({ ...fresh, status });
    }
  }
}

function normStatus(s: StatefulSetStatus | undefined): unknown {
  return {
    g: s?.observedGeneration,
    r: s?.replicas ?? 0,
    rr: s?.readyReplicas ?? 0,
    c: s?.currentReplicas ?? 0,
    u: s?.updatedReplicas ?? 0,
    a: s?.availableReplicas ?? 0,
    cr: s?.currentRevision ?? '',
    ur: s?.updateRevision ?? '',
    x: s?.collisionCount ?? 0,
  };
}

export async function startStatefulSetController(opts: StatefulSetControllerOptions): Promise<StatefulSetController> {
  return new StatefulSetController(opts).start();
}
