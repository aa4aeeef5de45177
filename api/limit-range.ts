// LimitRange defaulting and the LimitRanger admission plugin's decisions, as upstream
// (SetDefaults_LimitRangeItem; plugin/pkg/admission/limitranger): container defaults
// filled in from the Container item, then min/max/maxLimitRequestRatio checked per
// Container, per Pod (sums) and per PersistentVolumeClaim (storage requests), in
// upstream's words.

import type { Container, PersistentVolumeClaim, Pod, ResourceList } from './core.js';
import type { LimitRange, LimitRangeItem } from './quota.js';
import { addQuantities, cmpQuantity, quantityString } from './resource-list.js';
import { milliValue } from './quantity.js';

const own = (l: ResourceList | undefined, k: string): string | undefined => (l && Object.hasOwn(l, k) ? l[k] : undefined);

/** Container items: an unset default limit is the max, an unset default request the default limit, else the min. */
export function defaultLimitRangeItem(item: LimitRangeItem): void {
  if (!item || typeof item !== 'object' || item.type !== 'Container') return;
  item.default ??= {};
  item.defaultRequest ??= {};
  for (const [k, v] of Object.entries(item.max ?? {})) if (own(item.default, k) === undefined) item.default[k] = v;
  for (const [k, v] of Object.entries(item.default)) if (own(item.defaultRequest, k) === undefined) item.defaultRequest[k] = v;
  for (const [k, v] of Object.entries(item.min ?? {})) if (own(item.defaultRequest, k) === undefined) item.defaultRequest[k] = v;
}

export function defaultLimitRange(lr: LimitRange): void {
  for (const item of Array.isArray(lr.spec?.limits) ? lr.spec.limits : []) defaultLimitRangeItem(item);
}

/** Every Container item's defaults across the ranges (later ranges win, as upstream's loop). */
function containerDefaults(ranges: LimitRange[]): { limits: ResourceList; requests: ResourceList } {
  const limits: ResourceList = {};
  const requests: ResourceList = {};
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== 'Container') continue;
      Object.assign(requests, item.defaultRequest ?? {});
      Object.assign(limits, item.default ?? {});
    }
  }
  return { limits, requests };
}

/** Fills one container's unset limits and requests; returns the annotation's part for it. */
function mergeContainer(c: Container, d: { limits: ResourceList; requests: ResourceList }, prefix: string): string[] {
  c.resources ??= {};
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, v] of Object.entries(d.limits)) {
    if (own(c.resources.limits, k) !== undefined) continue;
    (c.resources.limits ??= {})[k] = v;
    setLimits.push(k);
  }
  for (const [k, v] of Object.entries(d.requests)) {
    if (own(c.resources.requests, k) !== undefined) continue;
    (c.resources.requests ??= {})[k] = v;
    setRequests.push(k);
  }
  const out: string[] = [];
  if (setRequests.length) out.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name}`);
  if (setLimits.length) out.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name}`);
  return out;
}

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/** Upstream's PodMutateLimitFunc: container defaults in place; whether anything changed. */
export function applyPodDefaults(pod: Pod, ranges: LimitRange[]): boolean {
  const d = containerDefaults(ranges);
  if (!Object.keys(d.limits).length && !Object.keys(d.requests).length) return false;
  const notes: string[] = [];
  for (const c of pod.spec?.containers ?? []) if (c && typeof c === 'object') notes.push(...mergeContainer(c, d, 'container'));
  for (const c of pod.spec?.initContainers ?? []) if (c && typeof c === 'object') notes.push(...mergeContainer(c, d, 'init container'));
  if (!notes.length) return false;
  pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  return true;
}

function minConstraint(type: string, r: string, enforced: string, req: ResourceList | undefined, lim: ResourceList | undefined): string | undefined {
  const rq = own(req, r);
  const lm = own(lim, r);
  if (rq === undefined) return `minimum ${r} usage per ${type} is ${quantityString(enforced)}.  No request is specified`;
  if (cmpQuantity(rq, enforced) < 0) return `minimum ${r} usage per ${type} is ${quantityString(enforced)}, but request is ${quantityString(rq)}`;
  if (lm !== undefined && cmpQuantity(lm, enforced) < 0) return `minimum ${r} usage per ${type} is ${quantityString(enforced)}, but limit is ${quantityString(lm)}`;
  return undefined;
}

function maxConstraint(type: string, r: string, enforced: string, req: ResourceList | undefined, lim: ResourceList | undefined): string | undefined {
  const rq = own(req, r);
  const lm = own(lim, r);
  if (lm === undefined) return `maximum ${r} usage per ${type} is ${quantityString(enforced)}.  No limit is specified`;
  if (cmpQuantity(lm, enforced) > 0) return `maximum ${r} usage per ${type} is ${quantityString(enforced)}, but limit is ${quantityString(lm)}`;
  if (rq !== undefined && cmpQuantity(rq, enforced) > 0) return `maximum ${r} usage per ${type} is ${quantityString(enforced)}, but request is ${quantityString(rq)}`;
  return undefined;
}

function maxRequestConstraint(type: string, r: string, enforced: string, req: ResourceList | undefined): string | undefined {
  const rq = own(req, r);
  if (rq === undefined) return `maximum ${r} usage per ${type} is ${quantityString(enforced)}.  No request is specified`;
  if (cmpQuantity(rq, enforced) > 0) return `maximum ${r} usage per ${type} is ${quantityString(enforced)}, but request is ${quantityString(rq)}`;
  return undefined;
}

function ratioConstraint(type: string, r: string, enforced: string, req: ResourceList | undefined, lim: ResourceList | undefined): string | undefined {
  const rq = own(req, r);
  const lm = own(lim, r);
  const e = quantityString(enforced);
  if (rq === undefined || milliValue(rq) === 0) return `${r} max limit to request ratio per ${type} is ${e}, but no request is specified or request is 0`;
  if (lm === undefined || milliValue(lm) === 0) return `${r} max limit to request ratio per ${type} is ${e}, but no limit is specified or limit is 0`;
  const ratio = milliValue(lm) / milliValue(rq);
  // Go's %f: six decimals.
  if (ratio * 1000 > milliValue(enforced)) return `${r} max limit to request ratio per ${type} is ${e}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

/** The item's constraints on one set of requests and limits (a container's or the pod's sums). */
function checkItem(item: LimitRangeItem, req: ResourceList | undefined, lim: ResourceList | undefined, errs: string[]): void {
  const type = item.type;
  const push = (e: string | undefined) => e && errs.push(e);
  for (const [k, v] of Object.entries(item.min ?? {})) push(minConstraint(type, k, v, req, lim));
  for (const [k, v] of Object.entries(item.max ?? {})) push(maxConstraint(type, k, v, req, lim));
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {})) push(ratioConstraint(type, k, v, req, lim));
}

/** The pod's requests or limits summed over containers, at least each init container's (upstream's podRequests/podLimits). */
function podSum(pod: Pod, which: 'requests' | 'limits'): ResourceList {
  const sum: ResourceList = {};
  for (const c of pod.spec?.containers ?? []) for (const [k, v] of Object.entries(c?.resources?.[which] ?? {})) sum[k] = addQuantities(sum[k], v);
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries(c?.resources?.[which] ?? {})) if (sum[k] === undefined || cmpQuantity(v, sum[k]) > 0) sum[k] = quantityString(v);
  }
  return sum;
}

/** Upstream's PodValidateLimitFunc: every violation, in order. */
export function checkPod(pod: Pod, ranges: LimitRange[]): string[] {
  const errs: string[] = [];
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type === 'Container') {
        for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) checkItem(item, c?.resources?.requests, c?.resources?.limits, errs);
      } else if (item.type === 'Pod') {
        checkItem(item, podSum(pod, 'requests'), podSum(pod, 'limits'), errs);
      }
    }
  }
  return errs;
}

/** PersistentVolumeClaim items: min against the requests (limits are not user input here), max against the requests. */
export function checkClaim(pvc: PersistentVolumeClaim, ranges: LimitRange[]): string[] {
  const errs: string[] = [];
  const req = pvc.spec?.resources?.requests;
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== 'PersistentVolumeClaim') continue;
      for (const [k, v] of Object.entries(item.min ?? {})) {
        const e = minConstraint(item.type, k, v, req, {});
        if (e) errs.push(e);
      }
      for (const [k, v] of Object.entries(item.max ?? {})) {
        const e = maxRequestConstraint(item.type, k, v, req);
        if (e) errs.push(e);
      }
    }
  }
  return errs;
}

/** An aggregate of errors as Go's utilerrors prints it: one alone, several in brackets. */
export function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}
