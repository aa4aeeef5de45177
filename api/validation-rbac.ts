// Validation of rbac.authorization.k8s.io/v1 objects, in the words of upstream's
// pkg/apis/rbac/validation: rules need verbs and either apiGroups+resources or
// nonResourceURLs (cluster roles only), roleRefs name an RBAC role, subjects are a
// User, Group or ServiceAccount, and a binding's roleRef never changes.

import { fieldErr, type FieldError } from './field-errors.js';
import { isValidPathSegmentName, type NameValidator } from './names.js';
import { RBAC_GROUP, type ClusterRole, type PolicyRule, type Role, type RoleBinding, type RoleRef, type Subject } from './rbac.js';
import { validateLabelSelector } from './validation-label-selector.js';
import { isDNS1123Subdomain } from './names.js';

/** RBAC object names are path segments (so `system:node` is fine). */
export const nameIsRBAC: NameValidator = (n) => isValidPathSegmentName(n);

const len = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

export function validatePolicyRule(rule: PolicyRule | null | undefined, namespaced: boolean, fp: string): FieldError[] {
  const r: Partial<PolicyRule> = rule ?? {};
  const errs: FieldError[] = [];
  if (len(r.verbs) === 0) errs.push(fieldErr.required(`${fp}.verbs`, 'verbs must contain at least one value'));
  if (len(r.nonResourceURLs) > 0) {
    if (namespaced) errs.push(fieldErr.invalid(`${fp}.nonResourceURLs`, r.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (len(r.apiGroups) > 0 || len(r.resources) > 0 || len(r.resourceNames) > 0) {
      errs.push(fieldErr.invalid(`${fp}.nonResourceURLs`, r.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (len(r.apiGroups) === 0) errs.push(fieldErr.required(`${fp}.apiGroups`, 'resource rules must supply at least one api group'));
  if (len(r.resources) === 0) errs.push(fieldErr.required(`${fp}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRole(role: Role): FieldError[] {
  return (role.rules ?? []).flatMap((r, i) => validatePolicyRule(r, true, `rules[${i}]`));
}

export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs = (role.rules ?? []).flatMap((r, i) => validatePolicyRule(r, false, `rules[${i}]`));
  const agg = role.aggregationRule;
  if (agg !== undefined && agg !== null) {
    const sels = agg.clusterRoleSelectors ?? [];
    if (sels.length === 0) errs.push(fieldErr.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    sels.forEach((s, i) => errs.push(...validateLabelSelector(s ?? {}, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

function validateRoleRef(ref: RoleRef | undefined, kinds: string[]): FieldError[] {
  const r: Partial<RoleRef> = ref && typeof ref === 'object' ? ref : {};
  const errs: FieldError[] = [];
  if (r.apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported('roleRef.apiGroup', r.apiGroup ?? '', [RBAC_GROUP]));
  if (!kinds.includes(r.kind ?? '')) errs.push(fieldErr.notSupported('roleRef.kind', r.kind ?? '', kinds));
  if (!r.name) errs.push(fieldErr.required('roleRef.name', ''));
  else for (const m of isValidPathSegmentName(r.name)) errs.push(fieldErr.invalid('roleRef.name', r.name, m));
  return errs;
}

export function validateSubject(subject: Subject | null | undefined, namespaced: boolean, fp: string): FieldError[] {
  const s: Partial<Subject> = subject ?? {};
  const errs: FieldError[] = [];
  if (!s.name) errs.push(fieldErr.required(`${fp}.name`, ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const m of isDNS1123Subdomain(s.name)) errs.push(fieldErr.invalid(`${fp}.name`, s.name, m));
      if (s.apiGroup) errs.push(fieldErr.notSupported(`${fp}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(fieldErr.required(`${fp}.namespace`, ''));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported(`${fp}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldErr.notSupported(`${fp}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

export function validateRoleBinding(rb: RoleBinding): FieldError[] {
  return [...validateRoleRef(rb.roleRef, ['Role', 'ClusterRole']), ...(rb.subjects ?? []).flatMap((s, i) => validateSubject(s, true, `subjects[${i}]`))];
}

export function validateClusterRoleBinding(rb: RoleBinding): FieldError[] {
  return [...validateRoleRef(rb.roleRef, ['ClusterRole']), ...(rb.subjects ?? []).flatMap((s, i) => validateSubject(s, false, `subjects[${i}]`))];
}

/** Go's %#v of an rbac.RoleRef, as the Invalid message shows it. */
function goRoleRef(r: Partial<RoleRef> | undefined): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(r?.apiGroup ?? '')}, Kind:${JSON.stringify(r?.kind ?? '')}, Name:${JSON.stringify(r?.name ?? '')}}`;
}

export function validateRoleBindingUpdate(rb: RoleBinding, old: RoleBinding): FieldError[] {
  const a = rb.roleRef ?? ({} as RoleRef);
  const b = old.roleRef ?? ({} as RoleRef);
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  return [{ reason: 'FieldValueInvalid', field: 'roleRef', message: `Invalid value: ${goRoleRef(a)}: cannot change roleRef` }];
}
