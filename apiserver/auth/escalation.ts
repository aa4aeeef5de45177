// Escalation prevention, as upstream's rbac registry: a user may write a role only with rules
// they already hold, and bind a role only if they hold its rules — unless authorized for the
// `escalate` or `bind` verb on it, or a member of system:masters.

import type { PolicyRule, RoleRef } from '../../api/rbac.js';
import type { Attributes } from './attributes.js';
import { forbiddenError, type Authorizer } from './authorizer.js';
import { compactRuleString, goQuotedList, uncoveredRules } from './rbac-rules.js';
import type { RBACAuthorizer } from './rbac-authorizer.js';
import { MASTERS_GROUP, type UserInfo } from './user.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Full authority: what writing an aggregated ClusterRole needs (its rules are anything it selects). */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export interface EscalationDeps {
  authorizer: Authorizer;
  rbac: RBACAuthorizer;
}

function allowedTo(deps: EscalationDeps, user: UserInfo, verb: string, resource: string, namespace: string, name: string): boolean {
  const a: Attributes = { user, verb, resourceRequest: true, path: '', apiGroup: RBAC_GROUP, apiVersion: 'v1', resource, subresource: '', namespace, name };
  return deps.authorizer.authorize(a).decision === 'allow';
}

/** Missing atoms merged by group and resource (upstream's CompactRules), as sorted CompactStrings. */
function describeMissing(missing: PolicyRule[]): string[] {
  const merged = new Map<string, PolicyRule>();
  const out = new Set<string>();
  for (const m of missing) {
    if (m.nonResourceURLs?.length || m.resourceNames?.length) {
      out.add(compactRuleString(m));
      continue;
    }
    const key = `${m.apiGroups![0]}\0${m.resources![0]}`;
    const cur = merged.get(key);
    if (cur) {
      if (!cur.verbs.includes(m.verbs[0])) cur.verbs.push(m.verbs[0]);
    } else merged.set(key, { ...m, verbs: [...m.verbs] });
  }
  for (const r of merged.values()) out.add(compactRuleString(r));
  return [...out].sort();
}

/** Throws upstream's error text (wrapped in a 403 by the caller) if `user` does not hold all of `rules`. */
export function confirmNoEscalation(deps: EscalationDeps, user: UserInfo, namespace: string, rules: PolicyRule[]): string | undefined {
  const held = deps.rbac.rulesFor(user, namespace);
  const missing = uncoveredRules(held.rules, rules);
  if (!missing.length) return undefined;
  let msg = `user ${JSON.stringify(user.username)} (groups=${goQuotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing).join('\n')}`;
  if (held.errors.length) msg += `; resolution errors: [${held.errors.join(' ')}]`;
  return msg;
}

/** A Role or ClusterRole write by `user` (none: the apiserver itself). */
export function checkRoleWrite(deps: EscalationDeps, user: UserInfo | undefined, resource: 'roles' | 'clusterroles', namespace: string, name: string, rules: PolicyRule[], aggregated: boolean): void {
  if (!user || user.groups.includes(MASTERS_GROUP)) return;
  if (allowedTo(deps, user, 'escalate', resource, namespace, name)) return;
  const why = confirmNoEscalation(deps, user, namespace, aggregated ? FULL_AUTHORITY : rules);
  if (why) throw forbiddenError(RBAC_GROUP, resource, name, why);
}

/** A RoleBinding or ClusterRoleBinding write by `user`: `bind` on the role, or hold its rules. */
export function checkBindingWrite(deps: EscalationDeps, user: UserInfo | undefined, resource: 'rolebindings' | 'clusterrolebindings', namespace: string, name: string, ref: RoleRef): void {
  if (!user || user.groups.includes(MASTERS_GROUP)) return;
  const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
  if (allowedTo(deps, user, 'bind', roleResource, namespace, ref.name)) return;
  const rules = deps.rbac.roleRefRules({ roleRef: ref } as never, namespace);
  if (!rules) throw forbiddenError(RBAC_GROUP, resource, name, `${ref.kind === 'Role' ? 'role' : 'clusterrole'}.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found`);
  const why = confirmNoEscalation(deps, user, namespace, rules);
  if (why) throw forbiddenError(RBAC_GROUP, resource, name, why);
}
