// The registry of resource kinds tskube serves. It drives discovery
// (/api/v1 and /apis/<group>/<version> APIResourceLists) and request routing
// (plural name → kind, scope, verbs, subresources).

export type Verb =
  | 'create'
  | 'delete'
  | 'deletecollection'
  | 'get'
  | 'list'
  | 'patch'
  | 'update'
  | 'watch';

const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS: Verb[] = ['get', 'patch', 'update'];

export interface SubresourceInfo {
  /** e.g. "status", "scale", "binding", "log". */
  name: string;
  kind: string;
  verbs: Verb[];
  /** Set when the subresource's kind lives in another group (Scale: autoscaling/v1). */
  group?: string;
  version?: string;
}

export interface ResourceInfo {
  /** Plural, lower case: the URL segment ("pods"). */
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  /** '' for the core group. */
  group: string;
  version: string;
  verbs: Verb[];
  subresources: SubresourceInfo[];
  categories?: string[];
  /** false: not kept in etcd but computed when asked (metrics.k8s.io); no registry, no watch cache. */
  stored?: false;
  /** Set on a custom resource: what its CustomResourceDefinition says of this version. */
  custom?: CustomResourceVersionInfo;
}

/** A served version of a CRD's resource, as the apiserver's CRD controller registered it. */
export interface CustomResourceVersionInfo {
  /** The CRD's name (<plural>.<group>). */
  crd: string;
  /** The version objects are stored in (all served versions share one registry). */
  storageVersion: string;
  /** The version's openAPIV3Schema (structural). */
  schema: Record<string, unknown>;
  statusEnabled: boolean;
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  printerColumns: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[];
  /** Every served version's name, storage version among them. */
  servedVersions: string[];
}

/** "v1" for core, "<group>/<version>" otherwise. */
export function apiVersionOf(info: { group: string; version: string }): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

function core(
  resource: string,
  kind: string,
  shortNames: string[],
  namespaced: boolean,
  subresources: SubresourceInfo[] = [],
  verbs: Verb[] = ALL_VERBS,
  categories?: string[],
): ResourceInfo {
  return {
    resource,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    shortNames,
    namespaced,
    group: '',
    version: 'v1',
    verbs,
    subresources,
    ...(categories ? { categories } : {}),
  };
}

const status = (kind: string): SubresourceInfo => ({ name: 'status', kind, verbs: STATUS_VERBS });
const scale: SubresourceInfo = { name: 'scale', kind: 'Scale', verbs: STATUS_VERBS, group: 'autoscaling', version: 'v1' };

/** A resource of a named group (apps, batch, storage.k8s.io, ...). */
function grouped(
  group: string,
  version: string,
  resource: string,
  kind: string,
  shortNames: string[],
  namespaced: boolean,
  subresources: SubresourceInfo[] = [],
  categories?: string[],
): ResourceInfo {
  return { ...core(resource, kind, shortNames, namespaced, subresources, ALL_VERBS, categories), group, version };
}

/** An apps/v1 resource (namespaced, every verb); categories `all` unless `inAll` is false. */
function apps(resource: string, kind: string, shortNames: string[], subresources: SubresourceInfo[], inAll = true): ResourceInfo {
  return grouped('apps', 'v1', resource, kind, shortNames, true, subresources, inAll ? ['all'] : undefined);
}

// batch/v1, the PersistentVolume kinds and storage.k8s.io/v1.
const BATCH_AND_STORAGE_RESOURCES: ResourceInfo[] = [
  core('persistentvolumes', 'PersistentVolume', ['pv'], false, [status('PersistentVolume')]),
  core('persistentvolumeclaims', 'PersistentVolumeClaim', ['pvc'], true, [status('PersistentVolumeClaim')]),
  grouped('batch', 'v1', 'cronjobs', 'CronJob', ['cj'], true, [status('CronJob')], ['all']),
  grouped('batch', 'v1', 'jobs', 'Job', [], true, [status('Job')], ['all']),
  grouped('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', ['sc'], false),
  grouped('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', [], true),
  grouped('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', ['pdb'], true, [status('PodDisruptionBudget')]),
];

// networking.k8s.io/v1 (NetworkPolicies are stored, not enforced) and scheduling.k8s.io/v1.
const NETWORKING_AND_SCHEDULING_RESOURCES: ResourceInfo[] = [
  grouped('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', [], false),
  grouped('networking.k8s.io', 'v1', 'ingresses', 'Ingress', ['ing'], true, [status('Ingress')]),
  grouped('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', ['netpol'], true),
  grouped('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', ['pc'], false),
];

// metrics.k8s.io/v1beta1, read from the kubelets' Summary API when asked (get and list only).
const METRICS_RESOURCES: ResourceInfo[] = [
  { ...grouped('metrics.k8s.io', 'v1beta1', 'nodes', 'NodeMetrics', [], false), verbs: ['get', 'list'], stored: false },
  { ...grouped('metrics.k8s.io', 'v1beta1', 'pods', 'PodMetrics', [], true), verbs: ['get', 'list'], stored: false },
];

// autoscaling: v2 is stored (and preferred, listed first); v1 is a view of the same objects.
const AUTOSCALING_RESOURCES: ResourceInfo[] = [
  grouped('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', ['hpa'], true, [status('HorizontalPodAutoscaler')], ['all']),
  grouped('autoscaling', 'v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', ['hpa'], true, [status('HorizontalPodAutoscaler')], ['all']),
];

// rbac.authorization.k8s.io/v1, and the review kinds that ask about access (never stored).
const review = (group: string, resource: string, kind: string, namespaced = false): ResourceInfo => ({ ...grouped(group, 'v1', resource, kind, [], namespaced), verbs: ['create'] });
const RBAC_RESOURCES: ResourceInfo[] = [
  grouped('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', [], false),
  grouped('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', [], false),
  grouped('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', [], true),
  grouped('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', [], true),
  review('authorization.k8s.io', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true),
  review('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
  review('authorization.k8s.io', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
  review('authorization.k8s.io', 'subjectaccessreviews', 'SubjectAccessReview'),
  review('authentication.k8s.io', 'selfsubjectreviews', 'SelfSubjectReview'),
];

export const RESOURCES: readonly ResourceInfo[] = [
  core('namespaces', 'Namespace', ['ns'], false, [
    status('Namespace'),
    { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
  ], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
  core(
    'pods',
    'Pod',
    ['po'],
    true,
    [
      status('Pod'),
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      { name: 'eviction', kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
    ALL_VERBS,
    ['all'],
  ),
  core('nodes', 'Node', ['no'], false, [status('Node'), { name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }]),
  core(
    'replicationcontrollers',
    'ReplicationController',
    ['rc'],
    true,
    [
      status('ReplicationController'),
      scale,
    ],
    ALL_VERBS,
    ['all'],
  ),
  core('services', 'Service', ['svc'], true, [status('Service'), { name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }], ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], ['all']),
  core('endpoints', 'Endpoints', ['ep'], true),
  core('events', 'Event', ['ev'], true),
  core('configmaps', 'ConfigMap', ['cm'], true),
  core('secrets', 'Secret', [], true),
  core('serviceaccounts', 'ServiceAccount', ['sa'], true, [{ name: 'token', kind: 'TokenRequest', verbs: ['create'], group: 'authentication.k8s.io', version: 'v1' }]),
  // A namespace's bounds (LimitRanger and ResourceQuota admission read them) and stored pod templates.
  core('limitranges', 'LimitRange', ['limits'], true),
  core('resourcequotas', 'ResourceQuota', ['quota'], true, [status('ResourceQuota')]),
  core('podtemplates', 'PodTemplate', [], true),
  // Binding is create-only and has no list kind in practice; keep the field for uniformity.
  core('bindings', 'Binding', [], true, [], ['create']),
  {
    resource: 'leases',
    kind: 'Lease',
    listKind: 'LeaseList',
    singular: 'lease',
    shortNames: [],
    namespaced: true,
    group: 'coordination.k8s.io',
    version: 'v1',
    verbs: ALL_VERBS,
    subresources: [],
  },
  ...BATCH_AND_STORAGE_RESOURCES,
  ...NETWORKING_AND_SCHEDULING_RESOURCES,
  // Create-only and never stored: the apiserver answers it from the token (no registry, no cache).
  { ...grouped('authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', [], false), verbs: ['create'] },
  apps('controllerrevisions', 'ControllerRevision', [], [], false),
  apps('daemonsets', 'DaemonSet', ['ds'], [status('DaemonSet')]),
  apps('deployments', 'Deployment', ['deploy'], [status('Deployment'), scale]),
  apps('replicasets', 'ReplicaSet', ['rs'], [status('ReplicaSet'), scale]),
  apps('statefulsets', 'StatefulSet', ['sts'], [status('StatefulSet'), scale]),
  ...METRICS_RESOURCES,
  ...AUTOSCALING_RESOURCES,
  ...RBAC_RESOURCES,
  grouped('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', ['crd', 'crds'], false, [status('CustomResourceDefinition')], ['api-extensions']),
  grouped('certificates.k8s.io', 'v1', 'certificatesigningrequests', 'CertificateSigningRequest', ['csr'], false, [status('CertificateSigningRequest'), { name: 'approval', kind: 'CertificateSigningRequest', verbs: STATUS_VERBS }]),
];

// ---------------------------------------------------------------- custom resources
// The resources of established CRDs, set by the apiserver's CRD controller as CRDs come and go.
// Built-in resources are always found first: a custom resource never shadows one.
let CUSTOM: ResourceInfo[] = [];
let customGeneration = 0;

/** Replaces the resources registered for CRD `crd` (none: it stops being served). */
export function setCustomResources(crd: string, infos: ResourceInfo[]): void {
  CUSTOM = [...CUSTOM.filter((r) => r.custom?.crd !== crd), ...infos];
  customGeneration++;
}

/** Changes on every set: caches of discovery documents compare it. */
export function customResourcesGeneration(): number {
  return customGeneration;
}

/** Built-in and custom resources. */
export function allResources(): readonly ResourceInfo[] {
  return CUSTOM.length ? [...RESOURCES, ...CUSTOM] : RESOURCES;
}

/** Whether objects of the resource are stored (create-only reviews and bindings answer at once; metrics are computed). */
export function isStored(info: ResourceInfo): boolean {
  return info.stored !== false && !(info.verbs.length === 1 && info.verbs[0] === 'create');
}

/** Find a resource by plural, singular, short name or kind (case-insensitive), optionally within a group (and version). */
export function lookupResource(name: string, group?: string, version?: string): ResourceInfo | undefined {
  const n = name.toLowerCase();
  const all = allResources();
  const pool = group === undefined ? all : all.filter((r) => r.group === group && (version === undefined || r.version === version));
  return (
    pool.find((r) => r.resource === n) ??
    pool.find((r) => r.singular === n) ??
    pool.find((r) => r.shortNames.includes(n)) ??
    pool.find((r) => r.kind.toLowerCase() === n)
  );
}

/** Find a resource by its kind (exact case) and optional apiVersion. */
export function resourceForKind(kind: string, apiVersion?: string): ResourceInfo | undefined {
  return allResources().find((r) => r.kind === kind && (apiVersion === undefined || apiVersionOf(r) === apiVersion));
}

/** Resources served at /api/v1 (group '') or /apis/<group>/<version>. */
export function resourcesIn(group: string, version: string): ResourceInfo[] {
  return allResources().filter((r) => r.group === group && r.version === version);
}

/** Every (group, version) pair with at least one resource, core first. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of allResources()) seen.set(apiVersionOf(r), { group: r.group, version: r.version });
  return [...seen.values()].sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group)));
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

/** The discovery document for one group/version, with subresources listed as "<plural>/<sub>". */
export function apiResourceList(group: string, version: string): APIResourceList {
  const resources: APIResource[] = [];
  for (const r of resourcesIn(group, version)) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
      ...(r.shortNames.length ? { shortNames: [...r.shortNames] } : {}),
      ...(r.categories ? { categories: [...r.categories] } : {}),
    });
    for (const s of r.subresources) {
      resources.push({
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: [...s.verbs],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}
