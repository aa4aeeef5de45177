// What an object costs against a ResourceQuota, as upstream's quota evaluators
// (pkg/quota/v1/evaluator/core): pods (compute resources, while not terminal),
// services (node ports, load balancers), claims (storage, per class) and an
// object count (`count/<resource>[.<group>]`) for every other resource. Scopes
// (Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass,
// CrossNamespacePodAffinity) only ever match pods, as upstream's.

import type { Container, PersistentVolumeClaim, Pod, ResourceList, Service } from './core.js';
import { computeQOSClass } from './defaults.js';
import type { ResourceQuota, ScopedResourceSelectorRequirement } from './quota.js';
import { addQuantities, cmpQuantity, isZero, mask, quantityString } from './resource-list.js';

const POD_COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];
const POD_RESOURCES = new Set(['pods', 'count/pods', ...POD_COMPUTE, ...POD_COMPUTE.flatMap((r) => [`requests.${r}`, `limits.${r}`])]);
const SERVICE_RESOURCES = new Set(['services', 'count/services', 'services.nodeports', 'services.loadbalancers']);
const CLAIM_RESOURCES = new Set(['persistentvolumeclaims', 'count/persistentvolumeclaims', 'requests.storage']);
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
/** The resources whose old quota names are their plurals (and a count/ name besides). */
const LEGACY_COUNTED = new Set(['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas']);
/** The cpu/memory names a pod's every container must set once a quota limits them (upstream's validation set). */
const MUST_SPECIFY = new Set(['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'cpu', 'memory']);

/** `count/<resource>` for core, `count/<resource>.<group>` otherwise. */
export function countName(resource: string, group: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

/** An extended resource (a domain-qualified name outside kubernetes.io), quota'd as requests.<name>. */
function isExtended(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

/** Of the quota's resource names, those this resource's evaluator counts. */
export function matchingResources(resource: string, group: string, names: string[]): string[] {
  const count = countName(resource, group);
  if (resource === 'pods' && group === '') {
    return names.filter((n) => POD_RESOURCES.has(n) || n.startsWith('requests.hugepages-') || n.startsWith('hugepages-') || (n.startsWith('requests.') && isExtended(n.slice(9))));
  }
  if (resource === 'services' && group === '') return names.filter((n) => SERVICE_RESOURCES.has(n));
  if (resource === 'persistentvolumeclaims' && group === '') {
    return names.filter((n) => CLAIM_RESOURCES.has(n) || (n.includes(STORAGE_CLASS_SUFFIX) && (n.endsWith('/requests.storage') || n.endsWith('/persistentvolumeclaims'))));
  }
  return names.filter((n) => n === count || (group === '' && LEGACY_COUNTED.has(resource) && n === resource));
}

/** The scope requirements of a quota: each of `scopes` as Exists, then the selector's. */
export function quotaScopes(q: ResourceQuota): ScopedResourceSelectorRequirement[] {
  return [...(q.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' as const })), ...(q.spec?.scopeSelector?.matchExpressions ?? [])];
}

function isTerminating(pod: Pod): boolean {
  const d = pod.spec?.activeDeadlineSeconds;
  return d !== undefined && d !== null && d >= 0;
}

function usesCrossNamespaceAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  const terms = [a?.podAffinity, a?.podAntiAffinity].flatMap((x) => {
    const t = x as { requiredDuringSchedulingIgnoredDuringExecution?: unknown[]; preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm?: unknown }[] } | undefined;
    return [...(t?.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(t?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => p.podAffinityTerm)];
  }) as ({ namespaces?: string[]; namespaceSelector?: unknown } | undefined)[];
  return terms.some((t) => (t?.namespaces?.length ?? 0) > 0 || t?.namespaceSelector !== undefined);
}

function podMatchesScope(pod: Pod, s: ScopedResourceSelectorRequirement): boolean {
  switch (s.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return computeQOSClass(pod.spec ?? { containers: [] }) === 'BestEffort';
    case 'NotBestEffort':
      return computeQOSClass(pod.spec ?? { containers: [] }) !== 'BestEffort';
    case 'PriorityClass': {
      const pc = pod.spec?.priorityClassName ?? '';
      if (s.operator === 'Exists') return pc !== '';
      if (s.operator === 'DoesNotExist') return false; // the label is always there, as upstream's label set
      const inValues = (s.values ?? []).includes(pc);
      return s.operator === 'In' ? inValues : !inValues;
    }
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespaceAffinity(pod);
  }
  return false;
}

/** Whether the quota tracks the object: it limits something the object uses, and every scope matches (scopes match pods only). */
export function quotaMatches(q: ResourceQuota, resource: string, group: string, obj: unknown): boolean {
  if (matchingResources(resource, group, Object.keys(q.status?.hard ?? {})).length === 0) return false;
  const scopes = quotaScopes(q);
  if (scopes.length === 0) return true;
  if (resource !== 'pods' || group !== '') return false;
  return scopes.every((s) => podMatchesScope(obj as Pod, s));
}

/** Upstream's QuotaV1Pod: a terminal pod, or one past its deletion grace, no longer uses compute quota. */
export function podCountsForQuota(pod: Pod, now = Date.now()): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (ts && grace !== undefined && grace !== null && now > Date.parse(ts) + grace * 1000) return false;
  return true;
}

/** A pod's requests or limits: the containers' sum, at least each init container's, plus overhead (resourcehelper.PodRequests). */
function podTotals(pod: Pod, which: 'requests' | 'limits'): ResourceList {
  const spec = pod.spec;
  let sum: ResourceList = {};
  for (const c of spec?.containers ?? []) for (const [k, v] of Object.entries(c?.resources?.[which] ?? {})) sum[k] = addQuantities(sum[k], v);
  for (const c of spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries(c?.resources?.[which] ?? {})) if (sum[k] === undefined || cmpQuantity(v, sum[k]) > 0) sum[k] = quantityString(v);
  }
  if (spec?.overhead) {
    const withOverhead: ResourceList = { ...sum };
    for (const [k, v] of Object.entries(spec.overhead)) if (which === 'requests' || sum[k] !== undefined) withOverhead[k] = addQuantities(sum[k], v);
    sum = withOverhead;
  }
  return sum;
}

/** podComputeUsageHelper: the quota names a set of requests and limits use. */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: '1' };
  for (const r of POD_COMPUTE) {
    if (requests[r] !== undefined) {
      out[r] = requests[r];
      out[`requests.${r}`] = requests[r];
    }
    if (limits[r] !== undefined) out[`limits.${r}`] = limits[r];
  }
  for (const [k, v] of Object.entries(requests)) {
    if (k.startsWith('hugepages-')) {
      out[k] = v;
      out[`requests.${k}`] = v;
    }
    if (isExtended(k)) out[`requests.${k}`] = v;
  }
  return out;
}

export function podUsage(pod: Pod, now = Date.now()): ResourceList {
  if (!podCountsForQuota(pod, now)) return { 'count/pods': '1' };
  return { 'count/pods': '1', ...computeUsage(podTotals(pod, 'requests'), podTotals(pod, 'limits')) };
}

export function serviceUsage(svc: Service): ResourceList {
  const out: ResourceList = { 'count/services': '1', services: '1' };
  const ports = svc.spec?.ports ?? [];
  if (svc.spec?.type === 'NodePort') out['services.nodeports'] = String(ports.length);
  if (svc.spec?.type === 'LoadBalancer') {
    // With node ports suppressed only those asked for explicitly count.
    out['services.nodeports'] = String(svc.spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p.nodePort).length : ports.length);
    out['services.loadbalancers'] = '1';
  }
  return out;
}

export function claimUsage(pvc: PersistentVolumeClaim): ResourceList {
  const out: ResourceList = { 'count/persistentvolumeclaims': '1', persistentvolumeclaims: '1' };
  const cls = pvc.spec?.storageClassName ?? pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
  if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = '1';
  const requested = pvc.spec?.resources?.requests?.storage;
  const allocated = pvc.status?.allocatedResources?.storage;
  const storage = requested !== undefined && allocated !== undefined ? (cmpQuantity(allocated, requested) > 0 ? allocated : requested) : (requested ?? allocated);
  if (storage !== undefined) {
    out['requests.storage'] = storage;
    if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`] = storage;
  }
  return out;
}

/** What one object of a resource uses (every name its evaluator knows). */
export function usageOf(resource: string, group: string, obj: unknown, now = Date.now()): ResourceList {
  if (group === '') {
    if (resource === 'pods') return podUsage(obj as Pod, now);
    if (resource === 'services') return serviceUsage(obj as Service);
    if (resource === 'persistentvolumeclaims') return claimUsage(obj as PersistentVolumeClaim);
  }
  return { [countName(resource, group)]: '1', ...(group === '' && LEGACY_COUNTED.has(resource) ? { [resource]: '1' } : {}) };
}

/** A usage without its zero entries (upstream's RemoveZeros). */
export function withoutZeros(list: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list)) if (!isZero(v)) out[k] = v;
  return out;
}

/**
 * Upstream's pod Constraints: once a quota limits cpu or memory, every container must set it.
 * The error text after `must specify`, or undefined.
 */
export function podConstraintViolation(pod: Pod, required: string[]): string | undefined {
  const requiredSet = required.filter((r) => MUST_SPECIFY.has(r));
  if (requiredSet.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  const check = (c: Container) => {
    const has = new Set(Object.keys(computeUsage(c?.resources?.requests ?? {}, c?.resources?.limits ?? {})));
    for (const r of requiredSet) if (!has.has(r)) (missing.get(r) ?? missing.set(r, new Set()).get(r)!).add(c?.name ?? '');
  };
  for (const c of pod.spec?.containers ?? []) check(c);
  for (const c of pod.spec?.initContainers ?? []) check(c);
  if (missing.size === 0) return undefined;
  return [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`).join('; ');
}

/** The usage of `objs` on the quota's hard names (the quota controller's recalculation for one resource). */
export function sumUsage(q: ResourceQuota, resource: string, group: string, objs: unknown[], now = Date.now()): ResourceList {
  const names = matchingResources(resource, group, Object.keys(q.spec?.hard ?? {}));
  const out: ResourceList = {};
  for (const n of names) out[n] = '0';
  if (names.length === 0) return out;
  const scopes = quotaScopes(q);
  for (const o of objs) {
    if (scopes.length && (resource !== 'pods' || group !== '' || !scopes.every((s) => podMatchesScope(o as Pod, s)))) continue;
    for (const [k, v] of Object.entries(mask(usageOf(resource, group, o, now), names))) out[k] = addQuantities(out[k], v);
  }
  return out;
}

/** The resources (plural, group) whose objects a quota's hard names are counted over. */
export function resourcesToCount(names: string[]): { resource: string; group: string }[] {
  const out = new Map<string, { resource: string; group: string }>();
  const add = (resource: string, group: string) => out.set(`${group}/${resource}`, { resource, group });
  for (const n of names) {
    if (matchingResources('pods', '', [n]).length) add('pods', '');
    else if (matchingResources('services', '', [n]).length) add('services', '');
    else if (matchingResources('persistentvolumeclaims', '', [n]).length) add('persistentvolumeclaims', '');
    else if (LEGACY_COUNTED.has(n)) add(n, '');
    else if (n.startsWith('count/')) {
      const rest = n.slice(6);
      const dot = rest.indexOf('.');
      add(dot < 0 ? rest : rest.slice(0, dot), dot < 0 ? '' : rest.slice(dot + 1));
    }
  }
  return [...out.values()];
}
