// SetDefaults of rbac.authorization.k8s.io/v1: the roleRef's group, and each subject's
// apiGroup by its kind (users and groups are RBAC's, service accounts the core group's).
// The core group is "", which Go's omitempty never writes: an empty apiGroup is left out, so a
// service account subject reads back as it was applied (and a later server-side apply of the
// same subjects does not differ from what is stored).

import { RBAC_GROUP, type RoleBinding } from './rbac.js';

export function defaultRoleBinding(rb: RoleBinding): void {
  if (rb.roleRef && typeof rb.roleRef === 'object' && !rb.roleRef.apiGroup) rb.roleRef.apiGroup = RBAC_GROUP;
  for (const s of rb.subjects ?? []) {
    if (!s || typeof s !== 'object' || s.apiGroup) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
    else delete s.apiGroup;
  }
}
