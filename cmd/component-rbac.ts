// The roles `up`'s own add-ons need beyond upstream's bootstrap policy, written with the admin
// credentials at each start (as kubeadm applies CoreDNS's and k3s the local-path provisioner's):
// - the cluster DNS: CoreDNS's ClusterRole system:coredns (list/watch endpoints, endpointslices,
//   services, pods, namespaces) and, since it publishes its own Service and Endpoints from the
//   host, create plus get/update of kube-system/kube-dns alone;
// - the local-path provisioner: rancher's local-path-provisioner-role (it creates and deletes
//   PersistentVolumes; a node identity may not);
// - the controller-manager: its controllers act with cluster-admin until each has its own
//   service-account credentials (upstream's --use-service-account-credentials, not built yet).

import type { ClusterRole, PolicyRule, Role, RoleBinding } from '../api/rbac.js';
import { isAlreadyExists } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';
import { DNS_USER, LOCAL_PATH_USER } from './component-credentials.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) });
const userSubject = (name: string) => [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name }];

export const COMPONENT_CLUSTER_ROLES: ClusterRole[] = [
  {
    apiVersion: RBAC,
    kind: 'ClusterRole',
    metadata: { name: 'system:coredns' },
    rules: [rule(['list', 'watch'], [''], ['endpoints', 'services', 'pods', 'namespaces']), rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])],
  },
  {
    apiVersion: RBAC,
    kind: 'ClusterRole',
    metadata: { name: 'local-path-provisioner-role' },
    rules: [
      rule(['get', 'list', 'watch'], [''], ['nodes', 'persistentvolumeclaims', 'configmaps']),
      rule(['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'], [''], ['persistentvolumes']),
      rule(['create', 'patch'], [''], ['events']),
      rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
    ],
  },
];

export const COMPONENT_CLUSTER_ROLE_BINDINGS: RoleBinding[] = [
  { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'system:coredns' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' }, subjects: userSubject(DNS_USER) },
  { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'local-path-provisioner-bind' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'local-path-provisioner-role' }, subjects: userSubject(LOCAL_PATH_USER) },
  // Each kubelet programs routes to every other node's pod CIDR (host-gw, kubelet/node-routes.ts), and a
  // joined node's proxy runs as the node: both list and watch all Nodes, which the Node authorizer
  // (AuthorizeNodeWithSelectors) no longer grants. The same binding `hyperkube token create` makes.
  { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'tskube:node-proxier' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-proxier' }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:nodes' }] },
  { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'tskube:kube-controller-manager:controllers' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: userSubject('system:kube-controller-manager') },
];

const DNS_ROLE: Role = {
  apiVersion: RBAC,
  kind: 'Role',
  metadata: { name: 'tskube:kube-dns-publisher', namespace: 'kube-system' },
  rules: [rule(['create'], [''], ['services', 'endpoints']), rule(['get', 'update', 'patch'], [''], ['services', 'endpoints'], ['kube-dns'])],
};
const DNS_ROLE_BINDING: RoleBinding = {
  apiVersion: RBAC,
  kind: 'RoleBinding',
  metadata: { name: 'tskube:kube-dns-publisher', namespace: 'kube-system' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tskube:kube-dns-publisher' },
  subjects: userSubject(DNS_USER),
};

/** Create each object, or replace its rules/subjects with ours when it exists. */
async function put<T extends ClusterRole | Role | RoleBinding>(client: RestClient, resource: string, obj: T): Promise<void> {
  const rc = client.resource<T>(resource, obj.metadata.namespace);
  try {
    await rc.create(structuredClone(obj));
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const cur = await rc.get(obj.metadata.name!);
    await rc.update({ ...cur, ...(('rules' in obj) ? { rules: obj.rules } : {}), ...(('subjects' in obj) ? { subjects: obj.subjects, roleRef: obj.roleRef } : {}) });
  }
}

export async function ensureComponentRoles(client: RestClient): Promise<void> {
  for (const r of COMPONENT_CLUSTER_ROLES) await put(client, 'clusterroles', r);
  for (const b of COMPONENT_CLUSTER_ROLE_BINDINGS) await put(client, 'clusterrolebindings', b);
  await put(client, 'roles', DNS_ROLE);
  await put(client, 'rolebindings', DNS_ROLE_BINDING);
}
