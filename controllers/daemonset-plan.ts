// What one DaemonSet sync does, decided from a snapshot (Kubernetes' daemon controller
// podsShouldBeOnNode, rollingUpdate and updateDaemonSetStatus): which nodes get a pod,
// which pods go, and the status. Pure: the controller (daemonset.ts) carries it out.

import type { DaemonSet, DaemonSetStatus } from '../api/apps.js';
import type { Node, Pod } from '../api/core.js';
import { nodeShouldRunDaemonPod } from './daemonset-nodes.js';
import { isPodAvailable, isPodReady } from './pod-util.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './revision-history.js';
import { scaledValue } from './scaled-value.js';

export interface DaemonSetSnapshot {
  ds: DaemonSet;
  nodes: Node[];
  /** The DaemonSet's own pods, keyed by the node they are for (targetNodeName). */
  podsByNode: Map<string, Pod[]>;
  /** The hash of the update (current template) revision. */
  hash: string;
  now: number;
}

export interface DaemonSetPlan {
  /** Nodes to create a daemon pod on. */
  createOn: string[];
  /** Pods to delete (by name); no name twice. */
  deletePods: string[];
  status: DaemonSetStatus;
}

/** Scheduled first, then oldest first, then by name (podByCreationTimestampAndPhase). */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 0 : 1;
  const sb = b.spec?.nodeName ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta === tb) return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  return ta < tb ? -1 : 1;
}

export function isPodUpdated(pod: Pod, hash: string): boolean {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
}

/** maxSurge and maxUnavailable for a number of desired pods; both 0 means one unavailable at a time (upstream). */
export function surgeAndUnavailable(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge, desired, true, 0);
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, true, 1);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** The one updated and one old pod on a node; ok=false when there are several of either (the manage step cleans up first). */
function updatedAndOld(pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(p, hash)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** The manage step: create where a pod should run and none does, delete failed, extra and misplaced pods. */
function manage(snap: DaemonSetSnapshot, surging: boolean): { createOn: string[]; deletePods: string[] } {
  const { ds, nodes, podsByNode, hash, now } = snap;
  const mrs = ds.spec?.minReadySeconds ?? 0;
  const createOn: string[] = [];
  const deletePods: string[] = [];
  const known = new Set(nodes.map((n) => n.metadata.name ?? ''));
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const pods = podsByNode.get(name) ?? [];
    if (shouldRun && pods.length === 0) {
      createOn.push(name);
      continue;
    }
    if (shouldContinueRunning) {
      const running: Pod[] = [];
      for (const p of pods) {
        if (p.metadata?.deletionTimestamp) continue;
        // A pod the kubelet rejected or that finished is replaced.
        if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') deletePods.push(p.metadata?.name ?? '');
        else running.push(p);
      }
      if (running.length === 0) {
        if (shouldRun) createOn.push(name);
        continue;
      }
      running.sort(compareDaemonPods);
      if (!surging) {
        for (const p of running.slice(1)) deletePods.push(p.metadata?.name ?? '');
        continue;
      }
      // While surging a node may hold the oldest updated pod and the oldest old one until the new one is available.
      let oldestNew: Pod | undefined;
      let oldestOld: Pod | undefined;
      for (const p of running) {
        if (isPodUpdated(p, hash)) {
          if (!oldestNew) {
            oldestNew = p;
            continue;
          }
        } else if (!oldestOld) {
          oldestOld = p;
          continue;
        }
        deletePods.push(p.metadata?.name ?? '');
      }
      if (oldestNew && oldestOld && isPodAvailable(oldestNew, mrs, now)) deletePods.push(oldestOld.metadata?.name ?? '');
      continue;
    }
    for (const p of pods) if (!p.metadata?.deletionTimestamp) deletePods.push(p.metadata?.name ?? '');
  }
  // Pods for nodes that no longer exist.
  for (const [nodeName, pods] of podsByNode) {
    if (known.has(nodeName)) continue;
    for (const p of pods) if (!p.metadata?.deletionTimestamp) deletePods.push(p.metadata?.name ?? '');
  }
  return { createOn, deletePods };
}

/** The RollingUpdate step: old pods to delete (maxSurge 0) or nodes to surge onto, within the budget. */
export function rollingUpdate(snap: DaemonSetSnapshot, desired: number): { createOn: string[]; deletePods: string[] } {
  const { ds, podsByNode, hash, now } = snap;
  const mrs = ds.spec?.minReadySeconds ?? 0;
  const { maxSurge, maxUnavailable } = surgeAndUnavailable(ds, desired);
  // Nodes in name order, so that a plan is the same for the same snapshot.
  const entries = [...podsByNode.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (maxSurge === 0) {
    let numUnavailable = 0;
    const replace: string[] = [];
    const candidates: string[] = [];
    for (const [, pods] of entries) {
      const { newPod, oldPod, ok } = updatedAndOld(pods, hash);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
        numUnavailable++;
        continue;
      }
      if (newPod) {
        if (!isPodAvailable(newPod, mrs, now)) numUnavailable++;
        continue;
      }
      if (!oldPod) continue;
      if (!isPodAvailable(oldPod, mrs, now)) replace.push(oldPod.metadata?.name ?? '');
      else if (numUnavailable < maxUnavailable) candidates.push(oldPod.metadata?.name ?? '');
    }
    const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
    return { createOn: [], deletePods: [...replace, ...candidates.slice(0, remaining)] };
  }
  let numSurge = 0;
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  const deletePods: string[] = [];
  for (const [nodeName, pods] of entries) {
    const { newPod, oldPod, ok } = updatedAndOld(pods, hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      if (!isPodAvailable(oldPod, mrs, now)) allowedNew.push(nodeName);
      else if (numSurge < maxSurge) candidateNew.push(nodeName);
      continue;
    }
    if (!isPodAvailable(newPod, mrs, now)) {
      numSurge++;
      continue;
    }
    deletePods.push(oldPod.metadata?.name ?? '');
  }
  const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidateNew.length);
  return { createOn: [...allowedNew, ...candidateNew.slice(0, remaining)], deletePods };
}

export function computeStatus(snap: DaemonSetSnapshot): DaemonSetStatus {
  const { ds, nodes, podsByNode, hash, now } = snap;
  const mrs = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const node of nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    const pods = podsByNode.get(node.metadata.name ?? '') ?? [];
    if (!shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = [...pods].sort(compareDaemonPods)[0];
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, mrs, now)) available++;
    }
    if (isPodUpdated(pod, hash)) updated++;
  }
  return {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: ds.metadata?.generation,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
    ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
    ...(ds.status?.conditions ? { conditions: ds.status.conditions } : {}),
  };
}

/** The whole sync decision: manage, else (RollingUpdate) the update step, and the status of the snapshot. */
export function planDaemonSet(snap: DaemonSetSnapshot): DaemonSetPlan {
  const rolling = (snap.ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const status = computeStatus(snap);
  const surging = rolling && surgeAndUnavailable(snap.ds, status.desiredNumberScheduled).maxSurge > 0;
  let step = manage(snap, surging);
  // As upstream, the update step runs only once the manage step's writes are all observed
  // (its expectations): here, when the manage step has nothing to do.
  if (rolling && step.createOn.length === 0 && step.deletePods.length === 0) step = rollingUpdate(snap, status.desiredNumberScheduled);
  return { createOn: step.createOn, deletePods: [...new Set(step.deletePods.filter((n) => n))], status };
}
