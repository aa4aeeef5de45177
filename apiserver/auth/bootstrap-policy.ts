// The default roles and bindings, as upstream's bootstrappolicy (the rule lists are upstream's
// facts, trimmed to the groups tskube serves or clients commonly ask about).

import type { ClusterRole, PolicyRule, RoleBinding } from '../../api/rbac.js';

const Read = ['get', 'list', 'watch'];
const Write = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const ReadWrite = [...Read, ...Write];
const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

const rule = (verbs: string[], groups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({
  verbs,
  apiGroups: groups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregate?: string): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL, ...labels }, annotations: { [AUTOUPDATE]: 'true' } },
    ...(aggregate ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregate]: 'true' } }] }, rules: [] } : { rules }),
  };
}

/** upstream's NodeRules: what the node authorizer grants every node beyond what it subdivides. */
export const NODE_RULES: PolicyRule[] = [
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(Read, [''], ['services']),
  rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  rule(['update', 'patch'], [''], ['nodes/status']),
  rule(['update', 'patch', 'delete'], [''], ['nodes']),
  rule(['create', 'update', 'patch'], [''], ['events']),
  rule(Read, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(['get'], [''], ['secrets', 'configmaps']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [''], ['endpoints']),
  rule(['update', 'patch'], [''], ['persistentvolumeclaims/status']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  // Its client and serving certificates through the CSR API.
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
];

const CERTS = 'certificates.k8s.io';

/** The certificate roles of upstream's bootstrap policy: asking, auto-approval permissions, approving per signer. */
const CERTIFICATE_ROLES: ClusterRole[] = [
  clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], [CERTS], ['certificatesigningrequests'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], [CERTS], ['certificatesigningrequests/nodeclient'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], [CERTS], ['certificatesigningrequests/selfnodeclient'])]),
  ...['kube-apiserver-client', 'kube-apiserver-client-kubelet', 'kubelet-serving', 'legacy-unknown'].map((s) =>
    clusterRole(`system:certificates.k8s.io:${s}-approver`, [rule(['approve'], [CERTS], ['signers'], [`kubernetes.io/${s}`])])),
];

const PUBLIC_INFO = ['/livez', '/readyz', '/healthz', '/version', '/version/'];

export const BOOTSTRAP_CLUSTER_ROLES: ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  clusterRole('system:discovery', [urls(['get'], [...PUBLIC_INFO, '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])]),
  clusterRole('system:monitoring', [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])]),
  clusterRole('system:basic-user', [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  clusterRole('system:public-info-viewer', [urls(['get'], PUBLIC_INFO)]),
  clusterRole('admin', [], {}, AGGREGATE_TO('admin')),
  clusterRole('edit', [], { [AGGREGATE_TO('admin')]: 'true' }, AGGREGATE_TO('edit')),
  clusterRole('view', [], { [AGGREGATE_TO('edit')]: 'true' }, AGGREGATE_TO('view')),
  clusterRole('system:aggregate-to-admin', [
    rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
    rule(ReadWrite, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings']),
  ], { [AGGREGATE_TO('admin')]: 'true' }),
  clusterRole('system:aggregate-to-edit', [
    rule(Read, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
    rule(['impersonate'], [''], ['serviceaccounts']),
    rule(Write, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
    rule(['create'], [''], ['pods/eviction']),
    rule(Write, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(Write, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
    rule(Write, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(Write, ['batch'], ['jobs', 'cronjobs']),
    rule(Write, ['policy'], ['poddisruptionbudgets']),
    rule(Write, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
    rule(ReadWrite, ['coordination.k8s.io'], ['leases']),
  ], { [AGGREGATE_TO('edit')]: 'true' }),
  clusterRole('system:aggregate-to-view', [
    rule(Read, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
    rule(Read, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
    rule(Read, [''], ['namespaces']),
    rule(Read, ['discovery.k8s.io'], ['endpointslices']),
    rule(Read, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
    rule(Read, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(Read, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
    rule(Read, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(Read, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
  ], { [AGGREGATE_TO('view')]: 'true' }),
  // What a kubelet needs; bound to nobody (as upstream): the node authorizer grants it per node.
  clusterRole('system:node', NODE_RULES),
  ...CERTIFICATE_ROLES,
  clusterRole('system:node-proxier', [
    rule(['list', 'watch'], [''], ['services', 'endpoints']),
    rule(['get', 'list', 'watch'], [''], ['nodes']),
    rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']),
  ]),
  clusterRole('system:volume-scheduler', [
    rule(['get', 'list', 'watch', 'patch', 'update'], [''], ['persistentvolumes']),
    rule(Read, ['storage.k8s.io'], ['storageclasses']),
    rule(['get', 'list', 'watch', 'patch', 'update'], [''], ['persistentvolumeclaims']),
  ]),
  clusterRole('system:kube-dns', [rule(['list', 'watch'], [''], ['endpoints', 'services'])]),
  clusterRole('system:kube-scheduler', [
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
    rule(Read, [''], ['nodes']),
    rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
    rule(['create'], [''], ['bindings', 'pods/binding']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(Read, [''], ['replicationcontrollers', 'services']),
    rule(Read, ['apps'], ['replicasets', 'statefulsets']),
    rule(Read, ['policy'], ['poddisruptionbudgets']),
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    rule(Read, ['storage.k8s.io'], ['csinodes', 'storageclasses', 'csidrivers', 'csistoragecapacities']),
    rule(Read, [''], ['namespaces']),
  ]),
  clusterRole('system:kube-controller-manager', [
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
    rule(['create'], [''], ['secrets', 'serviceaccounts']),
    rule(['delete'], [''], ['secrets']),
    rule(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
    rule(['update'], [''], ['secrets', 'serviceaccounts']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['create'], [''], ['serviceaccounts/token']),
  ]),
];

function clusterBinding(role: string, subjects: ({ kind: 'User' | 'Group'; name: string } | { kind: 'ServiceAccount'; name: string; namespace: string })[]): RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: role, labels: { ...BOOTSTRAP_LABEL }, annotations: { [AUTOUPDATE]: 'true' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    // A ServiceAccount subject has no apiGroup (it is core's).
    subjects: subjects.map((s) => (s.kind === 'ServiceAccount' ? { ...s } : { ...s, apiGroup: 'rbac.authorization.k8s.io' })),
  };
}

const group = (name: string) => ({ kind: 'Group' as const, name });
const user = (name: string) => ({ kind: 'User' as const, name });

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: RoleBinding[] = [
  clusterBinding('cluster-admin', [group('system:masters')]),
  clusterBinding('system:monitoring', [group('system:monitoring')]),
  clusterBinding('system:discovery', [group('system:authenticated')]),
  clusterBinding('system:basic-user', [group('system:authenticated')]),
  clusterBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  clusterBinding('system:node', []),
  clusterBinding('system:node-proxier', [user('system:kube-proxy')]),
  clusterBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
  clusterBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
  clusterBinding('system:volume-scheduler', [user('system:kube-scheduler')]),
  clusterBinding('system:kube-dns', [{ kind: 'ServiceAccount' as const, name: 'kube-dns', namespace: 'kube-system' }]),
];

export { AUTOUPDATE };
