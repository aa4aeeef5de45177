// Pod predicates and orderings the controllers share (Kubernetes' podutil and controller_utils).

import type { Pod, PodCondition } from '../api/core.js';
import { toleratesTaint } from '../api/taints.js';
export { toleratesTaint };
import type { OwnerReference } from '../api/meta.js';

export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds (Kubernetes' IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now = Date.now()): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(t) && t + minReadySeconds * 1000 <= now;
}

/** Not finished and not being deleted (Kubernetes' FilterActivePods). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function controllerRef(obj: { metadata?: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** The most restarts of any one container (upstream's maxContainerRestarts). */
function maxRestarts(pod: Pod): number {
  let n = 0;
  for (const s of pod.status?.containerStatuses ?? []) n = Math.max(n, s.restartCount ?? 0);
  return n;
}

/** controller.kubernetes.io/pod-deletion-cost as an int32; absent or invalid counts 0. */
function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  if (v === undefined || !/^[-+]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function timeOf(s: string | undefined): number {
  return s ? Date.parse(s) || 0 : 0;
}

/** afterOrZero: a missing time first, then the later one first. Negative: a goes first. */
function afterOrZero(a: number, b: number): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  return b - a;
}

/** The log2 bucket of how long ago t was, in nanoseconds as upstream counts (-1 when not past). */
function logBucket(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

function byUid(a: Pod, b: Pod): number {
  const ua = a.metadata?.uid ?? '';
  const ub = b.metadata?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * Upstream's ActivePodsWithRanks ordering (with LogarithmicScaleDown, GA in 1.31, and
 * PodDeletionCost), the pods to delete first coming first: unassigned before assigned,
 * Pending before Unknown before Running, not ready before ready, lower
 * pod-deletion-cost first, then (both ready) ready for less time first, then more
 * restarts first, then newer first. Given now, two times compare by the log2 bucket of
 * their age, and pods in one bucket by uid, so a scale-down does not always take the
 * very newest. Upstream's rank (pods of one owner doubled up on a node) is the same
 * for every pod on one node and is left out.
 */
export function deletionOrder(now = 0, withCost = true): (a: Pod, b: Pod) => number {
  const byTime = (ta: number, tb: number, a: Pod, b: Pod): number | undefined => {
    if (ta === tb) return undefined;
    if (!now || !ta || !tb) return afterOrZero(ta, tb);
    const diff = logBucket(ta, now) - logBucket(tb, now);
    return diff === 0 ? byUid(a, b) : diff;
  };
  return (a, b) => {
    const na = a.spec?.nodeName ? 1 : 0;
    const nb = b.spec?.nodeName ? 1 : 0;
    if (na !== nb) return na - nb;
    const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
    const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
    if (pa !== pb) return pa - pb;
    const ra = isPodReady(a) ? 1 : 0;
    const rb = isPodReady(b) ? 1 : 0;
    if (ra !== rb) return ra - rb;
    const ca = withCost ? deletionCost(a) : 0;
    const cb = withCost ? deletionCost(b) : 0;
    if (ca !== cb) return ca - cb;
    if (ra && rb) {
      const r = byTime(timeOf(podReadyCondition(a)?.lastTransitionTime), timeOf(podReadyCondition(b)?.lastTransitionTime), a, b);
      if (r !== undefined) return r;
    }
    const xa = maxRestarts(a);
    const xb = maxRestarts(b);
    if (xa !== xb) return xb - xa;
    return byTime(timeOf(a.metadata?.creationTimestamp), timeOf(b.metadata?.creationTimestamp), a, b) ?? 0;
  };
}

/** Upstream's plain ActivePods ordering (the Job controller's): exact times, the later first, no deletion cost. */
export const compareForDeletion = deletionOrder(0, false);

/** RFC 3339 with seconds, as metav1.Time marshals. */
export function nowTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
