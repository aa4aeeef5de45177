// Validation of scheduling.k8s.io/v1 PriorityClass, with upstream's wording
// (pkg/apis/scheduling/validation): the `system-` prefix is reserved for the system classes
// (with their exact value and globalDefault), user values stay at or below 1e9, and value
// and preemptionPolicy never change.

import { fieldErr, type FieldError } from './field-errors.js';
import { HIGHEST_USER_DEFINABLE_PRIORITY, SYSTEM_PRIORITY_CLASS_PREFIX, SYSTEM_PRIORITY_CLASSES, type PriorityClass } from './scheduling.js';

const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

/** IsKnownSystemPriorityClass: undefined when it is one, else why not. */
function systemClassProblem(name: string, value: number, globalDefault: boolean): string | undefined {
  const spc = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!spc) return `${name} is not a known system priority class`;
  if (spc.value !== value) return `value of ${name} PriorityClass must be ${spc.value}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata.name ?? '';
  const value = pc.value ?? 0;
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = systemClassProblem(name, value, pc.globalDefault ?? false);
    if (why) errs.push(fieldErr.forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fieldErr.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const p = pc.preemptionPolicy;
  if (p !== undefined && p !== null) {
    if ((p as string) === '') errs.push(fieldErr.required('preemptionPolicy'));
    else if (!PREEMPTION_POLICIES.includes(p)) errs.push(fieldErr.notSupported('preemptionPolicy', p, PREEMPTION_POLICIES));
  }
  return errs;
}

export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  if ((pc.value ?? 0) !== (old.value ?? 0)) errs.push(fieldErr.forbidden('value', 'may not be changed in an update.'));
  if ((pc.preemptionPolicy ?? null) !== (old.preemptionPolicy ?? null)) errs.push(fieldErr.invalid('preemptionPolicy', pc.preemptionPolicy ?? null, 'field is immutable'));
  return errs;
}
