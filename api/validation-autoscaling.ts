// Validation of autoscaling/v2 HorizontalPodAutoscalers with upstream's field paths and words
// (pkg/apis/autoscaling/validation): replica bounds, the target reference, metric sources and
// targets, behavior rules. v1 objects are converted to v2 before they get here.
import type { HorizontalPodAutoscaler, HPAScalingRules, MetricSpec, MetricTarget } from './autoscaling.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { isValidPathSegmentName } from './names.js';
import { isQuantity, milliValue } from './quantity.js';

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** int32 fields: Go's decoder refuses anything else (here a 422 on the field rather than the decoder's 400). */
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;

function positiveQuantity(errs: FieldError[], field: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'string' && typeof v !== 'number') return void errs.push(fieldErr.invalid(field, v, 'must be a quantity'));
  if (typeof v === 'string' && !isQuantity(v)) return void errs.push(fieldErr.invalid(field, v, 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\''));
  if (milliValue(v) <= 0) errs.push(fieldErr.invalid(field, v, 'must be positive'));
}

function validateTarget(errs: FieldError[], field: string, t: MetricTarget | undefined): void {
  if (!t || typeof t !== 'object') return void errs.push(fieldErr.required(field, 'must specify a metric target'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(t.type)) errs.push(fieldErr.invalid(`${field}.type`, t.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  positiveQuantity(errs, `${field}.value`, t.value);
  positiveQuantity(errs, `${field}.averageValue`, t.averageValue);
  if (t.averageUtilization !== undefined && (!isInt(t.averageUtilization) || t.averageUtilization < 1 || t.averageUtilization > 2147483647)) errs.push(fieldErr.invalid(`${field}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
}

function validateMetric(errs: FieldError[], field: string, m: MetricSpec): void {
  if (!m || typeof m !== 'object') return void errs.push(fieldErr.required(`${field}.type`, 'must specify a metric source type'));
  const types = ['Object', 'Pods', 'Resource', 'External', 'ContainerResource'];
  if (!m.type) return void errs.push(fieldErr.required(`${field}.type`, 'must specify a metric source type'));
  if (!types.includes(m.type)) return void errs.push(fieldErr.notSupported(`${field}.type`, m.type, types));
  const sourceField = { Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' }[m.type] as keyof MetricSpec;
  const src = m[sourceField] as Record<string, unknown> | undefined;
  if (!src || typeof src !== 'object') return void errs.push(fieldErr.required(`${field}.${sourceField}`, `must populate information for the given metric source`));
  if (m.type === 'Resource' || m.type === 'ContainerResource') {
    const r = src as unknown as { name?: string; container?: string; target?: MetricTarget };
    const f = `${field}.${sourceField}`;
    if (!r.name || typeof r.name !== 'string') errs.push(fieldErr.required(`${f}.name`, 'must specify a resource name'));
    if (m.type === 'ContainerResource' && !r.container) errs.push(fieldErr.required(`${f}.container`, 'must specify a container'));
    validateTarget(errs, `${f}.target`, r.target);
    const t = r.target;
    if (t && typeof t === 'object') {
      if (t.averageUtilization === undefined && t.averageValue === undefined) errs.push(fieldErr.required(`${f}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
      if (t.averageUtilization !== undefined && t.averageValue !== undefined) errs.push(fieldErr.forbidden(`${f}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
    }
    return;
  }
  const o = src as { metric?: { name?: string }; target?: MetricTarget };
  if (!o.metric?.name) errs.push(fieldErr.required(`${field}.${sourceField}.metric.name`, 'must specify a metric name'));
  validateTarget(errs, `${field}.${sourceField}.target`, o.target);
}

function validateRules(errs: FieldError[], field: string, r: HPAScalingRules | undefined): void {
  if (r === undefined || r === null) return;
  if (typeof r !== 'object' || Array.isArray(r)) return void errs.push(fieldErr.invalid(field, r, 'must be an object'));
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (!isInt(w) || w < 0)) errs.push(fieldErr.invalid(`${field}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  else if (w !== undefined && w > MAX_STABILIZATION_WINDOW_SECONDS) errs.push(fieldErr.invalid(`${field}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  if (r.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(r.selectPolicy)) errs.push(fieldErr.notSupported(`${field}.selectPolicy`, r.selectPolicy, ['Disabled', 'Max', 'Min']));
  if (!Array.isArray(r.policies) || r.policies.length === 0) return void errs.push(fieldErr.required(`${field}.policies`, 'must specify at least one Policy'));
  r.policies.forEach((p, i) => {
    const f = `${field}.policies[${i}]`;
    if (!p || typeof p !== 'object') return void errs.push(fieldErr.required(f, ''));
    if (!['Pods', 'Percent'].includes(p.type)) errs.push(fieldErr.notSupported(`${f}.type`, p.type ?? '', ['Percent', 'Pods']));
    if (!isInt(p.value) || p.value <= 0) errs.push(fieldErr.invalid(`${f}.value`, p.value, 'must be greater than zero'));
    if (!isInt(p.periodSeconds) || p.periodSeconds <= 0) errs.push(fieldErr.invalid(`${f}.periodSeconds`, p.periodSeconds, 'must be greater than zero'));
    else if (p.periodSeconds > MAX_PERIOD_SECONDS) errs.push(fieldErr.invalid(`${f}.periodSeconds`, p.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
}

export function validateHPA(h: HorizontalPodAutoscaler): FieldError[] {
  const errs: FieldError[] = [];
  const s = h.spec;
  if (!s || typeof s !== 'object') return [fieldErr.required('spec', '')];
  const min = s.minReplicas ?? 1;
  if (!isInt(min) || min < 1) errs.push(fieldErr.invalid('spec.minReplicas', s.minReplicas, 'must be greater than or equal to 1'));
  if (!isInt(s.maxReplicas) || s.maxReplicas < 1) errs.push(fieldErr.invalid('spec.maxReplicas', s.maxReplicas, 'must be greater than 0'));
  else if (isInt(min) && s.maxReplicas < min) errs.push(fieldErr.invalid('spec.maxReplicas', s.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  const ref = s.scaleTargetRef;
  if (!ref || typeof ref !== 'object') errs.push(fieldErr.required('spec.scaleTargetRef', ''));
  else {
    if (!ref.kind) errs.push(fieldErr.required('spec.scaleTargetRef.kind', ''));
    else if (typeof ref.kind !== 'string') errs.push(fieldErr.invalid('spec.scaleTargetRef.kind', ref.kind, 'must be a string'));
    else for (const m of isValidPathSegmentName(ref.kind)) errs.push(fieldErr.invalid('spec.scaleTargetRef.kind', ref.kind, m));
    if (!ref.name) errs.push(fieldErr.required('spec.scaleTargetRef.name', ''));
    else if (typeof ref.name !== 'string') errs.push(fieldErr.invalid('spec.scaleTargetRef.name', ref.name, 'must be a string'));
    else for (const m of isValidPathSegmentName(ref.name)) errs.push(fieldErr.invalid('spec.scaleTargetRef.name', ref.name, m));
  }
  if (s.metrics !== undefined && !Array.isArray(s.metrics)) errs.push(fieldErr.invalid('spec.metrics', s.metrics, 'must be a list'));
  else (s.metrics ?? []).forEach((m, i) => validateMetric(errs, `spec.metrics[${i}]`, m));
  if (s.behavior !== undefined && s.behavior !== null && (typeof s.behavior !== 'object' || Array.isArray(s.behavior))) errs.push(fieldErr.invalid('spec.behavior', s.behavior, 'must be an object'));
  else if (s.behavior !== undefined && s.behavior !== null) {
    validateRules(errs, 'spec.behavior.scaleUp', s.behavior.scaleUp);
    validateRules(errs, 'spec.behavior.scaleDown', s.behavior.scaleDown);
  }
  return errs;
}
