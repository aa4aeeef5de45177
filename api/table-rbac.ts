// `kubectl get` columns of the RBAC kinds, as upstream's printers: roles show when they were
// created, bindings their role and (wide) their users, groups and service accounts.

import type { ClusterRole, RoleBinding } from './rbac.js';
import { AGE, NAME, age, col, type Printer } from './table.js';

const CREATED_AT = col('Created At', 'date', 'Time at which the object was created.');

export const rolePrinter: Printer<ClusterRole> = {
  columns: [NAME, CREATED_AT],
  row: (r) => ({ cells: [r.metadata.name, r.metadata.creationTimestamp ?? ''] }),
};

function subjectsOf(rb: RoleBinding, kind: string): string {
  return (rb.subjects ?? []).filter((s) => s?.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? rb.metadata.namespace ?? ''}/${s.name}` : s.name)).join(', ');
}

export const roleBindingPrinter: Printer<RoleBinding> = {
  columns: [
    NAME,
    col('Role', 'string', 'RoleRef is the reference to the role this binding refers to.'),
    AGE,
    col('Users', 'string', 'Users in the binding', 1),
    col('Groups', 'string', 'Groups in the binding', 1),
    col('ServiceAccounts', 'string', 'ServiceAccounts in the binding', 1),
  ],
  row: (rb, now) => ({
    cells: [rb.metadata.name, `${rb.roleRef?.kind ?? ''}/${rb.roleRef?.name ?? ''}`, age(rb, now), subjectsOf(rb, 'User'), subjectsOf(rb, 'Group'), subjectsOf(rb, 'ServiceAccount')],
  }),
};
