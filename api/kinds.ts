// The per-kind strategy of the api layer: for each kind tskube serves, one record
// of its defaults, its validation rules and its table printer, registered here and
// looked up by kind. The rules themselves live by subject (defaults.ts,
// validation*.ts, table.ts); this file is the only place that says which belong to
// which kind, and the entry points the apiserver calls go through it.
//
// Each record is typed by its kind (KindStrategy<Pod>, ...): its functions take a
// Pod, never a cast. A record is stored as KindStrategy<TypedObject> (method
// parameters are checked bivariantly, so no cast is needed there either); the
// lookup by kind is what guarantees that the object handed to it is that kind.

import { defaultHPA, type HorizontalPodAutoscaler } from './autoscaling.js';
import { validateHPA } from './validation-autoscaling.js';
import { hpaPrinter } from './table-autoscaling.js';
import type { KubeObject, StatusCause } from './meta.js';
import type {
  Binding,
  ConfigMap,
  Endpoints,
  Event,
  Lease,
  Namespace,
  Node,
  Pod,
  ReplicationController,
  Scale,
  Secret,
  Service,
  TypedObject,
} from './core.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from './apps.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './defaults-apps.js';
import { controllerRevisionPrinter, daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './table-apps.js';
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateDaemonSet,
  validateDaemonSetStatus,
  validateDaemonSetUpdate,
  validateDeployment,
  validateDeploymentStatus,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetStatus,
  validateReplicaSetUpdate,
  validateStatefulSet,
  validateStatefulSetStatus,
  validateStatefulSetUpdate,
} from './validation-apps.js';
import { defaultEndpoints, defaultNamespace, defaultNode, defaultPod, defaultReplicationController, defaultSecret, defaultService } from './defaults.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import {
  configMapPrinter,
  endpointsPrinter,
  eventPrinter,
  genericPrinter,
  leasePrinter,
  namespacePrinter,
  nodePrinter,
  podPrinter,
  printerColumns,
  rcPrinter,
  renderTable,
  secretPrinter,
  servicePrinter,
  type Printer,
  type Table,
  type TableColumnDefinition,
  type TableOptions,
} from './table.js';
import {
  validateBinding,
  validateConfigMap,
  validateConfigMapUpdate,
  validateEndpoints,
  validateEvent,
  validateLease,
  validateNamespace,
  validateNamespaceStatus,
  validateNode,
  validateNodeUpdate,
  validateRC,
  validateRCStatus,
  validateScale,
  validateSecret,
  validateSecretUpdate,
  validateService,
  validateServiceUpdate,
} from './validation.js';
import { validateObjectMeta, validateObjectMetaUpdate, type MetaOptions } from './validation-meta.js';
import { validatePodCreate, validatePodSpec, validatePodSpecUpdate, validatePodStatus } from './validation-pod.js';
import type { CronJob, Job } from './batch.js';
import type { PersistentVolume, PersistentVolumeClaim } from './core.js';
import type { StorageClass } from './storage.js';
import type { EndpointSlice } from './discovery.js';
import { endpointSlicePrinter } from './table-discovery.js';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './validation-discovery.js';
import { defaultEndpointSlice } from './defaults-discovery.js';
import type { PodDisruptionBudget } from './policy.js';
import { podDisruptionBudgetPrinter } from './table-policy.js';
import { validatePodDisruptionBudget, validatePodDisruptionBudgetStatus } from './validation-policy.js';
import { defaultCronJob, defaultJob } from './defaults-batch.js';
import type { Ingress, IngressClass, NetworkPolicy } from './networking.js';
import type { PriorityClass } from './scheduling.js';
import { defaultIngressClass, defaultNetworkPolicy, defaultPriorityClass } from './defaults-networking.js';
import { ingressClassPrinter, ingressPrinter, networkPolicyPrinter, priorityClassPrinter } from './table-networking.js';
import {
  validateIngress,
  validateIngressClass,
  validateIngressClassUpdate,
  validateIngressCreate,
  validateIngressStatus,
  validateNetworkPolicy,
} from './validation-networking.js';
import { validatePriorityClass, validatePriorityClassUpdate } from './validation-scheduling.js';
import { defaultPersistentVolume, defaultPersistentVolumeClaim, defaultStorageClass } from './defaults-storage.js';
import { cronJobPrinter, jobPrinter } from './table-batch.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './table-storage.js';
import {
  validateCronJob,
  validateCronJobCreate,
  validateCronJobStatus,
  validateJob,
  validateJobCreate,
  validateJobStatus,
  validateJobUpdate,
} from './validation-batch.js';
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimStatus,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeStatus,
  validatePersistentVolumeUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from './validation-storage.js';

import type { ClusterRole, Role, RoleBinding } from './rbac.js';
import { defaultRoleBinding } from './defaults-rbac.js';
import { rolePrinter, roleBindingPrinter } from './table-rbac.js';
import { nameIsRBAC, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding, validateRoleBindingUpdate } from './validation-rbac.js';

export interface KindStrategy<T extends TypedObject = TypedObject> {
  /** Scope and name rule of the kind's metadata (ValidateObjectMeta's options). */
  meta: MetaOptions;
  /** SetDefaults: fills unset fields in place; idempotent. */
  defaults?(obj: T): void;
  /** The kind's own fields on create and update (metadata is checked for every kind). */
  validate?(obj: T): FieldError[];
  /** Rules of create only (e.g. a generated selector, a name limit kept off old objects' updates), beyond validate. */
  validateCreate?(obj: T): FieldError[];
  /** What an update may not change (immutable fields), beyond validate. */
  validateUpdate?(obj: T, old: T): FieldError[];
  /** A write to the status subresource, beyond the metadata update rules. */
  validateStatus?(obj: T, old: T): FieldError[];
  /** Columns and rows of `kubectl get` (server-side Table). */
  printer: Printer<T>;
}

import type { ServiceAccount } from './authentication.js';
import type { CertificateSigningRequest } from './certificates.js';
import { validateCertificateSigningRequest, validateCertificateSigningRequestUpdate } from './validation-certificates.js';
import { csrPrinter } from './table-certificates.js';
import { validateServiceAccount } from './validation-auth.js';
import { serviceAccountPrinter } from './table-auth.js';
import type { LimitRange, PodTemplate, ResourceQuota } from './quota.js';
import { defaultLimitRange } from './limit-range.js';
import { validateLimitRange, validatePodTemplate, validateResourceQuota, validateResourceQuotaStatus, validateResourceQuotaUpdate } from './validation-quota.js';
import { limitRangePrinter, podTemplatePrinter, resourceQuotaPrinter } from './table-quota.js';
import { defaultPodTemplate } from './defaults.js';
import type { CustomResourceDefinition } from './apiextensions.js';
import { defaultCRD, validateCRD, validateCRDStatus, validateCRDUpdate } from './validation-apiextensions.js';
import { crdPrinter } from './table-apiextensions.js';

const namespaced = { namespaced: true, validateName: nameIsDNSSubdomain };

const KINDS = new Map<string, KindStrategy>([
  kind<Pod>('Pod', {
    meta: namespaced,
    defaults: defaultPod,
    validate: (p) => validatePodSpec(p.spec),
    validateCreate: validatePodCreate,
    validateUpdate: validatePodSpecUpdate,
    validateStatus: validatePodStatus,
    printer: podPrinter,
  }),
  kind<ReplicationController>('ReplicationController', {
    meta: namespaced,
    defaults: defaultReplicationController,
    validate: validateRC,
    validateStatus: validateRCStatus,
    printer: rcPrinter,
  }),
  kind<Service>('Service', {
    meta: { namespaced: true, validateName: nameIsDNS1035Label },
    defaults: defaultService,
    validate: validateService,
    validateUpdate: validateServiceUpdate,
    printer: servicePrinter,
  }),
  kind<Endpoints>('Endpoints', { meta: namespaced, defaults: defaultEndpoints, validate: validateEndpoints, printer: endpointsPrinter }),
  kind<Event>('Event', { meta: namespaced, validate: validateEvent, printer: eventPrinter }),
  kind<ConfigMap>('ConfigMap', { meta: namespaced, validate: validateConfigMap, validateUpdate: validateConfigMapUpdate, printer: configMapPrinter }),
  kind<Secret>('Secret', { meta: namespaced, defaults: defaultSecret, validate: validateSecret, validateUpdate: validateSecretUpdate, printer: secretPrinter }),
  kind<ServiceAccount>('ServiceAccount', { meta: namespaced, validate: validateServiceAccount, printer: serviceAccountPrinter }),
  kind<Lease>('Lease', { meta: namespaced, validate: validateLease, printer: leasePrinter }),
  kind<LimitRange>('LimitRange', { meta: namespaced, defaults: defaultLimitRange, validate: validateLimitRange, printer: limitRangePrinter }),
  kind<ResourceQuota>('ResourceQuota', {
    meta: namespaced,
    validate: validateResourceQuota,
    validateUpdate: validateResourceQuotaUpdate,
    validateStatus: validateResourceQuotaStatus,
    printer: resourceQuotaPrinter,
  }),
  kind<PodTemplate>('PodTemplate', { meta: namespaced, defaults: defaultPodTemplate, validate: validatePodTemplate, printer: podTemplatePrinter }),
  kind<Binding>('Binding', { meta: namespaced, validate: validateBinding, printer: genericPrinter }),
  kind<Scale>('Scale', { meta: namespaced, validate: validateScale, printer: genericPrinter }),
  // ---- apps/v1
  kind<Deployment>('Deployment', {
    meta: namespaced,
    defaults: defaultDeployment,
    validate: validateDeployment,
    validateUpdate: validateDeploymentUpdate,
    validateStatus: validateDeploymentStatus,
    printer: deploymentPrinter,
  }),
  kind<ReplicaSet>('ReplicaSet', {
    meta: namespaced,
    defaults: defaultReplicaSet,
    validate: validateReplicaSet,
    validateUpdate: validateReplicaSetUpdate,
    validateStatus: validateReplicaSetStatus,
    printer: replicaSetPrinter,
  }),
  kind<DaemonSet>('DaemonSet', {
    meta: namespaced,
    defaults: defaultDaemonSet,
    validate: validateDaemonSet,
    validateUpdate: validateDaemonSetUpdate,
    validateStatus: validateDaemonSetStatus,
    printer: daemonSetPrinter,
  }),
  kind<StatefulSet>('StatefulSet', {
    meta: namespaced,
    defaults: defaultStatefulSet,
    validate: validateStatefulSet,
    validateUpdate: validateStatefulSetUpdate,
    validateStatus: validateStatefulSetStatus,
    printer: statefulSetPrinter,
  }),
  kind<ControllerRevision>('ControllerRevision', {
    meta: namespaced,
    validate: validateControllerRevision,
    validateUpdate: validateControllerRevisionUpdate,
    printer: controllerRevisionPrinter,
  }),
  kind<Namespace>('Namespace', {
    meta: { namespaced: false, validateName: nameIsDNSLabel },
    defaults: defaultNamespace,
    validate: validateNamespace,
    validateStatus: validateNamespaceStatus,
    printer: namespacePrinter,
  }),
  kind<Node>('Node', {
    meta: { namespaced: false, validateName: nameIsDNSSubdomain },
    defaults: defaultNode,
    validate: validateNode,
    validateUpdate: validateNodeUpdate,
    printer: nodePrinter,
  }),
  // ---- batch/v1 and the storage kinds (rules in defaults-/validation-/table-batch and -storage)
  kind<Job>('Job', {
    meta: namespaced,
    defaults: defaultJob,
    validate: validateJob,
    validateCreate: validateJobCreate,
    validateUpdate: validateJobUpdate,
    validateStatus: validateJobStatus,
    printer: jobPrinter,
  }),
  kind<CronJob>('CronJob', {
    meta: namespaced,
    defaults: defaultCronJob,
    validate: validateCronJob,
    validateCreate: validateCronJobCreate,
    validateStatus: validateCronJobStatus,
    printer: cronJobPrinter,
  }),
  kind<PersistentVolume>('PersistentVolume', {
    meta: { namespaced: false, validateName: nameIsDNSSubdomain },
    defaults: defaultPersistentVolume,
    validate: validatePersistentVolume,
    validateUpdate: validatePersistentVolumeUpdate,
    validateStatus: validatePersistentVolumeStatus,
    printer: persistentVolumePrinter,
  }),
  kind<PersistentVolumeClaim>('PersistentVolumeClaim', {
    meta: namespaced,
    defaults: defaultPersistentVolumeClaim,
    validate: validatePersistentVolumeClaim,
    validateUpdate: validatePersistentVolumeClaimUpdate,
    validateStatus: validatePersistentVolumeClaimStatus,
    printer: persistentVolumeClaimPrinter,
  }),
  kind<HorizontalPodAutoscaler>('HorizontalPodAutoscaler', {
    meta: namespaced,
    defaults: defaultHPA,
    validate: validateHPA,
    printer: hpaPrinter,
  }),
  kind<StorageClass>('StorageClass', {
    meta: { namespaced: false, validateName: nameIsDNSSubdomain },
    defaults: defaultStorageClass,
    validate: validateStorageClass,
    validateUpdate: validateStorageClassUpdate,
    printer: storageClassPrinter,
  }),
  kind<EndpointSlice>('EndpointSlice', {
    meta: namespaced,
    defaults: defaultEndpointSlice,
    validate: validateEndpointSlice,
    validateUpdate: validateEndpointSliceUpdate,
    printer: endpointSlicePrinter,
  }),
  // ---- policy/v1
  kind<PodDisruptionBudget>('PodDisruptionBudget', {
    meta: namespaced,
    validate: validatePodDisruptionBudget,
    validateStatus: validatePodDisruptionBudgetStatus,
    printer: podDisruptionBudgetPrinter,
  }),
  // ---- networking.k8s.io/v1 and scheduling.k8s.io/v1 (rules in defaults-/validation-/table-networking, validation-scheduling)
  kind<Ingress>('Ingress', {
    meta: namespaced,
    validate: validateIngress,
    validateCreate: validateIngressCreate,
    validateStatus: validateIngressStatus,
    printer: ingressPrinter,
  }),
  kind<IngressClass>('IngressClass', {
    meta: { namespaced: false, validateName: nameIsDNSSubdomain },
    defaults: defaultIngressClass,
    validate: validateIngressClass,
    validateUpdate: validateIngressClassUpdate,
    printer: ingressClassPrinter,
  }),
  kind<NetworkPolicy>('NetworkPolicy', { meta: namespaced, defaults: defaultNetworkPolicy, validate: validateNetworkPolicy, printer: networkPolicyPrinter }),
  kind<PriorityClass>('PriorityClass', {
    meta: { namespaced: false, validateName: nameIsDNSSubdomain },
    defaults: defaultPriorityClass,
    validate: validatePriorityClass,
    validateUpdate: validatePriorityClassUpdate,
    printer: priorityClassPrinter,
  }),
  // ---- rbac.authorization.k8s.io/v1 (rules in defaults-/validation-/table-rbac)
  kind<Role>('Role', { meta: { namespaced: true, validateName: nameIsRBAC }, validate: validateRole, printer: rolePrinter }),
  kind<ClusterRole>('ClusterRole', { meta: { namespaced: false, validateName: nameIsRBAC }, validate: validateClusterRole, printer: rolePrinter }),
  kind<RoleBinding>('RoleBinding', {
    meta: { namespaced: true, validateName: nameIsRBAC },
    defaults: defaultRoleBinding,
    validate: validateRoleBinding,
    validateUpdate: validateRoleBindingUpdate,
    printer: roleBindingPrinter,
  }),
  kind<RoleBinding>('ClusterRoleBinding', {
    meta: { namespaced: false, validateName: nameIsRBAC },
    defaults: defaultRoleBinding,
    validate: validateClusterRoleBinding,
    validateUpdate: validateRoleBindingUpdate,
    printer: roleBindingPrinter,
  }),
  // ---- apiextensions.k8s.io/v1 (rules in validation-apiextensions, table-apiextensions)
  kind<CustomResourceDefinition>('CustomResourceDefinition', {
    meta: { namespaced: false, validateName: nameIsDNSSubdomain },
    defaults: defaultCRD,
    validate: validateCRD,
    validateUpdate: validateCRDUpdate,
    validateStatus: validateCRDStatus,
    printer: crdPrinter,
  }),
  // ---- certificates.k8s.io/v1 ("We don't care what you call your certificate requests": any name)
  kind<CertificateSigningRequest>('CertificateSigningRequest', {
    meta: { namespaced: false, validateName: () => [] },
    validate: validateCertificateSigningRequest,
    validateUpdate: validateCertificateSigningRequestUpdate,
    printer: csrPrinter,
  }),
]);

function kind<T extends TypedObject>(name: string, strategy: KindStrategy<T>): [string, KindStrategy] {
  return [name, strategy];
}

/** Kinds without a record: metadata checks (scope taken from the object) and Name/Age columns. */
const GENERIC_NAMESPACED: KindStrategy = { meta: namespaced, printer: genericPrinter };
const GENERIC_CLUSTER: KindStrategy = { meta: { namespaced: false, validateName: nameIsDNSSubdomain }, printer: genericPrinter };

/** The strategy of `kind`; `obj` gives the scope of a kind tskube does not know. */
export function kindStrategy(kind: string, obj?: KubeObject): KindStrategy {
  return KINDS.get(kind) ?? (obj?.metadata?.namespace ? GENERIC_NAMESPACED : GENERIC_CLUSTER);
}

/** Apply the defaults of `kind` to `obj` in place; returns `obj` for chaining. Unknown kinds are left alone. */
export function applyDefaults<T extends KubeObject>(kind: string, obj: T): T {
  KINDS.get(kind)?.defaults?.(obj);
  return obj;
}

/** Full validation of `obj` (and, with `old`, of the update from `old` to `obj`). Unknown kinds get metadata checks only. */
export function validate(kind: string, obj: KubeObject, oldObj?: KubeObject): StatusCause[] {
  const s = kindStrategy(kind, obj);
  if (!obj || typeof obj !== 'object' || !obj.metadata || typeof obj.metadata !== 'object') return [fieldErr.required('metadata', '')];
  const errs: FieldError[] = validateObjectMeta(obj.metadata, s.meta); // a fresh array: appended to below
  if (oldObj) errs.push(...validateObjectMetaUpdate(obj.metadata ?? {}, oldObj.metadata ?? {}));
  if (s.validate) errs.push(...s.validate(obj));
  if (!oldObj && s.validateCreate) errs.push(...s.validateCreate(obj));
  if (oldObj && s.validateUpdate) errs.push(...s.validateUpdate(obj, oldObj));
  return errs;
}

/** Validation of a write to the status subresource. */
export function validateStatusUpdate(kind: string, obj: KubeObject, oldObj: KubeObject): StatusCause[] {
  const errs: FieldError[] = [...validateObjectMetaUpdate(obj.metadata ?? {}, oldObj.metadata ?? {})];
  const s = KINDS.get(kind);
  if (s?.validateStatus) errs.push(...s.validateStatus(obj, oldObj));
  return errs;
}

/** The kind's own status checks alone, for a status write that also passes validate(). */
export function validateStatusFields(kind: string, obj: KubeObject, oldObj: KubeObject): StatusCause[] {
  return KINDS.get(kind)?.validateStatus?.(obj, oldObj) ?? [];
}

/** The column definitions used for a kind. */
export function tableColumns(kind: string): TableColumnDefinition[] {
  return printerColumns(kindStrategy(kind).printer);
}

/** A Table for one or more objects of `kind` (a single GET is a one-row table). */
export function toTable(kind: string, objs: KubeObject[], opts: TableOptions = {}): Table {
  return renderTable(kindStrategy(kind).printer, objs, opts);
}
