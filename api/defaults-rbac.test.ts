import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultRoleBinding } from './defaults-rbac.js';
import type { RoleBinding } from './rbac.js';

test('subjects get their kind\'s apiGroup; a service account\'s empty one is left out, as Go writes it', () => {
  const rb = {
    metadata: { name: 'b' },
    roleRef: { kind: 'Role', name: 'r' },
    subjects: [
      { kind: 'ServiceAccount', name: 'web', namespace: 'shop' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'shop', apiGroup: '' },
      { kind: 'User', name: 'jane' },
      { kind: 'Group', name: 'devs', apiGroup: '' },
    ],
  } as unknown as RoleBinding;
  defaultRoleBinding(rb);
  assert.equal(rb.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  assert.deepEqual(rb.subjects, [
    { kind: 'ServiceAccount', name: 'web', namespace: 'shop' },
    { kind: 'ServiceAccount', name: 'ci', namespace: 'shop' },
    { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
    { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
  ]);
});
