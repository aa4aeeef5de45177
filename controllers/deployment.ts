// The Deployment controller (Kubernetes' pkg/controller/deployment): owns
// ReplicaSets named <deployment>-<pod-template-hash>, rolls from the old ones
// to the new one by RollingUpdate (maxSurge/maxUnavailable) or Recreate, keeps
// revisions in annotations, scales proportionally when resized mid-rollout,
// removes old RSs beyond revisionHistoryLimit, and reports the Progressing and
// Available conditions with the progress deadline. The decisions are pure
// (deployment-scaling.ts, deployment-status.ts); this file reads the caches and
// makes the writes.

import type { Deployment, DeploymentStatus, ReplicaSet } from '../api/apps.js';
import type { Pod } from '../api/core.js';
import type { OwnerReference } from '../api/meta.js';
import { deepEqual } from '../api/deep-equal.js';
import { labelSelectorMatcher, type LabelMatcher } from '../api/selectors.js';
import type { EventRecorder } from '../client/events.js';
import { isAlreadyExists, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { ResourceClient, RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { WorkQueue } from '../client/workqueue.js';
import type { RunnableInformer } from './informers.js';
import { controllerRef } from './pod-util.js';
import { cleanupPlan, isScalingEvent, reconcileNewReplicaSet, reconcileOldReplicaSets, recreateScaleDown, scalePlan, newRSNewReplicas, type ScaleOp } from './deployment-scaling.js';
import { getCondition, hasProgressDeadline, newCondition, pausedCondition, PROGRESSING, REASON, rolloutStatus, calculateStatus, deploymentComplete, setCondition, stuckRequeueAfter } from './deployment-status.js';
import {
  computeHash,
  DEFAULT_LABEL_KEY,
  equalIgnoreHash,
  findNewReplicaSet,
  maxRevision,
  maxSurge,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  REVISION_ANNOTATION,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './deployment-util.js';
import { runWorkers, startInformers } from './workers.js';

export interface DeploymentControllerOptions {
  client: RestClient;
  /** --concurrent-deployment-syncs (5). */
  workers?: number;
  recorder?: EventRecorder;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  rsInformer?: Informer<ReplicaSet>;
  deploymentInformer?: Informer<Deployment>;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The selector a Deployment's RSs are matched with; undefined when it selects nothing usable. */
function selectorOf(d: Deployment): LabelMatcher | undefined {
  try {
    const m = labelSelectorMatcher(d.spec?.selector);
    return m.empty ? undefined : m;
  } catch {
    return undefined;
  }
}

export class DeploymentController {
  readonly pods: Informer<Pod>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly deployments: Informer<Deployment>;
  readonly queue = new WorkQueue<string>({ name: 'deployment' });
  private readonly client: RestClient;
  private readonly log: (m: string) => void;
  private readonly ownInformers: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: DeploymentControllerOptions) {
    this.client = opts.client;
    this.log = opts.log ?? console.error;
    this.pods = opts.podInformer ?? this.own(new Informer<Pod>(this.client, 'pods'));
    this.replicaSets = opts.rsInformer ?? this.own(new Informer<ReplicaSet>(this.client, 'replicasets'));
    this.deployments = opts.deploymentInformer ?? this.own(new Informer<Deployment>(this.client, 'deployments'));
    this.deployments.on('add', (d) => this.enqueue(d));
    this.deployments.on('update', (_o, d) => this.enqueue(d));
    this.deployments.on('delete', (d) => this.enqueue(d));
    this.replicaSets.on('add', (rs) => this.rsChanged(undefined, rs));
    this.replicaSets.on('update', (o, rs) => {
      if (o.metadata?.resourceVersion !== rs.metadata?.resourceVersion) this.rsChanged(o, rs);
    });
    this.replicaSets.on('delete', (rs) => {
      const d = this.ownerOf(rs);
      if (d) this.enqueue(d);
    });
    // Recreate waits for the old pods to be gone: their deletion is what moves it on.
    this.pods.on('delete', (p) => this.podDeleted(p));
  }

  private own<T extends RunnableInformer>(i: T): T {
    this.ownInformers.push(i);
    return i;
  }

  async start(): Promise<this> {
    await startInformers([this.pods, this.replicaSets, this.deployments]);
    this.workers = runWorkers(this.queue, this.opts.workers ?? 5, (k) => this.sync(k), 'deployment', this.log);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.ownInformers.map((i) => i.stop()));
    await this.workers;
  }

  /** An Event about the deployment (list items may lack kind and apiVersion: the reference needs them). */
  private event(d: Deployment, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.opts.recorder?.event({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' }, type, reason, message);
  }

  private enqueue(d: Deployment): void {
    this.queue.add(objectKey(d));
  }

  private rsClient(ns: string | undefined): ResourceClient<ReplicaSet> {
    return this.client.resource<ReplicaSet>('replicasets', ns);
  }

  private deploymentClient(ns: string | undefined): ResourceClient<Deployment> {
    return this.client.resource<Deployment>('deployments', ns);
  }

  /** The Deployment a controllerRef points at, if we know it (uid must match). */
  private ownerOf(obj: { metadata?: { namespace?: string; ownerReferences?: OwnerReference[] } }): Deployment | undefined {
    const ref = controllerRef(obj);
    if (!ref || ref.kind !== 'Deployment' || ref.apiVersion !== 'apps/v1') return undefined;
    const d = this.deployments.store.getByName(obj.metadata?.namespace, ref.name);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  private matchingDeployments(rs: ReplicaSet): Deployment[] {
    return this.deployments.store.listNamespace(rs.metadata?.namespace ?? '').filter((d) => selectorOf(d)?.matches(rs.metadata?.labels ?? {}) ?? false);
  }

  private rsChanged(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    const oldOwner = old ? this.ownerOf(old) : undefined;
    const owner = this.ownerOf(rs);
    if (oldOwner && oldOwner.metadata?.uid !== owner?.metadata?.uid) this.enqueue(oldOwner);
    if (owner) {
      this.enqueue(owner);
      return;
    }
    if (controllerRef(rs)) return; // someone else's
    // An orphan: whoever might adopt it looks.
    if (!old || !deepEqual(old.metadata?.labels ?? {}, rs.metadata?.labels ?? {}) || controllerRef(old)) for (const d of this.matchingDeployments(rs)) this.enqueue(d);
  }

  private podDeleted(pod: Pod): void {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.store.getByName(pod.metadata?.namespace, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.ownerOf(rs);
    if (d && d.spec?.strategy?.type === 'Recreate') this.enqueue(d);
  }

  /** Reconcile one Deployment. */
  async sync(key: string): Promise<void> {
    const cached = this.deployments.store.get(key);
    if (!cached) return;
    let d = structuredClone(cached);
    const sel = d.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      this.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) await this.writeStatus(d, { ...d.status, observedGeneration: d.metadata?.generation });
      return;
    }
    const matcher = selectorOf(d);
    if (!matcher) return; // unparsable: the apiserver's validation keeps these out
    const rsList = await this.claimReplicaSets(d, matcher);

    if (d.metadata?.deletionTimestamp) {
      await this.syncStatusOnly(d, rsList);
      return;
    }
    const status = structuredClone(d.status ?? {});
    if (pausedCondition(d, status)) d = await this.writeStatus(d, status);

    if (d.spec?.paused) {
      await this.syncScale(d, rsList);
      return;
    }
    const nw = findNewReplicaSet(d, rsList);
    if (isScalingEvent(d, nw, rsList.filter((rs) => rs !== nw))) {
      await this.syncScale(d, rsList);
      return;
    }
    if (d.spec?.strategy?.type === 'Recreate') await this.rolloutRecreate(d, rsList);
    else await this.rolloutRolling(d, rsList);
  }

  // ---------------------------------------------------------------- claiming

  /** ClaimReplicaSets: ours that still match, orphans that match adopted, ours that stopped matching released. */
  private async claimReplicaSets(d: Deployment, matcher: LabelMatcher): Promise<ReplicaSet[]> {
    const uid = d.metadata?.uid ?? '';
    const deleting = !!d.metadata?.deletionTimestamp;
    const out: ReplicaSet[] = [];
    let canAdopt: boolean | undefined;
    for (const rs of this.replicaSets.store.listNamespace(d.metadata?.namespace ?? '')) {
      const ref = controllerRef(rs);
      const matches = matcher.matches(rs.metadata?.labels ?? {});
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches) out.push(rs);
        else if (!deleting) await this.patchOwners(rs, { $patch: 'delete', uid });
        continue;
      }
      if (deleting || !matches || rs.metadata?.deletionTimestamp) continue;
      // Re-read the deployment once before adopting: the cache may be stale (RecheckDeletionTimestamp).
      canAdopt ??= await this.freshAndAlive(d);
      if (!canAdopt) continue;
      const adopted = await this.patchOwners(rs, this.ownerRef(d));
      if (adopted) out.push(adopted);
    }
    return out;
  }

  private async freshAndAlive(d: Deployment): Promise<boolean> {
    try {
      const fresh = await this.deploymentClient(d.metadata?.namespace).get(d.metadata?.name ?? '');
      return fresh.metadata?.uid === d.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private ownerRef(d: Deployment): OwnerReference {
    return { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata?.name ?? '', uid: d.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
  }

  /**
   * Add or remove (`$patch: delete`) our ownerReference, as upstream's adopt and release
   * do: a strategic merge by uid, conditional on the RS's uid (not its resourceVersion,
   * which its controller's status writes keep moving). undefined when the RS is gone; any
   * other failure (a controller added meanwhile: two are refused) fails the sync, which retries.
   */
  private async patchOwners(rs: ReplicaSet, ref: OwnerReference | { $patch: 'delete'; uid: string }): Promise<ReplicaSet | undefined> {
    try {
      return await this.rsClient(rs.metadata?.namespace).patch(rs.metadata?.name ?? '', { metadata: { ownerReferences: [ref], uid: rs.metadata?.uid } }, 'strategic');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // ---------------------------------------------------------------- the new RS

  /**
   * getAllReplicaSetsAndSyncRevision: the new RS (created when asked and missing)
   * and the old ones, with the new one's revision raised above every old one and
   * the deployment's revision annotation following it.
   */
  private async newAndOld(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ d: Deployment; newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const existing = findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      let rs = existing;
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const mrsChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsChanged || mrsChanged) {
        copy.spec = { ...copy.spec!, minReadySeconds: d.spec?.minReadySeconds ?? 0 };
        rs = await this.rsClient(d.metadata?.namespace).update(copy);
      }
      const status = structuredClone(d.status ?? {});
      let needsUpdate = this.setRevision(d, rs.metadata?.annotations?.[REVISION_ANNOTATION]);
      if (needsUpdate) d = await this.deploymentClient(d.metadata?.namespace).update(d);
      if (hasProgressDeadline(d) && !getCondition(status, PROGRESSING)) {
        setCondition(status, newCondition(PROGRESSING, 'True', REASON.foundNewRS, `Found new replica set "${rs.metadata?.name}"`));
        needsUpdate = true;
      }
      if (needsUpdate && !deepEqual(status, d.status ?? {})) d = await this.writeStatus(d, status);
      return { d, newRS: rs, oldRSs };
    }
    if (!create) return { d, newRS: undefined, oldRSs };

    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec!.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [DEFAULT_LABEL_KEY]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [DEFAULT_LABEL_KEY]: hash };
    const name = `${d.metadata?.name}-${hash}`;
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: d.metadata?.namespace, ownerReferences: [this.ownerRef(d)], labels: { ...template.metadata.labels } },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.rsClient(d.metadata?.namespace).create(newRS);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.event(d, 'Warning', 'FailedCreate', `Failed to create new replica set "${name}": ${errorMessage(err)}`);
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition(PROGRESSING, 'False', REASON.failedRSCreate, `Failed to create new replica set "${name}": ${errorMessage(err)}`));
          await this.writeStatus(d, status);
        }
        throw err;
      }
      // Ours from a sync the cache has not caught up with, or a hash collision.
      const other = await this.rsClient(d.metadata?.namespace).get(name);
      const ref = controllerRef(other);
      if (ref?.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, other.spec?.template)) {
        created = other;
        alreadyExists = true;
      } else {
        // A collision: count it, so the next hash differs.
        const status = { ...structuredClone(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
        await this.writeStatus(d, status);
        throw new Error(`replica set "${name}" already exists and is not this deployment's: collisionCount raised to ${status.collisionCount}`);
      }
    }
    if (!alreadyExists && replicas > 0) this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${replicas}`);
    const status = structuredClone(d.status ?? {});
    if (!alreadyExists && hasProgressDeadline(d)) setCondition(status, newCondition(PROGRESSING, 'True', REASON.newRSCreated, `Created new replica set "${name}"`));
    if (this.setRevision(d, String(newRevision))) d = await this.deploymentClient(d.metadata?.namespace).update(d);
    if (!deepEqual(status, d.status ?? {})) d = await this.writeStatus(d, status);
    return { d, newRS: created, oldRSs };
  }

  /** SetDeploymentRevision on our copy; true when it changed. */
  private setRevision(d: Deployment, revision: string | undefined): boolean {
    if (revision === undefined || d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return false;
    d.metadata.annotations = { ...d.metadata.annotations, [REVISION_ANNOTATION]: revision };
    return true;
  }

  // ---------------------------------------------------------------- strategies

  private async rolloutRolling(d0: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { d, newRS, oldRSs } = await this.newAndOld(d0, rsList, true);
    const all = [...oldRSs, newRS!];
    const up = reconcileNewReplicaSet(d, all, newRS!);
    if (up) {
      const scaled = await this.applyScale(d, [up], true);
      await this.syncRolloutStatus(d, this.replace(all, scaled), this.replace([newRS!], scaled)[0]);
      return;
    }
    const down = reconcileOldReplicaSets(d, oldRSs, newRS!);
    if (down.length) {
      const scaled = await this.applyScale(d, down, true);
      await this.syncRolloutStatus(d, this.replace(all, scaled), newRS);
      return;
    }
    const status = calculateStatus(all, newRS, d);
    if (deploymentComplete(d, status)) await this.cleanup(d, oldRSs);
    await this.syncRolloutStatus(d, all, newRS);
  }

  private async rolloutRecreate(d0: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { d, newRS, oldRSs } = await this.newAndOld(d0, rsList, false);
    const down = recreateScaleDown(oldRSs);
    if (down.length) {
      const scaled = await this.applyScale(d, down, true);
      await this.syncRolloutStatus(d, this.replace([...oldRSs, newRS], scaled), newRS);
      return;
    }
    if (this.oldPodsRunning(newRS, oldRSs)) {
      await this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
      return;
    }
    if (!newRS) ({ d, newRS, oldRSs } = await this.newAndOld(d, rsList, true));
    if (replicasOf(newRS) !== replicasOf(d)) {
      const scaled = await this.applyScale(d, [{ rs: newRS!, replicas: replicasOf(d) }], true);
      await this.syncRolloutStatus(d, this.replace([...oldRSs, newRS], scaled), this.replace([newRS!], scaled)[0]);
      return;
    }
    if (deploymentComplete(d, calculateStatus([...oldRSs, newRS], newRS, d))) await this.cleanup(d, oldRSs);
    await this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
  }

  /** Any old RS still reporting pods, or a pod of one not yet finished (oldPodsRunning). */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata?.uid).filter((u) => u && u !== newRS?.metadata?.uid));
    for (const pod of this.pods.store.listNamespace(newRS?.metadata?.namespace ?? oldRSs[0]?.metadata?.namespace ?? '')) {
      const ref = controllerRef(pod);
      if (!ref || !oldUids.has(ref.uid)) continue;
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
    return false;
  }

  /** Paused or resized: sizes only, no rollout (sync in upstream's sync.go). */
  private async syncScale(d0: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { d, newRS, oldRSs } = await this.newAndOld(d0, rsList, false);
    const scaled = await this.applyScale(d, scalePlan(d, newRS, oldRSs), false);
    let olds = this.replace(oldRSs, scaled);
    if (d.spec?.paused) olds = await this.cleanup(d, olds);
    const nw = newRS ? this.replace([newRS], scaled)[0] : undefined;
    await this.syncStatus(d, [...olds, nw], nw);
  }

  private async syncStatusOnly(d0: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { d, newRS, oldRSs } = await this.newAndOld(d0, rsList, false);
    await this.syncStatus(d, [...oldRSs, newRS], newRS);
  }

  // ---------------------------------------------------------------- writes

  private replace<T extends ReplicaSet | undefined>(rss: T[], scaled: Map<string, ReplicaSet>): T[] {
    return rss.map((rs) => (rs && scaled.get(rs.metadata?.uid ?? '')) ?? rs) as T[];
  }

  /**
   * Carry out scale operations (scaleReplicaSet): spec.replicas and the desired/max
   * annotations, with a ScalingReplicaSet event when the size moved. withEvent=true is
   * scaleReplicaSetAndRecordEvent, which leaves an RS already at its size alone.
   */
  private async applyScale(d: Deployment, ops: ScaleOp[], onlyIfSizeChanges: boolean): Promise<Map<string, ReplicaSet>> {
    const out = new Map<string, ReplicaSet>();
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    for (const { rs, replicas } of ops) {
      const from = replicasOf(rs);
      const sizeChanges = from !== replicas;
      if (onlyIfSizeChanges && !sizeChanges) continue;
      if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, desired, max)) continue;
      const copy = structuredClone(rs);
      copy.spec = { ...copy.spec!, replicas };
      setReplicasAnnotations(copy, desired, max);
      const updated = await this.rsClient(rs.metadata?.namespace).update(copy);
      out.set(rs.metadata?.uid ?? '', updated);
      if (sizeChanges) this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${from < replicas ? 'up' : 'down'} replica set ${rs.metadata?.name} from ${from} to ${replicas}`);
    }
    return out;
  }

  /** Delete old RSs beyond revisionHistoryLimit; returns the old RSs that remain. */
  private async cleanup(d: Deployment, oldRSs: ReplicaSet[]): Promise<ReplicaSet[]> {
    const gone = new Set<string>();
    for (const rs of cleanupPlan(d, oldRSs)) {
      try {
        await this.rsClient(rs.metadata?.namespace).delete(rs.metadata?.name ?? '', { preconditions: { uid: rs.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      gone.add(rs.metadata?.uid ?? '');
    }
    return oldRSs.filter((rs) => !gone.has(rs.metadata?.uid ?? ''));
  }

  private async syncRolloutStatus(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = rolloutStatus(allRSs, newRS, d);
    if (!deepEqual(status, d.status ?? {})) d = await this.writeStatus(d, status);
    // Nothing else may happen before the deadline passes: look again then.
    const after = stuckRequeueAfter(d, d.status ?? {});
    if (after !== undefined) this.queue.addAfter(objectKey(d), after);
  }

  private async syncStatus(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(allRSs, newRS, d);
    if (!deepEqual(status, d.status ?? {})) await this.writeStatus(d, status);
  }

  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<Deployment> {
    try {
      return await this.deploymentClient(d.metadata?.namespace).updateStatus({ ...d, status });
    } catch (err) {
      if (isNotFound(err)) return { ...d, status };
      throw err;
    }
  }
}

export async function startDeploymentController(opts: DeploymentControllerOptions): Promise<DeploymentController> {
  return new DeploymentController(opts).start();
}
