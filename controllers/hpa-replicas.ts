// The horizontal pod autoscaler's arithmetic, pure (upstream's replica_calculator.go for
// resource metrics and the behavior rules of horizontal.go): desired replicas from usage and
// requests with the 0.1 tolerance and its treatment of pods without metrics (counted at 100%
// of the target when scaling down, at 0 when scaling up) and unready pods (0, scale-up only);
// then the stabilization window and the scale-up/scale-down policies.
import type { HPAScalingRules } from '../api/autoscaling.js';

export const TOLERANCE = 0.1;

export interface PodSample {
  name: string;
  /** Usage of the resource (millicores or bytes); undefined: no metrics for the pod. */
  usage?: number;
  /** Sum of the containers' requests of the resource (for utilization). */
  request: number;
  ready: boolean;
}

export interface ReplicaResult {
  replicas: number;
  /** Utilization in percent (of request) over the pods with metrics, or the average value. */
  utilization?: number;
  averageValue?: number;
}

/**
 * GetResourceReplicas (target = averageUtilization percent) or the AverageValue case (target =
 * value per pod; `request` unused). Throws when no pod has metrics, or a pod with metrics has no request.
 */
export function resourceReplicas(current: number, pods: PodSample[], target: { utilization?: number; averageValue?: number }, resource = 'cpu'): ReplicaResult {
  const withMetrics = pods.filter((p) => p.usage !== undefined && p.ready);
  const unready = pods.filter((p) => p.usage !== undefined && !p.ready);
  const missing = pods.filter((p) => p.usage === undefined);
  if (!withMetrics.length && !unready.length) throw new Error(`did not receive metrics for targeted pods (pods might be unready)`);
  // Upstream counts unready pods' metrics out before deciding; with none ready, nothing to go on.
  if (!withMetrics.length) throw new Error(`did not receive metrics for any ready pods`);
  const ratioOf = (ps: PodSample[], extra: { usage: number; request: number }[] = []) => {
    const usage = ps.reduce((a, p) => a + (p.usage ?? 0), 0) + extra.reduce((a, e) => a + e.usage, 0);
    if (target.utilization !== undefined) {
      const req = ps.reduce((a, p) => a + p.request, 0) + extra.reduce((a, e) => a + e.request, 0);
      if (req <= 0) throw new Error(`missing request for ${resource}`);
      const util = (usage * 100) / req;
      return { ratio: util / target.utilization, utilization: Math.floor(util) };
    }
    const avg = usage / (ps.length + extra.length);
    return { ratio: avg / (target.averageValue ?? 1), averageValue: Math.round(avg) };
  };
  if (target.utilization !== undefined) for (const p of withMetrics) if (p.request <= 0) throw new Error(`missing request for ${resource} in pod ${p.name}`);
  const first = ratioOf(withMetrics);
  const report = { utilization: first.utilization, averageValue: first.averageValue };
  const rebalanceIgnored = unready.length > 0 && first.ratio > 1;
  if (!rebalanceIgnored && missing.length === 0) {
    if (Math.abs(1 - first.ratio) <= TOLERANCE) return { replicas: current, ...report };
    return { replicas: Math.ceil(first.ratio * withMetrics.length), ...report };
  }
  // Missing pods: assume the target (100%) when scaling down, nothing when scaling up; unready pods count as 0 (scale-up only).
  const extra: { usage: number; request: number }[] = [];
  for (const p of missing) {
    const req = target.utilization !== undefined ? p.request : 0;
    const atTarget = target.utilization !== undefined ? (p.request * target.utilization) / 100 : (target.averageValue ?? 0);
    extra.push({ usage: first.ratio < 1 ? atTarget : 0, request: req });
  }
  if (rebalanceIgnored) for (const p of unready) extra.push({ usage: 0, request: p.request });
  const next = ratioOf(withMetrics, extra);
  // Within tolerance, or the direction flipped: keep the current count.
  if (Math.abs(1 - next.ratio) <= TOLERANCE || (first.ratio < 1 && next.ratio > 1) || (first.ratio > 1 && next.ratio < 1)) return { replicas: current, ...report };
  const n = Math.ceil(next.ratio * (withMetrics.length + extra.length));
  // Never against the first reading's direction.
  if ((first.ratio > 1 && n < current) || (first.ratio < 1 && n > current)) return { replicas: current, ...report };
  return { replicas: n, ...report };
}

export interface Recommendation {
  atMs: number;
  replicas: number;
}

export interface ScaleEvent {
  atMs: number;
  /** Replicas added (scale up) or removed (scale down) by this change. */
  change: number;
}

/** stabilizeRecommendationWithBehaviors: up to the lowest recommendation in the up window, down to the highest in the down window. */
export function stabilize(current: number, proposed: number, history: Recommendation[], upWindowS: number, downWindowS: number, nowMs: number): { replicas: number; reason: string; message: string } {
  let up = proposed;
  let down = proposed;
  for (const r of history) {
    if (r.atMs > nowMs - upWindowS * 1000) up = Math.min(up, r.replicas);
    if (r.atMs > nowMs - downWindowS * 1000) down = Math.max(down, r.replicas);
  }
  let replicas = current;
  if (replicas < up) replicas = up;
  if (replicas > down) replicas = down;
  if (replicas === proposed) return { replicas, reason: '', message: '' };
  return proposed > replicas
    ? { replicas, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
    : { replicas, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
}

const sumIn = (events: ScaleEvent[], periodS: number, nowMs: number) => events.filter((e) => e.atMs > nowMs - periodS * 1000).reduce((a, e) => a + e.change, 0);

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, events: ScaleEvent[], rules: Required<HPAScalingRules>, nowMs: number): number {
  const min = rules.selectPolicy === 'Min';
  let result = min ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - sumIn(events, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = min ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimit(current: number, events: ScaleEvent[], rules: Required<HPAScalingRules>, nowMs: number): number {
  const min = rules.selectPolicy === 'Min';
  let result = min ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current + sumIn(events, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = min ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

export interface Limited {
  replicas: number;
  /** ScalingLimited's reason and message. */
  reason: 'DesiredWithinRange' | 'ScaleUpLimit' | 'TooManyReplicas' | 'ScaleDownLimit' | 'TooFewReplicas' | 'ScaleUpDisabled' | 'ScaleDownDisabled';
  message: string;
}

/** convertDesiredReplicasWithBehaviorRate: the policies' rate limits and min/max. */
export function limitRate(current: number, desired: number, min: number, max: number, up: Required<HPAScalingRules>, down: Required<HPAScalingRules>, upEvents: ScaleEvent[], downEvents: ScaleEvent[], nowMs: number): Limited {
  if (desired > current) {
    if (up.selectPolicy === 'Disabled') return { replicas: current, reason: 'ScaleUpDisabled', message: 'scaling up is disabled by the scale-up rules' };
    const limit = Math.max(current, scaleUpLimit(current, upEvents, up, nowMs));
    const [maxAllowed, reason, message] = max > limit
      ? [limit, 'ScaleUpLimit' as const, 'the desired replica count is increasing faster than the maximum scale rate']
      : [max, 'TooManyReplicas' as const, 'the desired replica count is more than the maximum replica count'];
    if (desired > maxAllowed) return { replicas: maxAllowed, reason, message };
  } else if (desired < current) {
    if (down.selectPolicy === 'Disabled') return { replicas: current, reason: 'ScaleDownDisabled', message: 'scaling down is disabled by the scale-down rules' };
    const limit = Math.min(current, scaleDownLimit(current, downEvents, down, nowMs));
    const [minAllowed, reason, message] = min < limit
      ? [limit, 'ScaleDownLimit' as const, 'the desired replica count is decreasing faster than the maximum scale rate']
      : [min, 'TooFewReplicas' as const, 'the desired replica count is less than the minimum replica count'];
    if (desired < minAllowed) return { replicas: minAllowed, reason, message };
  }
  return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}
