// The decisions of the disruption controller (upstream pkg/controller/disruption), pure:
// how many pods a budget expects and wants healthy, how many are, which recorded
// evictions still hold, and the status that follows (disruptionsAllowed and the
// DisruptionAllowed condition).

import type { Pod } from '../api/core.js';
import { DISRUPTION_ALLOWED, INSUFFICIENT_PODS, SUFFICIENT_PODS, SYNC_FAILED, type MetaCondition, type PodDisruptionBudget, type PodDisruptionBudgetStatus } from '../api/policy.js';
import { isPodReady } from './pod-util.js';
import { scaledValue } from './scaled-value.js';

/** Upstream's DeletionTimeout: an eviction not followed by the pod's deletion within it is forgotten. */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** Whether the budget needs its pods' controllers' scale (maxUnavailable, or a percentage minAvailable). */
export function needsExpectedScale(pdb: PodDisruptionBudget): boolean {
  const s = pdb.spec ?? {};
  if (s.maxUnavailable !== undefined && s.maxUnavailable !== null) return true;
  return typeof s.minAvailable === 'string';
}

/** getExpectedPodCount: expected pods and desired healthy ones; `expectedScale` is the sum of the pods' controllers' scale. */
export function expectedPodCount(pdb: PodDisruptionBudget, pods: Pod[], expectedScale: number): { expectedCount: number; desiredHealthy: number } {
  const s = pdb.spec ?? {};
  if (s.maxUnavailable !== undefined && s.maxUnavailable !== null) {
    const maxUnavailable = scaledValue(s.maxUnavailable, expectedScale, true, 0);
    return { expectedCount: expectedScale, desiredHealthy: Math.max(0, expectedScale - maxUnavailable) };
  }
  if (typeof s.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: s.minAvailable };
  if (typeof s.minAvailable === 'string') return { expectedCount: expectedScale, desiredHealthy: scaledValue(s.minAvailable, expectedScale, true, 0) };
  // Neither set (validation allows it): nothing is required.
  return { expectedCount: pods.length, desiredHealthy: 0 };
}

/**
 * buildDisruptedPodMap: the recorded evictions that still hold (the pod exists, is not yet
 * being deleted, and the record is younger than the timeout), and when the oldest of
 * them expires (to look again then).
 */
export function liveDisruptedPods(pdb: PodDisruptionBudget, pods: Pod[], now: number): { disruptedPods: Record<string, string>; recheckAt?: number } {
  const out: Record<string, string> = {};
  let recheckAt: number | undefined;
  const byName = new Map(pods.map((p) => [p.metadata.name ?? '', p]));
  for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
    const pod = byName.get(name);
    if (!pod || pod.metadata.deletionTimestamp) continue;
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (!Number.isFinite(expires) || expires <= now) continue;
    out[name] = at;
    recheckAt = recheckAt === undefined ? expires : Math.min(recheckAt, expires);
  }
  return { disruptedPods: out, recheckAt };
}

/** countHealthyPods: ready, not being deleted, not just evicted. */
export function countHealthy(pods: Pod[], disrupted: Record<string, string>, now: number): number {
  let n = 0;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    const at = disrupted[p.metadata.name ?? ''];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(p)) n++;
  }
  return n;
}

function withCondition(conds: MetaCondition[] | undefined, c: Omit<MetaCondition, 'lastTransitionTime'>, nowIso: string): MetaCondition[] {
  const old = (conds ?? []).find((x) => x.type === c.type);
  const rest = (conds ?? []).filter((x) => x.type !== c.type);
  // apimeta.SetStatusCondition: the transition time moves only when the status does.
  return [...rest, { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : nowIso }];
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** updatePdbStatus: the status a budget should have. */
export function budgetStatus(pdb: PodDisruptionBudget, pods: Pod[], expectedScale: number, now: number): { status: PodDisruptionBudgetStatus; recheckAt?: number } {
  const { disruptedPods, recheckAt } = liveDisruptedPods(pdb, pods, now);
  const currentHealthy = countHealthy(pods, disruptedPods, now);
  const { expectedCount, desiredHealthy } = expectedPodCount(pdb, pods, expectedScale);
  let allowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || allowed <= 0) allowed = 0;
  const observedGeneration = pdb.metadata.generation ?? 0;
  const status: PodDisruptionBudgetStatus = {
    observedGeneration,
    ...(Object.keys(disruptedPods).length ? { disruptedPods } : {}),
    disruptionsAllowed: allowed,
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    conditions: withCondition(pdb.status?.conditions, { type: DISRUPTION_ALLOWED, status: allowed > 0 ? 'True' : 'False', reason: allowed > 0 ? SUFFICIENT_PODS : INSUFFICIENT_PODS, message: '', observedGeneration }, rfc3339(now)),
  };
  return { status, recheckAt };
}

/** failSafe: a budget whose counts could not be worked out allows no disruption. */
export function failSafeStatus(pdb: PodDisruptionBudget, err: string, now: number): PodDisruptionBudgetStatus {
  const st = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  // Upstream leaves observedGeneration as it was: evictions keep waiting for a real sync.
  const observedGeneration = st.observedGeneration;
  return {
    ...st,
    disruptionsAllowed: 0,
    conditions: withCondition(st.conditions, { type: DISRUPTION_ALLOWED, status: 'False', reason: SYNC_FAILED, message: err, observedGeneration }, rfc3339(now)),
  };
}
