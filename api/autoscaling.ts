// autoscaling/v2 HorizontalPodAutoscaler (the stored form) and the autoscaling/v1 view of it,
// with upstream's defaults (v2 SetDefaults: minReplicas 1, 80% CPU when no metrics, behavior
// rules filled in only when a behavior is given) and the v1 ↔ v2 conversion: v1 has only
// targetCPUUtilizationPercentage, the rest travels in `autoscaling.alpha.kubernetes.io/*`
// annotations as upstream's conversion keeps it.
import type { LabelSelector, TypedObject } from './core.js';

export interface CrossVersionObjectReference {
  kind: string;
  name: string;
  apiVersion?: string;
}

export interface MetricTarget {
  type: 'Utilization' | 'Value' | 'AverageValue';
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface MetricValueStatus {
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface ResourceMetricSource {
  name: string;
  target: MetricTarget;
}

export interface ContainerResourceMetricSource extends ResourceMetricSource {
  container: string;
}

export type MetricSourceType = 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';

export interface MetricSpec {
  type: MetricSourceType;
  resource?: ResourceMetricSource;
  containerResource?: ContainerResourceMetricSource;
  pods?: { metric: { name: string; selector?: LabelSelector }; target: MetricTarget };
  object?: { describedObject: CrossVersionObjectReference; metric: { name: string; selector?: LabelSelector }; target: MetricTarget };
  external?: { metric: { name: string; selector?: LabelSelector }; target: MetricTarget };
}

export interface MetricStatus {
  type: MetricSourceType;
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; container: string; current: MetricValueStatus };
}

export interface HPAScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HPAScalingPolicy[];
}

export interface HorizontalPodAutoscalerBehavior {
  scaleUp?: HPAScalingRules;
  scaleDown?: HPAScalingRules;
}

export interface HorizontalPodAutoscalerCondition {
  type: 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface HorizontalPodAutoscalerSpec {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: HorizontalPodAutoscalerBehavior;
}

export interface HorizontalPodAutoscalerStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas: number;
  currentMetrics?: MetricStatus[];
  conditions?: HorizontalPodAutoscalerCondition[];
}

export interface HorizontalPodAutoscaler extends TypedObject {
  spec?: HorizontalPodAutoscalerSpec;
  status?: HorizontalPodAutoscalerStatus;
}

/** autoscaling/v1's shape. */
export interface HorizontalPodAutoscalerV1 extends TypedObject {
  spec?: { scaleTargetRef: CrossVersionObjectReference; minReplicas?: number; maxReplicas: number; targetCPUUtilizationPercentage?: number };
  status?: { observedGeneration?: number; lastScaleTime?: string; currentReplicas?: number; desiredReplicas: number; currentCPUUtilizationPercentage?: number };
}

/** autoscaling.DefaultCPUUtilization. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: unset fields take the defaults. */
export function scaleUpRules(r: HPAScalingRules | undefined): Required<HPAScalingRules> {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 0,
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

export function scaleDownRules(r: HPAScalingRules | undefined): Required<HPAScalingRules> {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 300,
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

export function defaultHPA(h: HorizontalPodAutoscaler): void {
  const s = h.spec;
  if (!s || typeof s !== 'object') return;
  s.minReplicas ??= 1;
  // Only an absent or empty list is defaulted; a wrong type is left for validation.
  if (s.metrics === undefined || s.metrics === null || (Array.isArray(s.metrics) && s.metrics.length === 0)) {
    s.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  const b = s.behavior;
  // Rules of the wrong type are left for validation to refuse, never replaced by defaults.
  const isRules = (r: unknown) => r === undefined || r === null || (typeof r === 'object' && !Array.isArray(r));
  if (b && typeof b === 'object' && !Array.isArray(b) && isRules(b.scaleUp) && isRules(b.scaleDown)) {
    s.behavior = { scaleUp: scaleUpRules(b.scaleUp ?? undefined), scaleDown: scaleDownRules(b.scaleDown ?? undefined) };
  }
}

export const A_METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
export const A_CURRENT_METRICS = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const A_CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
export const A_BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';
const CONVERSION_ANNOTATIONS = [A_METRICS, A_CURRENT_METRICS, A_CONDITIONS, A_BEHAVIOR];

const isCpuUtilization = (m: MetricSpec) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.type === 'Utilization';

function parseAnnotation<T>(v: string | undefined): T | undefined {
  if (!v) return undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    return undefined;
  }
}

/** The stored v2 object as autoscaling/v1 shows it. */
export function hpaToV1(h: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const s = h.spec;
  const annotations: Record<string, string> = { ...(h.metadata.annotations ?? {}) };
  const metrics = s?.metrics ?? [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[A_METRICS] = JSON.stringify(others);
  if (s?.behavior) annotations[A_BEHAVIOR] = JSON.stringify(s.behavior);
  const st = h.status;
  const curCpu = st?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const otherCur = (st?.currentMetrics ?? []).filter((m) => m !== curCpu);
  if (otherCur.length) annotations[A_CURRENT_METRICS] = JSON.stringify(otherCur);
  if (st?.conditions?.length) annotations[A_CONDITIONS] = JSON.stringify(st.conditions);
  return {
    ...h,
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...h.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    ...(s
      ? {
          spec: {
            scaleTargetRef: s.scaleTargetRef,
            ...(s.minReplicas !== undefined ? { minReplicas: s.minReplicas } : {}),
            maxReplicas: s.maxReplicas,
            ...(cpu?.resource?.target.averageUtilization !== undefined ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}),
          },
        }
      : {}),
    ...(st
      ? {
          status: {
            ...(st.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
            ...(st.lastScaleTime ? { lastScaleTime: st.lastScaleTime } : {}),
            currentReplicas: st.currentReplicas ?? 0,
            desiredReplicas: st.desiredReplicas,
            ...(curCpu?.resource?.current.averageUtilization !== undefined ? { currentCPUUtilizationPercentage: curCpu.resource.current.averageUtilization } : {}),
          },
        }
      : {}),
  };
}

/** An autoscaling/v1 object in the stored v2 form (its annotations give back what v1 cannot say). */
export function hpaFromV1(v1: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const ann = { ...(v1.metadata?.annotations ?? {}) };
  const others = parseAnnotation<MetricSpec[]>(ann[A_METRICS]) ?? [];
  const behavior = parseAnnotation<HorizontalPodAutoscalerBehavior>(ann[A_BEHAVIOR]);
  const conditions = parseAnnotation<HorizontalPodAutoscalerCondition[]>(ann[A_CONDITIONS]);
  const otherCur = parseAnnotation<MetricStatus[]>(ann[A_CURRENT_METRICS]) ?? [];
  for (const k of CONVERSION_ANNOTATIONS) delete ann[k];
  const s = v1.spec as (HorizontalPodAutoscalerV1['spec'] & Record<string, unknown>) | undefined;
  const st = v1.status;
  const metrics: MetricSpec[] = [
    ...(s?.targetCPUUtilizationPercentage !== undefined ? [{ type: 'Resource' as const, resource: { name: 'cpu', target: { type: 'Utilization' as const, averageUtilization: s.targetCPUUtilizationPercentage } } }] : []),
    ...others,
  ];
  const curMetrics: MetricStatus[] = [
    ...(st?.currentCPUUtilizationPercentage !== undefined ? [{ type: 'Resource' as const, resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } } }] : []),
    ...otherCur,
  ];
  const metadata = { ...(v1.metadata ?? {}) };
  if (Object.keys(ann).length) metadata.annotations = ann;
  else delete metadata.annotations;
  return {
    ...v1,
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    ...(s && typeof s === 'object'
      ? {
          spec: {
            scaleTargetRef: s.scaleTargetRef,
            ...(s.minReplicas !== undefined ? { minReplicas: s.minReplicas } : {}),
            maxReplicas: s.maxReplicas,
            ...(metrics.length ? { metrics } : {}),
            ...(behavior ? { behavior } : {}),
          },
        }
      : {}),
    ...(st && typeof st === 'object'
      ? {
          status: {
            ...(st.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
            ...(st.lastScaleTime ? { lastScaleTime: st.lastScaleTime } : {}),
            ...(st.currentReplicas !== undefined ? { currentReplicas: st.currentReplicas } : {}),
            desiredReplicas: st.desiredReplicas,
            ...(curMetrics.length ? { currentMetrics: curMetrics } : {}),
            ...(conditions ? { conditions } : {}),
          },
        }
      : {}),
  };
}
