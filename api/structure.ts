// Decode-time structure check: what Kubernetes' typed JSON decoding rejects
// before validation runs. Wrong JSON types (a string where a list belongs, 1.5
// for an int32) are errors; fields the schema does not know are reported so
// the apiserver can honour ?fieldValidation=Strict|Warn|Ignore (and prune
// them). Types marked open below accept unknown fields.

import { canonicalQuantity } from './quantity.js';

type Scalar = 'string' | 'int' | 'int64' | 'bool' | 'number' | 'intstr' | 'quantity' | 'time' | 'any' | 'object';
type Desc = Scalar | { list: Desc } | { map: Desc } | { ref: string };

interface TypeDef {
  /** Unknown fields allowed (for types only partly listed here). */
  open?: boolean;
  fields: Record<string, Desc>;
}

const S: Desc = 'string';
/** int32 in Go: larger values are a decode error, as Go's decoder refuses them. */
const I: Desc = 'int';
const I64: Desc = 'int64';
const B: Desc = 'bool';
const OBJ: Desc = 'object';
const list = (d: Desc): Desc => ({ list: d });
const map = (d: Desc): Desc => ({ map: d });
const ref = (name: string): Desc => ({ ref: name });
const TYPE_META = { apiVersion: S, kind: S };

/** Type name → fields. Kinds are the roots. */
const TYPES: Record<string, TypeDef> = {
  ObjectMeta: {
    fields: {
      name: S, generateName: S, namespace: S, selfLink: S, uid: S, resourceVersion: S, generation: I64,
      creationTimestamp: 'time', deletionTimestamp: 'time', deletionGracePeriodSeconds: I64,
      labels: map(S), annotations: map(S), ownerReferences: list(ref('OwnerReference')), finalizers: list(S),
      managedFields: list(OBJ),
    },
  },
  OwnerReference: { fields: { apiVersion: S, kind: S, name: S, uid: S, controller: B, blockOwnerDeletion: B } },

  Pod: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('PodSpec'), status: OBJ } },
  PodTemplateSpec: { fields: { metadata: ref('ObjectMeta'), spec: ref('PodSpec') } },
  PodSpec: {
    fields: {
      volumes: list(ref('Volume')), initContainers: list(ref('Container')), containers: list(ref('Container')),
      ephemeralContainers: list(OBJ), restartPolicy: S, terminationGracePeriodSeconds: I64, activeDeadlineSeconds: I64,
      dnsPolicy: S, dnsConfig: OBJ, nodeSelector: map(S), serviceAccountName: S, serviceAccount: S,
      automountServiceAccountToken: B, nodeName: S, hostNetwork: B, hostPID: B, hostIPC: B, shareProcessNamespace: B,
      securityContext: OBJ, imagePullSecrets: list(OBJ), hostname: S, subdomain: S, affinity: OBJ, schedulerName: S,
      tolerations: list(ref('Toleration')), hostAliases: list(OBJ), priorityClassName: S, priority: I,
      readinessGates: list(OBJ), runtimeClassName: S, enableServiceLinks: B, preemptionPolicy: S, overhead: map('quantity'),
      topologySpreadConstraints: list(OBJ), setHostnameAsFQDN: B, os: OBJ, hostUsers: B, schedulingGates: list(OBJ),
      resourceClaims: list(OBJ), resources: ref('ResourceRequirements'),
    },
  },
  Container: {
    fields: {
      name: S, image: S, command: list(S), args: list(S), workingDir: S, ports: list(ref('ContainerPort')),
      envFrom: list(OBJ), env: list(ref('EnvVar')), resources: ref('ResourceRequirements'), resizePolicy: list(OBJ),
      restartPolicy: S, volumeMounts: list(ref('VolumeMount')), volumeDevices: list(OBJ),
      livenessProbe: ref('Probe'), readinessProbe: ref('Probe'), startupProbe: ref('Probe'), lifecycle: OBJ,
      terminationMessagePath: S, terminationMessagePolicy: S, imagePullPolicy: S, securityContext: OBJ,
      stdin: B, stdinOnce: B, tty: B,
    },
  },
  ContainerPort: { fields: { name: S, hostPort: I, containerPort: I, protocol: S, hostIP: S } },
  EnvVar: { fields: { name: S, value: S, valueFrom: OBJ } },
  VolumeMount: { fields: { name: S, readOnly: B, recursiveReadOnly: S, mountPath: S, subPath: S, mountPropagation: S, subPathExpr: S } },
  ResourceRequirements: { fields: { limits: map('quantity'), requests: map('quantity'), claims: list(OBJ) } },
  Probe: {
    fields: {
      exec: OBJ, httpGet: ref('HTTPGetAction'), tcpSocket: ref('TCPSocketAction'), grpc: OBJ,
      initialDelaySeconds: I, timeoutSeconds: I, periodSeconds: I, successThreshold: I, failureThreshold: I,
      terminationGracePeriodSeconds: I64,
    },
  },
  HTTPGetAction: { fields: { path: S, port: 'intstr', host: S, scheme: S, httpHeaders: list(OBJ) } },
  TCPSocketAction: { fields: { port: 'intstr', host: S } },
  Toleration: { fields: { key: S, operator: S, value: S, effect: S, tolerationSeconds: I64 } },
  // Many volume sources exist; only the name is typed here.
  Volume: { open: true, fields: { name: S } },

  ReplicationController: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('ReplicationControllerSpec'), status: OBJ } },
  ReplicationControllerSpec: { fields: { replicas: I, minReadySeconds: I, selector: map(S), template: ref('PodTemplateSpec') } },

  Service: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('ServiceSpec'), status: OBJ } },
  ServiceSpec: {
    fields: {
      ports: list(ref('ServicePort')), selector: map(S), clusterIP: S, clusterIPs: list(S), type: S, externalIPs: list(S),
      sessionAffinity: S, loadBalancerIP: S, loadBalancerSourceRanges: list(S), externalName: S, externalTrafficPolicy: S,
      healthCheckNodePort: I, publishNotReadyAddresses: B, sessionAffinityConfig: OBJ, ipFamilies: list(S),
      ipFamilyPolicy: S, allocateLoadBalancerNodePorts: B, loadBalancerClass: S, internalTrafficPolicy: S,
      trafficDistribution: S,
    },
  },
  ServicePort: { fields: { name: S, protocol: S, appProtocol: S, port: I, targetPort: 'intstr', nodePort: I } },

  Node: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('NodeSpec'), status: OBJ } },
  NodeSpec: { fields: { podCIDR: S, podCIDRs: list(S), providerID: S, unschedulable: B, taints: list(ref('Taint')), configSource: OBJ, externalID: S } },
  Taint: { fields: { key: S, value: S, effect: S, timeAdded: 'time' } },

  Namespace: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('NamespaceSpec'), status: OBJ } },
  NamespaceSpec: { fields: { finalizers: list(S) } },

  Endpoints: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), subsets: list(ref('EndpointSubset')) } },
  EndpointSubset: { fields: { addresses: list(ref('EndpointAddress')), notReadyAddresses: list(ref('EndpointAddress')), ports: list(ref('EndpointPort')) } },
  EndpointAddress: { fields: { ip: S, hostname: S, nodeName: S, targetRef: OBJ } },
  EndpointPort: { fields: { name: S, port: I, protocol: S, appProtocol: S } },

  Event: {
    fields: {
      ...TYPE_META, metadata: ref('ObjectMeta'), involvedObject: OBJ, reason: S, message: S, source: OBJ,
      firstTimestamp: 'time', lastTimestamp: 'time', count: I, type: S, eventTime: 'time', series: OBJ, action: S,
      related: OBJ, reportingComponent: S, reportingInstance: S,
    },
  },
  Binding: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), target: OBJ } },
  ConfigMap: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), immutable: B, data: map(S), binaryData: map(S) } },
  Secret: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), immutable: B, data: map(S), stringData: map(S), type: S } },
  Lease: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('LeaseSpec') } },
  LeaseSpec: {
    fields: { holderIdentity: S, leaseDurationSeconds: I, acquireTime: 'time', renewTime: 'time', leaseTransitions: I, strategy: S, preferredHolder: S },
  },
  Scale: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('ScaleSpec'), status: OBJ } },
  ScaleSpec: { fields: { replicas: I } },

  // ---- batch/v1
  Job: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('JobSpec'), status: ref('JobStatus') } },
  JobSpec: {
    fields: {
      parallelism: I, completions: I, activeDeadlineSeconds: I64, podFailurePolicy: ref('PodFailurePolicy'), successPolicy: OBJ,
      backoffLimit: I, backoffLimitPerIndex: I, maxFailedIndexes: I, selector: ref('LabelSelector'), manualSelector: B,
      template: ref('PodTemplateSpec'), ttlSecondsAfterFinished: I, completionMode: S, suspend: B, podReplacementPolicy: S,
      managedBy: S,
    },
  },
  PodFailurePolicy: { fields: { rules: list(ref('PodFailurePolicyRule')) } },
  PodFailurePolicyRule: { fields: { action: S, onExitCodes: ref('PodFailurePolicyOnExitCodes'), onPodConditions: list(ref('PodFailurePolicyOnPodCondition')) } },
  PodFailurePolicyOnExitCodes: { fields: { containerName: S, operator: S, values: list(I) } },
  PodFailurePolicyOnPodCondition: { fields: { type: S, status: S } },
  JobStatus: {
    fields: {
      conditions: list(ref('JobCondition')), startTime: 'time', completionTime: 'time', active: I, succeeded: I, failed: I,
      terminating: I, completedIndexes: S, failedIndexes: S, uncountedTerminatedPods: ref('UncountedTerminatedPods'), ready: I,
    },
  },
  JobCondition: { fields: { type: S, status: S, lastProbeTime: 'time', lastTransitionTime: 'time', reason: S, message: S } },
  UncountedTerminatedPods: { fields: { succeeded: list(S), failed: list(S) } },
  CronJob: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('CronJobSpec'), status: ref('CronJobStatus') } },
  CronJobSpec: {
    fields: {
      schedule: S, timeZone: S, startingDeadlineSeconds: I64, concurrencyPolicy: S, suspend: B, jobTemplate: ref('JobTemplateSpec'),
      successfulJobsHistoryLimit: I, failedJobsHistoryLimit: I,
    },
  },
  JobTemplateSpec: { fields: { metadata: ref('ObjectMeta'), spec: ref('JobSpec') } },
  CronJobStatus: { fields: { active: list(ref('ObjectReference')), lastScheduleTime: 'time', lastSuccessfulTime: 'time' } },
  ObjectReference: { fields: { kind: S, namespace: S, name: S, uid: S, apiVersion: S, resourceVersion: S, fieldPath: S } },
  LabelSelector: { fields: { matchLabels: map(S), matchExpressions: list(ref('LabelSelectorRequirement')) } },
  LabelSelectorRequirement: { fields: { key: S, operator: S, values: list(S) } },

  // ---- PersistentVolume, PersistentVolumeClaim, storage.k8s.io/v1 StorageClass
  PersistentVolumeClaim: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('PersistentVolumeClaimSpec'), status: ref('PersistentVolumeClaimStatus') } },
  PersistentVolumeClaimSpec: {
    fields: {
      accessModes: list(S), selector: ref('LabelSelector'), resources: ref('VolumeResourceRequirements'), volumeName: S,
      storageClassName: S, volumeMode: S, dataSource: ref('TypedLocalObjectReference'), dataSourceRef: ref('TypedObjectReference'),
      volumeAttributesClassName: S,
    },
  },
  VolumeResourceRequirements: { fields: { limits: map('quantity'), requests: map('quantity') } },
  TypedLocalObjectReference: { fields: { apiGroup: S, kind: S, name: S } },
  TypedObjectReference: { fields: { apiGroup: S, kind: S, name: S, namespace: S } },
  PersistentVolumeClaimStatus: {
    fields: {
      phase: S, accessModes: list(S), capacity: map('quantity'), conditions: list(OBJ), allocatedResources: map('quantity'),
      allocatedResourceStatuses: map(S), currentVolumeAttributesClassName: S, modifyVolumeStatus: OBJ,
    },
  },
  PersistentVolume: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('PersistentVolumeSpec'), status: ref('PersistentVolumeStatus') } },
  PersistentVolumeSpec: {
    fields: {
      capacity: map('quantity'), accessModes: list(S), claimRef: ref('ObjectReference'), persistentVolumeReclaimPolicy: S,
      storageClassName: S, mountOptions: list(S), volumeMode: S, nodeAffinity: OBJ, hostPath: ref('HostPathVolumeSource'),
      local: ref('LocalVolumeSource'), volumeAttributesClassName: S,
    },
  },
  HostPathVolumeSource: { fields: { path: S, type: S } },
  LocalVolumeSource: { fields: { path: S, fsType: S } },
  PersistentVolumeStatus: { fields: { phase: S, message: S, reason: S, lastPhaseTransitionTime: 'time' } },
  StorageClass: {
    fields: {
      ...TYPE_META, metadata: ref('ObjectMeta'), provisioner: S, parameters: map(S), reclaimPolicy: S, mountOptions: list(S),
      allowVolumeExpansion: B, volumeBindingMode: S, allowedTopologies: list(ref('TopologySelectorTerm')),
    },
  },
  TopologySelectorTerm: { fields: { matchLabelExpressions: list(ref('TopologySelectorLabelRequirement')) } },
  TopologySelectorLabelRequirement: { fields: { key: S, values: list(S) } },
  // ---- rbac.authorization.k8s.io/v1
  Role: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), rules: list(ref('PolicyRule')) } },
  ClusterRole: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), rules: list(ref('PolicyRule')), aggregationRule: ref('AggregationRule') } },
  PolicyRule: { fields: { verbs: list(S), apiGroups: list(S), resources: list(S), resourceNames: list(S), nonResourceURLs: list(S) } },
  AggregationRule: { fields: { clusterRoleSelectors: list(ref('LabelSelector')) } },
  RoleBinding: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), subjects: list(ref('Subject')), roleRef: ref('RoleRef') } },
  ClusterRoleBinding: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), subjects: list(ref('Subject')), roleRef: ref('RoleRef') } },
  Subject: { fields: { kind: S, apiGroup: S, name: S, namespace: S } },
  RoleRef: { fields: { apiGroup: S, kind: S, name: S } },
  // ---- apps/v1
  WorkloadCondition: { fields: { type: S, status: S, lastUpdateTime: 'time', lastTransitionTime: 'time', reason: S, message: S } },
  Deployment: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('DeploymentSpec'), status: ref('DeploymentStatus') } },
  DeploymentSpec: {
    fields: {
      replicas: I, selector: ref('LabelSelector'), template: ref('PodTemplateSpec'), strategy: ref('DeploymentStrategy'),
      minReadySeconds: I, revisionHistoryLimit: I, paused: B, progressDeadlineSeconds: I,
    },
  },
  DeploymentStrategy: { fields: { type: S, rollingUpdate: ref('RollingUpdateDeployment') } },
  RollingUpdateDeployment: { fields: { maxUnavailable: 'intstr', maxSurge: 'intstr' } },
  DeploymentStatus: {
    fields: {
      observedGeneration: I64, replicas: I, updatedReplicas: I, readyReplicas: I, availableReplicas: I, unavailableReplicas: I,
      terminatingReplicas: I, conditions: list(ref('WorkloadCondition')), collisionCount: I,
    },
  },
  ReplicaSet: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('ReplicaSetSpec'), status: ref('ReplicaSetStatus') } },
  ReplicaSetSpec: { fields: { replicas: I, minReadySeconds: I, selector: ref('LabelSelector'), template: ref('PodTemplateSpec') } },
  ReplicaSetStatus: {
    fields: {
      replicas: I, fullyLabeledReplicas: I, readyReplicas: I, availableReplicas: I, terminatingReplicas: I, observedGeneration: I64,
      conditions: list(ref('WorkloadCondition')),
    },
  },
  DaemonSet: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('DaemonSetSpec'), status: ref('DaemonSetStatus') } },
  DaemonSetSpec: {
    fields: {
      selector: ref('LabelSelector'), template: ref('PodTemplateSpec'), updateStrategy: ref('DaemonSetUpdateStrategy'),
      minReadySeconds: I, revisionHistoryLimit: I,
    },
  },
  DaemonSetUpdateStrategy: { fields: { type: S, rollingUpdate: ref('RollingUpdateDaemonSet') } },
  RollingUpdateDaemonSet: { fields: { maxUnavailable: 'intstr', maxSurge: 'intstr' } },
  DaemonSetStatus: {
    fields: {
      currentNumberScheduled: I, numberMisscheduled: I, desiredNumberScheduled: I, numberReady: I, observedGeneration: I64,
      updatedNumberScheduled: I, numberAvailable: I, numberUnavailable: I, collisionCount: I, conditions: list(ref('WorkloadCondition')),
    },
  },
  StatefulSet: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), spec: ref('StatefulSetSpec'), status: ref('StatefulSetStatus') } },
  StatefulSetSpec: {
    fields: {
      replicas: I, selector: ref('LabelSelector'), template: ref('PodTemplateSpec'), volumeClaimTemplates: list(ref('PersistentVolumeClaim')),
      serviceName: S, podManagementPolicy: S, updateStrategy: ref('StatefulSetUpdateStrategy'), revisionHistoryLimit: I, minReadySeconds: I,
      persistentVolumeClaimRetentionPolicy: ref('StatefulSetPersistentVolumeClaimRetentionPolicy'), ordinals: ref('StatefulSetOrdinals'),
    },
  },
  StatefulSetUpdateStrategy: { fields: { type: S, rollingUpdate: ref('RollingUpdateStatefulSetStrategy') } },
  RollingUpdateStatefulSetStrategy: { fields: { partition: I, maxUnavailable: 'intstr' } },
  StatefulSetPersistentVolumeClaimRetentionPolicy: { fields: { whenDeleted: S, whenScaled: S } },
  StatefulSetOrdinals: { fields: { start: I } },
  StatefulSetStatus: {
    fields: {
      observedGeneration: I64, replicas: I, readyReplicas: I, currentReplicas: I, updatedReplicas: I, currentRevision: S, updateRevision: S,
      collisionCount: I, conditions: list(ref('WorkloadCondition')), availableReplicas: I,
    },
  },
  ControllerRevision: { fields: { ...TYPE_META, metadata: ref('ObjectMeta'), data: 'any', revision: I64 } },
};

export interface StructureResult {
  /** Type errors, worded like Go's JSON decoder; any one makes the body a 400. */
  errors: string[];
  /** Paths of fields the schema does not know, e.g. "spec.containers[0].foo". */
  unknown: string[];
}

export interface StructureOptions {
  /** Delete unknown fields from the object (fieldValidation=Ignore/Warn behaviour). */
  prune?: boolean;
  /** From codec.floatIntegersOf: integral numbers the JSON body wrote as floats ("1e3"), refused for integer fields as Go does. */
  floatIntegers?: ReadonlyMap<string, string>;
}

function goType(d: Desc): string {
  if (typeof d === 'string') {
    switch (d) {
      case 'string':
      case 'time':
        return d === 'time' ? 'v1.Time' : 'string';
      case 'int':
        return 'int32';
      case 'int64':
        return 'int64';
      case 'bool':
        return 'bool';
      case 'number':
        return 'float64';
      case 'intstr':
        return 'intstr.IntOrString';
      case 'quantity':
        return 'resource.Quantity';
      default:
        return 'object';
    }
  }
  if ('list' in d) return `[]${goType(d.list)}`;
  if ('map' in d) return `map[string]${goType(d.map)}`;
  return `v1.${d.ref}`;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return `number ${v}`;
  return typeof v === 'object' ? 'object' : typeof v;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function scalarOk(d: Scalar, v: unknown): boolean {
  switch (d) {
    case 'string':
    case 'time':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
    case 'int64':
      // 2^63 itself is the first double past int64's maximum.
      return typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63;
    case 'number':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'intstr':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647);
    case 'quantity':
      return typeof v === 'string' || typeof v === 'number';
    case 'object':
      return isObj(v);
    case 'any':
      return true;
  }
}

/** Check `obj` against the schema of `kind`; unknown kinds pass unchecked. */
export function checkStructure(kind: string, obj: unknown, opts: StructureOptions = {}): StructureResult {
  const res: StructureResult = { errors: [], unknown: [] };
  if (!Object.prototype.hasOwnProperty.call(TYPES, kind)) return res;
  if (!isObj(obj)) {
    res.errors.push(`json: cannot unmarshal ${jsonType(obj)} into Go value of type v1.${kind}`);
    return res;
  }
  new Walker(res, !!opts.prune, opts.floatIntegers).fields(obj, TYPES[kind], kind);
  return res;
}

/** A number given for a quantity, as the string Kubernetes would store (non-finite ones fail validation later). */
function quantityFromNumber(n: number): string {
  try {
    return canonicalQuantity(n);
  } catch {
    return String(n);
  }
}

const FIELD = 0;
const INDEX = 1;
const MAP_KEY = 2;
type SegmentTag = typeof FIELD | typeof INDEX | typeof MAP_KEY;

/** Go's zero value of a list element type, or undefined where null stays (untyped objects, quantities). */
function zeroValue(d: Desc): unknown {
  if (typeof d !== 'string') return 'ref' in d ? {} : undefined;
  switch (d) {
    case 'string':
      return '';
    case 'int':
    case 'int64':
    case 'number':
      return 0;
    case 'bool':
      return false;
    default:
      return undefined;
  }
}

/**
 * One structure check. The current position is kept as a stack of segments and
 * only rendered into path strings when something is reported, since nearly
 * every body is well-formed.
 */
class Walker {
  private readonly segs: (string | number)[] = [];
  private readonly tags: SegmentTag[] = [];

  constructor(
    private readonly res: StructureResult,
    private readonly prune: boolean,
    private readonly floatIntegers?: ReadonlyMap<string, string>,
  ) {}

  /** The fields of a struct value of type `typeName`. */
  fields(v: Record<string, unknown>, def: TypeDef, typeName: string): void {
    for (const k of Object.keys(v)) {
      const el = v[k];
      // Own fields only: "constructor" in a body is an unknown field, not Object's.
      const fd = Object.prototype.hasOwnProperty.call(def.fields, k) ? def.fields[k] : undefined;
      this.push(k, FIELD);
      if (!fd) {
        if (!def.open) {
          this.res.unknown.push(this.path());
          if (this.prune) delete v[k];
        }
      } else {
        this.value(el, fd, typeName);
      }
      this.pop();
    }
  }

  /** A value of the field on top of the stack, which belongs to struct type `owner`. */
  private value(v: unknown, d: Desc, owner: string): void {
    if (v === null || v === undefined) return; // null decodes to the zero value
    if (typeof d === 'string') {
      const ok = scalarOk(d, v);
      if ((d === 'int' || d === 'int64') && this.floatIntegers && typeof v === 'number') {
        // Go names the literal as written ("1e3"), and refuses it even when its value is in range.
        const name = this.segs[this.segs.length - 1];
        const literal = typeof name === 'string' ? this.floatIntegers.get(name) : undefined;
        if (literal !== undefined && Number(literal) === v) return this.typeError(v, d, owner, literal);
      }
      if (!ok) this.typeError(v, d, owner);
      return;
    }
    if ('list' in d) {
      if (!Array.isArray(v)) return this.typeError(v, d, owner);
      for (let i = 0, n = v.length; i < n; i++) {
        if (!(i in v)) continue; // holes, as forEach skips them
        // A null element decodes to its type's zero value in Go ({} for a struct): never a null in a typed list.
        if (v[i] === null) {
          const zero = zeroValue(d.list);
          if (zero !== undefined) v[i] = zero;
        }
        this.push(i, INDEX);
        this.value(v[i], d.list, owner);
        this.pop();
      }
      return;
    }
    if ('map' in d) {
      if (!isObj(v)) return this.typeError(v, d, owner);
      for (const k of Object.keys(v)) {
        const el = v[k];
        this.push(k, MAP_KEY);
        // Quantities may be JSON numbers (`cpu: 1`); they are stored as the canonical string, as Go does.
        if (d.map === 'quantity' && typeof el === 'number') v[k] = quantityFromNumber(el);
        else this.value(el, d.map, owner);
        this.pop();
      }
      return;
    }
    const def = TYPES[d.ref];
    if (!isObj(v)) return this.typeError(v, d, owner);
    this.fields(v, def, d.ref);
  }

  private typeError(v: unknown, d: Desc, owner: string, literal?: string): void {
    this.res.errors.push(`json: cannot unmarshal ${literal !== undefined ? `number ${literal}` : jsonType(v)} into Go struct field ${owner}.${this.goPath()} of type ${goType(d)}`);
  }

  private push(seg: string | number, tag: SegmentTag): void {
    this.segs.push(seg);
    this.tags.push(tag);
  }

  private pop(): void {
    this.segs.pop();
    this.tags.pop();
  }

  /** User-facing path: "spec.containers[0].ports[1].name", map keys in brackets. */
  private path(): string {
    let out = '';
    for (let i = 0; i < this.segs.length; i++) {
      const seg = this.segs[i];
      if (this.tags[i] !== FIELD) out += `[${seg}]`;
      else out += out ? `.${seg}` : seg;
    }
    return out;
  }

  /** Go decoder's path: field names only, "spec.containers.ports.name". */
  private goPath(): string {
    let out = '';
    for (let i = 0; i < this.segs.length; i++) {
      if (this.tags[i] === FIELD) out += out ? `.${this.segs[i]}` : this.segs[i];
    }
    return out;
  }
}

/** The 400 message Kubernetes gives for an undecodable body. */
export function structureErrorMessage(kind: string, res: StructureResult, apiVersion = 'v1'): string | undefined {
  if (res.errors.length === 0) return undefined;
  return `${kind} in version "${apiVersion}" cannot be handled as a ${kind}: ${res.errors[0]}`;
}

/** The strict-decoding message for unknown fields (fieldValidation=Strict), or undefined. */
export function unknownFieldsMessage(res: StructureResult): string | undefined {
  if (res.unknown.length === 0) return undefined;
  return `strict decoding error: ${res.unknown.map((p) => `unknown field "${p}"`).join(', ')}`;
}
