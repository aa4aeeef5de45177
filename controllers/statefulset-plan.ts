// What one StatefulSet sync does, decided from a snapshot (Kubernetes' stateful_set_control.go
// updateStatefulSet): replace failed pods, create missing ordinals (OrderedReady: one at a time,
// lowest first, each waiting for its predecessors to be Running and Ready; Parallel: all at once),
// delete ordinals beyond the replicas highest first, then (RollingUpdate) delete the highest pod
// at or above the partition that is not at the update revision, one at a time, waiting for Ready.
// Pure: the controller (statefulset.ts) carries the actions out.

import type { StatefulSet, StatefulSetStatus } from '../api/apps.js';
import type { Pod } from '../api/core.js';
import { isPodAvailable, isPodReady } from './pod-util.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './revision-history.js';
import { parseOrdinal, replicaCount, startOrdinal } from './statefulset-identity.js';

export type StatefulSetAction =
  /** Create the ordinal's pod (and its claims) from the current or the update revision. */
  | { type: 'create'; ordinal: number; revision: 'current' | 'update' }
  /** Delete a pod: failed/succeeded (replaced next), condemned (scale down) or outdated (update). */
  | { type: 'delete'; pod: Pod; ordinal: number; why: 'failed' | 'condemned' | 'update' };

/** Most creates or deletes one sync does (Kubernetes' burstReplicas, 500). */
export const MAX_ACTIONS_PER_SYNC = 500;

export interface StatefulSetSnapshot {
  set: StatefulSet;
  /** The set's pods (claimed, named <set>-<ordinal>). */
  pods: Pod[];
  currentRevision: string;
  updateRevision: string;
  now: number;
}

export interface StatefulSetPlan {
  actions: StatefulSetAction[];
  status: StatefulSetStatus;
}

export function podRevision(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

const isTerminating = (p: Pod) => !!p.metadata?.deletionTimestamp;
const isFailed = (p: Pod) => p.status?.phase === 'Failed';
const isSucceeded = (p: Pod) => p.status?.phase === 'Succeeded';
export const isRunningAndReady = (p: Pod) => p.status?.phase === 'Running' && isPodReady(p);
const isRunningAndAvailable = (p: Pod, mrs: number, now: number) => p.status?.phase === 'Running' && isPodAvailable(p, mrs, now);
const isHealthy = (p: Pod) => isRunningAndReady(p) && !isTerminating(p);

function ordinalOf(p: Pod): number {
  return parseOrdinal(p.metadata?.name ?? '').ordinal;
}

/** The status of the pods as they are (before this sync's actions), with a finished rolling update completed. */
export function computeStatus(snap: StatefulSetSnapshot): StatefulSetStatus {
  const { set, pods, currentRevision, updateRevision, now } = snap;
  const mrs = set.spec?.minReadySeconds ?? 0;
  const s: StatefulSetStatus = {
    observedGeneration: set.metadata?.generation,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision,
    updateRevision,
    collisionCount: set.status?.collisionCount ?? 0,
  };
  for (const p of pods) {
    s.replicas++;
    if (isRunningAndReady(p)) {
      s.readyReplicas = (s.readyReplicas ?? 0) + 1;
      if (isRunningAndAvailable(p, mrs, now)) s.availableReplicas = (s.availableReplicas ?? 0) + 1;
    }
    if (!isTerminating(p)) {
      const r = podRevision(p);
      if (r === currentRevision) s.currentReplicas = (s.currentReplicas ?? 0) + 1;
      if (r === updateRevision) s.updatedReplicas = (s.updatedReplicas ?? 0) + 1;
    }
  }
  // completeRollingUpdate: every pod updated and ready makes the update revision current.
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas) {
    s.currentReplicas = s.updatedReplicas;
    s.currentRevision = updateRevision;
  }
  if (set.status?.conditions) s.conditions = set.status.conditions;
  return s;
}

/** Whether a new pod of this ordinal is made from the current revision (below the partition) or the update one. */
export function revisionForNewPod(set: StatefulSet, ordinal: number): 'current' | 'update' {
  const strategy = set.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return 'update';
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  return ordinal < startOrdinal(set) + partition ? 'current' : 'update';
}

export function planStatefulSet(snap: StatefulSetSnapshot): StatefulSetPlan {
  const { set, pods, updateRevision, now } = snap;
  const status = computeStatus(snap);
  const actions: StatefulSetAction[] = [];
  if (set.metadata?.deletionTimestamp) return { actions, status };
  const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
  const mrs = set.spec?.minReadySeconds ?? 0;
  const start = startOrdinal(set);
  const count = Math.max(0, replicaCount(set));
  // By index (ordinal - start), as a map: spec.replicas may be up to 2^31-1, never an array that size.
  const replicas = new Map<number, Pod>();
  const condemned: Pod[] = [];
  for (const p of pods) {
    const ord = ordinalOf(p);
    if (ord >= start && ord < start + count) replicas.set(ord - start, p);
    else if (ord >= 0) condemned.push(p);
  }
  // Highest ordinal first: the order they are deleted in.
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  let firstUnhealthy: Pod | undefined;
  for (const p of [...[...replicas.entries()].sort(([a], [b]) => a - b).map(([, p]) => p), ...condemned]) if (!isHealthy(p) && !firstUnhealthy) firstUnhealthy = p;

  for (let i = 0; i < count; i++) {
    // Parallel creates at most this many per sync (the rest next time), so no sync is unbounded.
    if (actions.length >= MAX_ACTIONS_PER_SYNC) return { actions, status };
    const ordinal = start + i;
    const pod = replicas.get(i);
    if (pod && !isTerminating(pod) && (isFailed(pod) || isSucceeded(pod))) {
      // Replaced once it is gone (its name is taken until then).
      actions.push({ type: 'delete', pod, ordinal, why: 'failed' });
      if (monotonic) return { actions, status };
      continue;
    }
    if (!pod) {
      actions.push({ type: 'create', ordinal, revision: revisionForNewPod(set, ordinal) });
      if (monotonic) return { actions, status };
      continue;
    }
    if (!monotonic) continue;
    // OrderedReady: nothing past a pod that is terminating, not yet Running and Ready, or not yet available.
    if (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, mrs, now)) return { actions, status };
  }

  for (const pod of condemned) {
    if (actions.length >= MAX_ACTIONS_PER_SYNC) return { actions, status };
    if (isTerminating(pod)) {
      if (monotonic) return { actions, status };
      continue;
    }
    // OrderedReady scale-down deletes no unready pod but the first unhealthy one (it may be why nothing progresses).
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, mrs, now))) return { actions, status };
    actions.push({ type: 'delete', pod, ordinal: ordinalOf(pod), why: 'condemned' });
    if (monotonic) return { actions, status };
  }
  if (actions.length) return { actions, status };

  const strategy = set.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return { actions, status };
  const partition = Math.max(0, strategy?.rollingUpdate?.partition ?? 0);
  for (let i = count - 1; i >= partition; i--) {
    const pod = replicas.get(i);
    if (!pod) return { actions, status };
    if (podRevision(pod) !== updateRevision && !isTerminating(pod)) {
      actions.push({ type: 'delete', pod, ordinal: start + i, why: 'update' });
      return { actions, status };
    }
    // Wait for the updated pod to be healthy before touching the next one down.
    if (!isHealthy(pod)) return { actions, status };
  }
  return { actions, status };
}
