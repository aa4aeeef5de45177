// `kubectl get hpa` columns, as kubectl's printer: REFERENCE kind/name, TARGETS per metric
// ("cpu: 45%/50%", "memory: 10Mi/100Mi", "<unknown>" before the first reading), MINPODS, MAXPODS, REPLICAS.
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from './autoscaling.js';
import { AGE, NAME, age, col, type Printer } from './table.js';

function target(m: MetricSpec, cur: MetricStatus | undefined): string {
  const src = m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined;
  if (!src) return `<unknown>/<unknown> (${m.type})`;
  const c = m.type === 'Resource' ? cur?.resource?.current : cur?.containerResource?.current;
  const prefix = m.type === 'Resource' ? `${src.name}: ` : `${src.name} of container "${(src as { container?: string }).container ?? ''}": `;
  if (src.target?.averageUtilization !== undefined) {
    return `${prefix}${c?.averageUtilization !== undefined ? `${c.averageUtilization}%` : '<unknown>'}/${src.target.averageUtilization}%`;
  }
  return `${prefix}${c?.averageValue ?? '<unknown>'}/${src.target?.averageValue ?? '<unknown>'}`;
}

/** The TARGETS cell: two metrics shown, the rest counted (kubectl's formatHPAMetrics). */
export function hpaTargets(h: HorizontalPodAutoscaler): string {
  const specs = h.spec?.metrics ?? [];
  if (!specs.length) return '<none>';
  const current = h.status?.currentMetrics ?? [];
  const parts = specs.map((m, i) => {
    const name = m.resource?.name ?? m.containerResource?.name;
    const cur = current[i]?.type === m.type ? current[i] : current.find((c) => c.type === m.type && (c.resource?.name ?? c.containerResource?.name) === name);
    return target(m, cur);
  });
  const shown = parts.slice(0, 2).join(', ');
  return parts.length > 2 ? `${shown} + ${parts.length - 2} more...` : shown;
}

export const hpaPrinter: Printer<HorizontalPodAutoscaler> = {
  columns: [
    NAME,
    col('Reference', 'string', 'reference to scaled resource'),
    col('Targets', 'string', 'the current and target values of the metrics this autoscaler uses'),
    col('MinPods', 'string', 'Lower limit for the number of pods that can be set by the autoscaler, default 1.'),
    col('MaxPods', 'integer', 'Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.'),
    col('Replicas', 'integer', 'Current number of replicas of pods managed by this autoscaler.'),
    AGE,
  ],
  row(h, now) {
    const ref = h.spec?.scaleTargetRef;
    return {
      cells: [h.metadata.name, `${ref?.kind ?? ''}/${ref?.name ?? ''}`, hpaTargets(h), h.spec?.minReplicas !== undefined ? String(h.spec.minReplicas) : '<unset>', h.spec?.maxReplicas ?? 0, h.status?.currentReplicas ?? 0, age(h, now)],
    };
  },
};
