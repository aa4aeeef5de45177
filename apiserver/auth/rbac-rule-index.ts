// The rules one user holds in one namespace, compiled for the request path: plain rules (named
// verbs, groups and resources, no wildcards, resourceNames or nonResourceURLs — nearly all of
// them) become one set of verb/group/resource keys looked up in O(1); the rest are matched one by
// one as before. Same answers as running ruleAllows over every rule.

import type { PolicyRule } from '../../api/rbac.js';
import type { Attributes } from './attributes.js';
import { ruleAllows } from './rbac-rules.js';

/** A rule whose verbs × groups × resources is larger than this stays a general rule (keeps the set small). */
const MAX_EXPANSION = 256;

const plainList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && !x.includes('*'));
const key = (verb: string, group: string, resource: string): string => `${verb}\0${group}\0${resource}`;

export class RuleIndex {
  private readonly exact = new Set<string>();
  private readonly general: PolicyRule[] = [];

  constructor(rules: readonly PolicyRule[]) {
    for (const r of rules) {
      const plain = r && !r.resourceNames?.length && !r.nonResourceURLs?.length && plainList(r.verbs) && Array.isArray(r.apiGroups) && r.apiGroups.length > 0 && r.apiGroups.every((g) => typeof g === 'string' && g !== '*') && plainList(r.resources);
      if (!plain || r.verbs.length * r.apiGroups!.length * r.resources!.length > MAX_EXPANSION) {
        this.general.push(r);
        continue;
      }
      for (const v of r.verbs) for (const g of r.apiGroups!) for (const res of r.resources!) this.exact.add(key(v, g, res));
    }
  }

  allows(a: Pick<Attributes, 'verb' | 'resourceRequest' | 'path' | 'apiGroup' | 'resource' | 'subresource' | 'name'>): boolean {
    if (a.resourceRequest && this.exact.size && this.exact.has(key(a.verb, a.apiGroup, a.subresource ? `${a.resource}/${a.subresource}` : a.resource))) return true;
    for (const r of this.general) if (ruleAllows(a, r)) return true;
    return false;
  }
}
