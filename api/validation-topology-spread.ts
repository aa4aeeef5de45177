// ValidateTopologySpreadConstraints: a pod's spec.topologySpreadConstraints, with
// kube-apiserver's fields and wording, so the scheduler never sees a constraint it
// cannot apply (maxSkew 0, an unknown action, a bad key).

import type { TopologySpreadConstraint } from './core.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { isQualifiedName } from './names.js';
import { validateLabelSelector } from './validation-label-selector.js';

const ACTIONS = ['DoNotSchedule', 'ScheduleAnyway'] as const;
const POLICIES = ['Honor', 'Ignore'] as const;
const NOT_POSITIVE = 'must be greater than zero';
const INT32_MAX = 2147483647;

function positiveInt32(errs: FieldError[], field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) errs.push(fieldErr.invalid(field, v ?? 0, NOT_POSITIVE));
  else if (v > INT32_MAX) errs.push(fieldErr.invalid(field, v, `must be less than or equal to ${INT32_MAX}`));
}

export function validateTopologySpreadConstraints(list: TopologySpreadConstraint[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (list ?? []).forEach((raw, i) => {
    const c: Partial<TopologySpreadConstraint> = raw ?? {}; // a JSON null element decodes to the zero value
    const fp = `${field}[${i}]`;
    positiveInt32(errs, `${fp}.maxSkew`, c.maxSkew ?? 0);
    if (!c.topologyKey) errs.push(fieldErr.required(`${fp}.topologyKey`, 'can not be empty'));
    else for (const m of isQualifiedName(c.topologyKey)) errs.push(fieldErr.invalid(`${fp}.topologyKey`, c.topologyKey, m));
    const action = c.whenUnsatisfiable ?? '';
    if (!(ACTIONS as readonly string[]).includes(action)) errs.push(fieldErr.notSupported(`${fp}.whenUnsatisfiable`, action, ACTIONS));
    if (c.minDomains !== undefined && c.minDomains !== null) {
      positiveInt32(errs, `${fp}.minDomains`, c.minDomains);
      if (action !== 'DoNotSchedule') errs.push(fieldErr.invalid(`${fp}.minDomains`, c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`));
    }
    // Two constraints on the same key and action would be ambiguous.
    const pair = `{${c.topologyKey ?? ''}, ${action}}`;
    if (c.topologyKey && seen.has(pair)) errs.push(fieldErr.duplicate(`${fp}.{topologyKey, whenUnsatisfiable}`, pair));
    seen.add(pair);
    for (const [name, v] of [['nodeAffinityPolicy', c.nodeAffinityPolicy], ['nodeTaintsPolicy', c.nodeTaintsPolicy]] as const) {
      if (v !== undefined && v !== null && !(POLICIES as readonly string[]).includes(v)) errs.push(fieldErr.notSupported(`${fp}.${name}`, v, POLICIES));
    }
    errs.push(...validateLabelSelector(c.labelSelector, `${fp}.labelSelector`));
    const keys = c.matchLabelKeys ?? [];
    if (keys.length && !c.labelSelector) errs.push(fieldErr.forbidden(`${fp}.matchLabelKeys`, 'must not be specified when labelSelector is not set'));
    else if (keys.length) {
      const selectorKeys = new Set([...Object.keys(c.labelSelector?.matchLabels ?? {}), ...(c.labelSelector?.matchExpressions ?? []).map((e) => e?.key)]);
      keys.forEach((k, j) => {
        for (const m of isQualifiedName(k ?? '')) errs.push(fieldErr.invalid(`${fp}.matchLabelKeys[${j}]`, k, m));
        if (selectorKeys.has(k)) errs.push(fieldErr.invalid(`${fp}.matchLabelKeys[${j}]`, k, 'exists in both matchLabelKeys and labelSelector'));
      });
    }
  });
  return errs;
}
