// The Deployment's status and its Progressing/Available conditions, pure
// (Kubernetes' calculateStatus, syncRolloutStatus and deployment/util's condition
// helpers), with the upstream reasons and messages.

import type { Deployment, DeploymentStatus, ReplicaSet, WorkloadCondition } from '../api/apps.js';
import type { ConditionStatus } from '../api/core.js';
import { maxUnavailable, replicasOf, statusSum } from './deployment-util.js';
import { nowTime } from './pod-util.js';

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
export const REPLICA_FAILURE = 'ReplicaFailure';

export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
  failedRSCreate: 'ReplicaSetCreateError',
} as const;

/** progressDeadlineSeconds set and not MaxInt32 (upstream's "no deadline"). */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== 2147483647;
}

export function newCondition(type: string, status: ConditionStatus, reason: string, message: string, now = Date.now()): WorkloadCondition {
  const t = nowTime(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): WorkloadCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: same status and reason keeps the old one; same status keeps its transition time. */
export function setCondition(status: DeploymentStatus, cond: WorkloadCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = cur && cur.status === cond.status ? { ...cond, lastTransitionTime: cur.lastTransitionTime } : cond;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

/** calculateStatus: counts from the RSs' specs and statuses, plus the Available condition. */
export function calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now = Date.now()): DeploymentStatus {
  const available = statusSum(allRSs, 'availableReplicas');
  let total = 0;
  for (const rs of allRSs) if (rs) total += replicasOf(rs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation,
    replicas: statusSum(allRSs, 'replicas'),
    updatedReplicas: statusSum([newRS], 'replicas'),
    readyReplicas: statusSum(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    conditions: [...(d.status?.conditions ?? [])],
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(status, newCondition(AVAILABLE, 'True', REASON.minimumAvailable, 'Deployment has minimum availability.', now));
  else setCondition(status, newCondition(AVAILABLE, 'False', REASON.minimumUnavailable, 'Deployment does not have minimum availability.', now));
  return status;
}

/** All replicas updated and available, and the latest spec observed (DeploymentComplete). */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** More updated, fewer old, more ready or more available than last time (DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** No progress for progressDeadlineSeconds since the Progressing condition last moved (DeploymentTimedOut). */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now = Date.now()): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, PROGRESSING);
  if (!c) return false;
  if (c.reason === REASON.newRSAvailable) return false;
  if (c.reason === REASON.timedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return false;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}

/** syncRolloutStatus's decision: the new status with Progressing (and ReplicaFailure) brought up to date. */
export function rolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now = Date.now()): DeploymentStatus {
  const s = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(s, PROGRESSING);
  const cur = getCondition(d.status, PROGRESSING);
  const complete = s.replicas === s.updatedReplicas && cur?.reason === REASON.newRSAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const name = d.metadata?.name ?? '';
    if (deploymentComplete(d, s)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata?.name}" has successfully progressed.` : `Deployment "${name}" has successfully progressed.`;
      setCondition(s, newCondition(PROGRESSING, 'True', REASON.newRSAvailable, msg, now));
    } else if (deploymentProgressing(d, s)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata?.name}" is progressing.` : `Deployment "${name}" is progressing.`;
      const c = newCondition(PROGRESSING, 'True', REASON.rsUpdated, msg, now);
      // Progress moves lastUpdateTime (the deadline's clock) but not the transition time.
      if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
      removeCondition(s, PROGRESSING);
      setCondition(s, c);
    } else if (deploymentTimedOut(d, s, now)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata?.name}" has timed out progressing.` : `Deployment "${name}" has timed out progressing.`;
      setCondition(s, newCondition(PROGRESSING, 'False', REASON.timedOut, msg, now));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  if (failures.length) setCondition(s, failures[0]);
  else removeCondition(s, REPLICA_FAILURE);
  return s;
}

/** getReplicaFailures: the new RS's ReplicaFailure first, else any old one's. */
function replicaFailures(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): WorkloadCondition[] {
  const out: WorkloadCondition[] = [];
  const from = (rs: ReplicaSet) => {
    for (const c of rs.status?.conditions ?? []) {
      if (c.type !== REPLICA_FAILURE) continue;
      out.push({ type: REPLICA_FAILURE, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message });
    }
  };
  if (newRS) from(newRS);
  if (out.length) return out;
  for (const rs of allRSs) if (rs && rs !== newRS) from(rs);
  return out;
}

/** The paused/resumed Progressing condition (checkPausedConditions); true when the status changed. */
export function pausedCondition(d: Deployment, status: DeploymentStatus, now = Date.now()): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(status, PROGRESSING);
  // A reported lack of progress is not overwritten by a pause.
  if (c?.reason === REASON.timedOut) return false;
  const pausedExists = c?.reason === REASON.paused;
  if (d.spec?.paused && !pausedExists) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', REASON.paused, 'Deployment is paused', now));
    return true;
  }
  if (!d.spec?.paused && pausedExists) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', REASON.resumed, 'Deployment is resumed', now));
    return true;
  }
  return false;
}

/** When to look again for a deadline that may pass with nothing else happening (requeueStuckDeployment); ms or undefined. */
export function stuckRequeueAfter(d: Deployment, s: DeploymentStatus, now = Date.now()): number | undefined {
  const c = getCondition(s, PROGRESSING);
  if (!hasProgressDeadline(d) || !c) return undefined;
  if (deploymentComplete(d, s) || c.reason === REASON.timedOut) return undefined;
  const from = Date.parse(c.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return undefined;
  return Math.max(1000, from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now + 1000);
}
