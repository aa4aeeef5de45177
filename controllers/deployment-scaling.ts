// The Deployment controller's scaling decisions, pure (Kubernetes' rolling.go,
// recreate.go, sync.go scale and cleanup): each returns the scale operations to
// make, so tables can test them and the controller only carries them out.

import type { Deployment, ReplicaSet } from '../api/apps.js';
import {
  activeReplicaSets,
  byCreation,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  findActiveOrLatest,
  isRollingUpdate,
  isSaturated,
  maxReplicasAnnotation,
  maxSurge,
  maxUnavailable,
  replicasOf,
  specReplicaSum,
  statusSum,
} from './deployment-util.js';

/** Set this RS's spec.replicas to replicas. */
export interface ScaleOp {
  rs: ReplicaSet;
  replicas: number;
}

function withReplicas(rs: ReplicaSet, replicas: number): ReplicaSet {
  return { ...rs, spec: { ...rs.spec!, replicas } };
}

/** How big the new RS may be now (NewRSNewReplicas): up to replicas+maxSurge pods in all, never over replicas. */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const want = replicasOf(d);
  if (!isRollingUpdate(d)) return want;
  const current = specReplicaSum(allRSs);
  const maxTotal = want + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, want - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

/** reconcileNewReplicaSet: the new RS's next size, or undefined when it is right. */
export function reconcileNewReplicaSet(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): ScaleOp | undefined {
  const want = replicasOf(d);
  const cur = replicasOf(newRS);
  if (cur === want) return undefined;
  if (cur > want) return { rs: newRS, replicas: want };
  const next = newRSNewReplicas(d, allRSs, newRS);
  return next === cur ? undefined : { rs: newRS, replicas: next };
}

/**
 * reconcileOldReplicaSets: scale old RSs down as far as maxUnavailable allows —
 * first the unhealthy replicas (they count for nothing), then available ones
 * while availability stays at replicas-maxUnavailable. Oldest RSs first.
 */
export function reconcileOldReplicaSets(d: Deployment, oldRSs: ReplicaSet[], newRS: ReplicaSet): ScaleOp[] {
  const active = activeReplicaSets(oldRSs);
  if (specReplicaSum(active) === 0) return [];
  const all = [...active, newRS];
  const allPods = specReplicaSum(all);
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const ops = new Map<string, ScaleOp>();
  // cleanupUnhealthyReplicas
  let olds = [...active].sort(byCreation);
  let cleaned = 0;
  olds = olds.map((rs) => {
    if (cleaned >= maxScaledDown) return rs;
    const r = replicasOf(rs);
    const avail = rs.status?.availableReplicas ?? 0;
    if (r === 0 || r === avail) return rs;
    const down = Math.min(maxScaledDown - cleaned, r - avail);
    cleaned += down;
    const next = withReplicas(rs, r - down);
    ops.set(rs.metadata?.uid ?? rs.metadata.name ?? '', { rs, replicas: r - down });
    return next;
  });

  // scaleDownOldReplicaSetsForRollingUpdate
  const available = statusSum([...olds, newRS], 'availableReplicas');
  if (available > minAvailable) {
    const total = available - minAvailable;
    let done = 0;
    for (const rs of [...olds].sort(byCreation)) {
      if (done >= total) break;
      const r = replicasOf(rs);
      if (r === 0) continue;
      const down = Math.min(r, total - done);
      done += down;
      const key = rs.metadata?.uid ?? rs.metadata.name ?? '';
      const orig = ops.get(key)?.rs ?? rs;
      ops.set(key, { rs: orig, replicas: r - down });
    }
  }
  return [...ops.values()];
}

/** How many replicas this RS gains (or loses) in a proportional scale (getReplicaSetFraction). */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const want = replicasOf(d);
  if (want === 0) return -replicasOf(rs);
  const deploymentReplicas = want + maxSurge(d);
  // Without the annotation, assume the deployment's last total (status.replicas) was what the RS was sized against.
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  // Go's math.Round: halves away from zero (sizes are never negative here).
  return Math.round((replicasOf(rs) * deploymentReplicas) / annotated) - replicasOf(rs);
}

/** GetProportion: this RS's share of toAdd, never past what is left to add. */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * The controller's scale(): a deployment resized mid-rollout. One active RS takes the
 * whole size; a saturated new RS means the old ones go to 0; otherwise, for a rolling
 * update, the difference is shared among the active RSs in proportion to their size
 * (largest first; the leftover goes to the first).
 */
export function scalePlan(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ScaleOp[] {
  const want = replicasOf(d);
  const one = findActiveOrLatest(newRS, oldRSs);
  if (one) return replicasOf(one) === want ? [] : [{ rs: one, replicas: want }];
  if (isSaturated(d, newRS)) return activeReplicaSets(oldRSs).map((rs) => ({ rs, replicas: 0 }));
  if (!isRollingUpdate(d)) return [];
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - specReplicaSum(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return replicasOf(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return replicasOf(rs) + p;
  });
  if (all.length && added !== toAdd) sizes[0] = Math.max(0, sizes[0] + (toAdd - added));
  // Every RS gets its size (and its annotations refreshed) even when unchanged, as upstream's scaleReplicaSet does.
  return all.map((rs, i) => ({ rs, replicas: sizes[i] }));
}

/** Recreate: every active old RS to 0 first. */
export function recreateScaleDown(oldRSs: ReplicaSet[]): ScaleOp[] {
  return activeReplicaSets(oldRSs).map((rs) => ({ rs, replicas: 0 }));
}

/**
 * The old RSs revisionHistoryLimit lets go (cleanupDeployment): the lowest
 * revisions beyond the limit, only those fully scaled down and observed so.
 */
export function cleanupPlan(d: Deployment, oldRSs: ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined || limit === null) return [];
  const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort(byRevision);
  const diff = cleanable.length - limit;
  const out: ReplicaSet[] = [];
  for (let i = 0; i < diff; i++) {
    const rs = cleanable[i];
    // Still has pods, or the RS controller has not seen its last scale yet: keep it this time.
    if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    out.push(rs);
  }
  return out;
}

/** Whether the deployment's spec.replicas differs from what an active RS was last sized for (isScalingEvent). */
export function isScalingEvent(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
  for (const rs of activeReplicaSets([...oldRSs, newRS])) {
    const v = rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'];
    if (v === undefined || !/^\d+$/.test(v)) continue;
    if (Number(v) !== replicasOf(d)) return true;
  }
  return false;
}
