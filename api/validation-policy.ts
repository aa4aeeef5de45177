// Validation of policy/v1 PodDisruptionBudget and Eviction, with upstream's field paths
// and wording (pkg/apis/policy/validation).

import type { Eviction, PodDisruptionBudget } from './policy.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { notMoreThan100Percent, positiveIntOrPercent, validateLabelSelector } from './validation-apps.js';

const POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];
const NON_NEGATIVE = 'must be greater than or equal to 0';

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const errs: FieldError[] = [];
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(spec.minAvailable) && has(spec.maxUnavailable)) {
    // Upstream prints the whole spec struct as the value; its JSON says the same here.
    errs.push({ reason: 'FieldValueInvalid', field: 'spec', message: `Invalid value: ${JSON.stringify(spec)}: minAvailable and maxUnavailable cannot be both set` });
  }
  for (const k of ['minAvailable', 'maxUnavailable'] as const) {
    if (!has(spec[k])) continue;
    errs.push(...positiveIntOrPercent(spec[k], `spec.${k}`), ...notMoreThan100Percent(spec[k], `spec.${k}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const p = spec.unhealthyPodEvictionPolicy;
  if (has(p) && !POLICIES.includes(p)) errs.push(fieldErr.notSupported('spec.unhealthyPodEvictionPolicy', p, POLICIES));
  return errs;
}

/** ValidatePodDisruptionBudgetStatusUpdate: the counts are never negative. */
export function validatePodDisruptionBudgetStatus(pdb: PodDisruptionBudget): FieldError[] {
  const errs: FieldError[] = [];
  const st = pdb.status;
  if (!st) return errs;
  for (const k of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const) {
    const v = st[k];
    if (v !== undefined && v !== null && (typeof v !== 'number' || v < 0)) errs.push(fieldErr.invalid(`status.${k}`, v, NON_NEGATIVE));
  }
  return errs;
}

/** An Eviction's own checks: its deleteOptions' dry run values and grace period (ValidateDeleteOptions). */
export function validateEviction(ev: Eviction): FieldError[] {
  const errs: FieldError[] = [];
  const d = ev.deleteOptions;
  if (!d) return errs;
  (d.dryRun ?? []).forEach((v, i) => {
    if (v !== 'All') errs.push(fieldErr.notSupported(`deleteOptions.dryRun[${i}]`, v, ['All']));
  });
  if (d.propagationPolicy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(d.propagationPolicy)) {
    errs.push(fieldErr.notSupported('deleteOptions.propagationPolicy', d.propagationPolicy, ['Foreground', 'Background', 'Orphan']));
  }
  if (d.orphanDependents !== undefined && d.propagationPolicy !== undefined) {
    errs.push(fieldErr.invalid('deleteOptions.propagationPolicy', d.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set'));
  }
  return errs;
}
