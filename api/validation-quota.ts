// Validation of LimitRange, ResourceQuota and PodTemplate, as upstream's
// ValidateLimitRange, ValidateResourceQuota(Update|Status) and ValidatePodTemplate.

import type { ResourceList } from './core.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { isQualifiedName } from './names.js';
import { isQuantity } from './quantity.js';
import type { LimitRange, PodTemplate, ResourceQuota } from './quota.js';
import { cmpQuantity, quantityString } from './resource-list.js';
import { validateLabels } from './validation-meta.js';
import { validatePodSpec } from './validation-pod.js';
import { milliValue } from './quantity.js';

const LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);
const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'requests.storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers']);
const QUOTA_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers']);
const INTEGER_RESOURCES = new Set(['pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);
const SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];
const POD_COMPUTE = new Set(['pods', 'cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);

const isHugePages = (n: string) => n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || n.startsWith('limits.hugepages-');
/** A domain-qualified name outside kubernetes.io (upstream's IsExtendedResourceName, loosely). */
const isExtended = (n: string) => n.includes('/') && !n.startsWith('kubernetes.io/') && !n.startsWith('requests.');

/** validateResourceName: a qualified name, and a standard one when not domain-qualified. */
function resourceName(name: string, field: string, standard: Set<string>, notStandard: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => fieldErr.invalid(field, name, m));
  if (!name.includes('/') && !standard.has(name) && !isHugePages(name)) errs.push(fieldErr.invalid(field, name, notStandard));
  return errs;
}

/** Keys of a ResourceList that parse; a map that is not one is left for the schema check. */
function entries(l: ResourceList | undefined): [string, string][] {
  if (!l || typeof l !== 'object' || Array.isArray(l)) return [];
  return Object.entries(l).map(([k, v]) => [k, String(v)] as [string, string]).filter(([, v]) => isQuantity(v));
}

export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  const limits = lr.spec?.limits;
  if (!Array.isArray(limits)) return errs;
  const seen = new Set<string>();
  limits.forEach((limit, i) => {
    const at = `spec.limits[${i}]`;
    if (!limit || typeof limit !== 'object') return;
    const type = String(limit.type ?? '');
    for (const m of isQualifiedName(type)) errs.push(fieldErr.invalid(`${at}.type`, type, m));
    if (!type.includes('/') && !LIMIT_TYPES.has(type)) errs.push(fieldErr.invalid(`${at}.type`, type, 'must be a standard limit type or fully qualified'));
    if (seen.has(type)) errs.push(fieldErr.duplicate(`${at}.type`, type));
    seen.add(type);
    const keys = new Set<string>();
    const named = (part: 'max' | 'min' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio') => {
      const out = new Map<string, string>();
      for (const [k, v] of entries(limit[part])) {
        errs.push(...resourceName(k, `${at}.${part}[${k}]`, STANDARD_RESOURCES, 'must be a standard resource type or fully qualified'));
        keys.add(k);
        out.set(k, v);
      }
      return out;
    };
    const max = named('max');
    const min = named('min');
    let defaults = new Map<string, string>();
    let defaultRequests = new Map<string, string>();
    if (type === 'Pod') {
      if (Object.keys(limit.default ?? {}).length) errs.push(fieldErr.forbidden(`${at}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(limit.defaultRequest ?? {}).length) errs.push(fieldErr.forbidden(`${at}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    } else {
      defaults = named('default');
      defaultRequests = named('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && !min.has('storage') && !max.has('storage')) {
      errs.push(fieldErr.required(`${at}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    }
    const ratios = named('maxLimitRequestRatio');
    for (const k of [...keys].sort()) {
      const mn = min.get(k);
      const mx = max.get(k);
      const df = defaults.get(k);
      const dr = defaultRequests.get(k);
      const ratio = ratios.get(k);
      const s = quantityString;
      if (mn !== undefined && mx !== undefined && cmpQuantity(mn, mx) > 0) errs.push(fieldErr.invalid(`${at}.min[${k}]`, s(mn), `min value ${s(mn)} is greater than max value ${s(mx)}`));
      if (dr !== undefined && mn !== undefined && cmpQuantity(mn, dr) > 0) errs.push(fieldErr.invalid(`${at}.defaultRequest[${k}]`, s(dr), `min value ${s(mn)} is greater than default request value ${s(dr)}`));
      if (dr !== undefined && mx !== undefined && cmpQuantity(dr, mx) > 0) errs.push(fieldErr.invalid(`${at}.defaultRequest[${k}]`, s(dr), `default request value ${s(dr)} is greater than max value ${s(mx)}`));
      if (dr !== undefined && df !== undefined && cmpQuantity(dr, df) > 0) errs.push(fieldErr.invalid(`${at}.defaultRequest[${k}]`, s(dr), `default request value ${s(dr)} is greater than default limit value ${s(df)}`));
      if (df !== undefined && mn !== undefined && cmpQuantity(mn, df) > 0) errs.push(fieldErr.invalid(`${at}.default[${k}]`, s(mn), `min value ${s(mn)} is greater than default value ${s(df)}`));
      if (df !== undefined && mx !== undefined && cmpQuantity(df, mx) > 0) errs.push(fieldErr.invalid(`${at}.default[${k}]`, s(mx), `default value ${s(df)} is greater than max value ${s(mx)}`));
      if (ratio !== undefined && cmpQuantity(ratio, 1) < 0) errs.push(fieldErr.invalid(`${at}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is less than 1`));
      if (ratio !== undefined && mn !== undefined && mx !== undefined && milliValue(mn) > 0) {
        const limit = milliValue(mx) / milliValue(mn);
        if (milliValue(ratio) / 1000 > limit) errs.push(fieldErr.invalid(`${at}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is greater than max/min = ${limit.toFixed(6)}`));
      }
    }
  });
  return errs;
}

/** A quota's resource list: standard or qualified names, values ≥ 0, whole numbers for counted resources. */
function quotaList(l: ResourceList | undefined, at: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of entries(l)) {
    const f = `${at}[${k}]`;
    errs.push(...resourceName(k, f, QUOTA_RESOURCES, 'must be a standard resource for quota'));
    if (milliValue(v) < 0) errs.push(fieldErr.invalid(f, quantityString(v), 'must be greater than or equal to 0'));
    if ((INTEGER_RESOURCES.has(k) || isExtended(k)) && milliValue(v) % 1000 !== 0) errs.push(fieldErr.invalid(f, quantityString(v), 'must be an integer'));
  }
  return errs;
}

function scopeValidForResource(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods';
  return POD_COMPUTE.has(resource);
}

export function validateResourceQuota(q: ResourceQuota): FieldError[] {
  const spec = q.spec ?? {};
  const errs = quotaList(spec.hard, 'spec.hard');
  const scopes = Array.isArray(spec.scopes) ? spec.scopes : [];
  const hard = Object.keys(spec.hard ?? {}).sort();
  for (const scope of scopes) {
    if (!SCOPES.includes(scope)) errs.push(fieldErr.invalid('spec.scopes', scopes, 'unsupported scope'));
    for (const k of hard) if (QUOTA_RESOURCES.has(k) && !scopeValidForResource(scope, k)) errs.push(fieldErr.invalid('spec.scopes', scopes, 'unsupported scope applied to resource'));
  }
  for (const [a, b] of [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']]) {
    if (scopes.includes(a) && scopes.includes(b)) errs.push(fieldErr.invalid('spec.scopes', scopes, 'conflicting scopes'));
  }
  const exprs = spec.scopeSelector?.matchExpressions;
  if (Array.isArray(exprs)) {
    exprs.forEach((r, i) => {
      const at = `spec.scopeSelector.matchExpressions[${i}]`;
      if (!r || typeof r !== 'object') return;
      if (!SCOPES.includes(r.scopeName)) errs.push(fieldErr.invalid(`${at}.scopeName`, r.scopeName, 'unsupported scope'));
      const values = r.values ?? [];
      if (r.operator === 'In' || r.operator === 'NotIn') {
        if (values.length === 0) errs.push(fieldErr.required(`${at}.values`, 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'));
      } else if (r.operator === 'Exists' || r.operator === 'DoesNotExist') {
        if (values.length) errs.push(fieldErr.invalid(`${at}.values`, values, 'must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector'));
      } else {
        errs.push(fieldErr.invalid(`${at}.operator`, r.operator, 'not a valid selector operator'));
      }
      if (r.scopeName !== 'PriorityClass' && r.scopeName !== undefined && (r.operator === 'In' || r.operator === 'NotIn') && SCOPES.includes(r.scopeName)) {
        errs.push(fieldErr.invalid(`${at}.operator`, r.operator, 'must be \'Exist\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity'));
      }
    });
  }
  errs.push(...validateResourceQuotaStatus(q));
  return errs;
}

export function validateResourceQuotaStatus(q: ResourceQuota): FieldError[] {
  return [...quotaList(q.status?.hard, 'status.hard'), ...quotaList(q.status?.used, 'status.used')];
}

export function validateResourceQuotaUpdate(q: ResourceQuota, old: ResourceQuota): FieldError[] {
  const a = [...(q.spec?.scopes ?? [])].sort();
  const b = [...(old.spec?.scopes ?? [])].sort();
  if (a.length !== b.length || a.some((s, i) => s !== b[i])) return [fieldErr.invalid('spec.scopes', q.spec?.scopes ?? [], 'field is immutable')];
  return [];
}

/** ValidatePodTemplate: the template's labels and pod spec. */
export function validatePodTemplate(t: PodTemplate): FieldError[] {
  const template = t.template && typeof t.template === 'object' ? t.template : {};
  return [...validateLabels(template.metadata?.labels, 'template.metadata.labels'), ...validatePodSpec(template.spec ?? { containers: [] }, 'template.spec')];
}
