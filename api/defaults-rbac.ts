// SetDefaults of rbac.authorization.k8s.io/v1: the roleRef's group, and each subject's
// apiGroup by its kind (users and groups are RBAC's, service accounts the core group's).

import { RBAC_GROUP, type RoleBinding } from './rbac.js';

export function defaultRoleBinding(rb: RoleBinding): void {
  if (rb.roleRef && typeof rb.roleRef === 'object' && !rb.roleRef.apiGroup) rb.roleRef.apiGroup = RBAC_GROUP;
  for (const s of rb.subjects ?? []) {
    if (!s || typeof s !== 'object' || s.apiGroup) continue;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}
