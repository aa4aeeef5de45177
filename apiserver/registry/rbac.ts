// Registry hooks of the RBAC kinds: escalation prevention on every create and update (the
// user comes with the request context; the checks live in auth/escalation.ts).

import type { ResourceInfo } from '../../api/resources.js';
import type { ClusterRole, RoleBinding } from '../../api/rbac.js';
import { checkBindingWrite, checkRoleWrite, type EscalationDeps } from '../auth/escalation.js';
import { defaultStrategy, type RequestContext, type Strategy } from './strategy.js';

/** Filled once the authorizers exist (they are built on the registries). */
export interface EscalationHolder {
  deps?: EscalationDeps;
}

export function roleStrategy(info: ResourceInfo, holder: EscalationHolder): Strategy {
  const check = (obj: ClusterRole, ctx: RequestContext) => {
    if (!holder.deps) return;
    const res = info.resource === 'roles' ? 'roles' : 'clusterroles';
    checkRoleWrite(holder.deps, ctx.user, res, obj.metadata.namespace ?? '', obj.metadata.name ?? '', Array.isArray(obj.rules) ? obj.rules : [], !!obj.aggregationRule && res === 'clusterroles');
  };
  return defaultStrategy(info, {
    prepareForCreate: (obj, ctx) => check(obj as unknown as ClusterRole, ctx),
    prepareForUpdate: (obj, _old, ctx) => check(obj as unknown as ClusterRole, ctx),
  });
}

export function bindingStrategy(info: ResourceInfo, holder: EscalationHolder): Strategy {
  const check = (obj: RoleBinding, ctx: RequestContext) => {
    if (!holder.deps || !obj.roleRef || typeof obj.roleRef !== 'object' || typeof obj.roleRef.name !== 'string') return; // validation reports a bad roleRef
    const res = info.resource === 'rolebindings' ? 'rolebindings' : 'clusterrolebindings';
    checkBindingWrite(holder.deps, ctx.user, res, obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj.roleRef);
  };
  return defaultStrategy(info, {
    prepareForCreate: (obj, ctx) => check(obj as unknown as RoleBinding, ctx),
    prepareForUpdate: (obj, _old, ctx) => check(obj as unknown as RoleBinding, ctx),
  });
}
