// RBAC's matching, as upstream's rbac authorizer: whether a rule allows an action, whether a
// binding's subject is a user, and whether one set of rules covers another (escalation checks).

import type { PolicyRule, Subject } from '../../api/rbac.js';
import type { Attributes } from './attributes.js';
import type { UserInfo } from './user.js';

const has = (list: string[] | undefined, v: string): boolean => !!list && (list.includes('*') || list.includes(v));

export function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

export function ruleAllows(a: Pick<Attributes, 'verb' | 'resourceRequest' | 'path' | 'apiGroup' | 'resource' | 'subresource' | 'name'>, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path);
  return has(rule.apiGroups, a.apiGroup) && resourceMatches(rule, a.resource, a.subresource) && (!rule.resourceNames?.length || rule.resourceNames.includes(a.name));
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Whether `s` (of a binding in `bindingNamespace`, '' for cluster bindings) names this user. */
export function subjectApplies(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s?.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return !!ns && user.username === serviceAccountUsername(ns, s.name);
    }
    default:
      return false;
  }
}

/** One grant of one verb on one thing: what a rule breaks down into for the covers check. */
function atoms(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  if (!rule || typeof rule !== 'object') return out; // validation refuses it
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  rule = { verbs: list(rule.verbs), apiGroups: list(rule.apiGroups), resources: list(rule.resources), resourceNames: list(rule.resourceNames), nonResourceURLs: list(rule.nonResourceURLs) };
  for (const verb of rule.verbs) {
    if (rule.nonResourceURLs?.length) {
      for (const u of rule.nonResourceURLs) out.push({ verbs: [verb], nonResourceURLs: [u] });
      continue;
    }
    for (const g of rule.apiGroups ?? []) {
      for (const r of rule.resources ?? []) {
        if (rule.resourceNames?.length) for (const n of rule.resourceNames) out.push({ verbs: [verb], apiGroups: [g], resources: [r], resourceNames: [n] });
        else out.push({ verbs: [verb], apiGroups: [g], resources: [r] });
      }
    }
  }
  return out;
}

/** Whether `owner` grants everything `atom` does (upstream's ruleCovers, on one-verb one-thing rules). */
function ownerCovers(owner: PolicyRule, atom: PolicyRule): boolean {
  const verb = atom.verbs[0];
  if (!has(owner.verbs, verb)) return false;
  if (atom.nonResourceURLs?.length) {
    const u = atom.nonResourceURLs[0];
    return (owner.nonResourceURLs ?? []).some((o) => o === '*' || o === u || (o.endsWith('*') && u.startsWith(o.replace(/\*+$/, ''))));
  }
  const group = atom.apiGroups![0];
  if (!has(owner.apiGroups, group)) return false;
  const res = atom.resources![0];
  const ownerRes = owner.resources ?? [];
  const slash = res.indexOf('/');
  const resOk = ownerRes.some((o) => {
    if (o === '*' || o === res) return true;
    // "*/status" covers "pods/status"; "pods/*" covers "pods/log".
    if (slash >= 0 && (o === `*${res.slice(slash)}` || o === `${res.slice(0, slash)}/*`)) return true;
    return false;
  });
  if (!resOk) return false;
  if (!owner.resourceNames?.length) return true;
  return !!atom.resourceNames?.length && owner.resourceNames.includes(atom.resourceNames[0]);
}

/** The parts of `wanted` that no rule of `held` grants (empty: fully covered). */
export function uncoveredRules(held: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of wanted) for (const a of atoms(rule)) if (!held.some((h) => ownerCovers(h, a))) missing.push(a);
  return missing;
}

/** Go's %q of a []string: ["a" "b"]. */
export const goQuotedList = (l: string[]): string => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

/** upstream's CompactString of a rule: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}`. */
export function compactRuleString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuotedList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuotedList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuotedList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuotedList(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuotedList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
