// Strategic-merge rules for the core types, as data: for each type, which
// fields are lists merged by key (patchStrategy "merge" + patchMergeKey in
// Kubernetes' Go struct tags), which are primitive sets, and which type each
// nested field has. Lists not listed here are atomic (replaced whole). The
// same table drives server-side apply's associative-list keys (`k:{...}`).

export interface MergeKey {
  name: string;
  /** Value assumed when an element omits the key (ports' protocol defaults to TCP). */
  default?: string | number;
}

export interface FieldRule {
  /** Type name of the field's value (for lists: of each element). */
  type?: string;
  /** 'merge' lists merge by mergeKeys, or as a set of primitives when there are no keys. */
  strategy?: 'merge';
  mergeKeys?: MergeKey[];
  /** The field's elements honour `$retainKeys` (pod volumes). */
  retainKeys?: boolean;
}

export type TypeRules = Record<string, FieldRule>;

const byName: FieldRule = { strategy: 'merge', mergeKeys: [{ name: 'name' }] };
const byType: FieldRule = { strategy: 'merge', mergeKeys: [{ name: 'type' }] };
const primitiveSet: FieldRule = { strategy: 'merge' };

/** Type name → field name → rule. Kind names are the root types. */
export const PATCH_SCHEMA: Readonly<Record<string, TypeRules>> = {
  ObjectMeta: {
    finalizers: primitiveSet,
    ownerReferences: { strategy: 'merge', mergeKeys: [{ name: 'uid' }] },
  },

  // ---- Pod
  Pod: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' }, status: { type: 'PodStatus' } },
  PodSpec: {
    containers: { ...byName, type: 'Container' },
    initContainers: { ...byName, type: 'Container' },
    ephemeralContainers: { ...byName, type: 'Container' },
    volumes: { ...byName, type: 'Volume', retainKeys: true },
    imagePullSecrets: byName,
    hostAliases: { strategy: 'merge', mergeKeys: [{ name: 'ip' }] },
    schedulingGates: byName,
    resourceClaims: { ...byName, retainKeys: true },
  },
  Container: {
    ports: {
      strategy: 'merge',
      mergeKeys: [{ name: 'containerPort' }, { name: 'protocol', default: 'TCP' }],
    },
    env: byName,
    volumeMounts: { strategy: 'merge', mergeKeys: [{ name: 'mountPath' }] },
    volumeDevices: { strategy: 'merge', mergeKeys: [{ name: 'devicePath' }] },
  },
  Volume: {},
  PodStatus: {
    conditions: byType,
    podIPs: { strategy: 'merge', mergeKeys: [{ name: 'ip' }] },
    hostIPs: { strategy: 'merge', mergeKeys: [{ name: 'ip' }] },
    resourceClaimStatuses: { ...byName, retainKeys: true },
  },
  PodTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' } },

  // ---- ReplicationController
  ReplicationController: {
    metadata: { type: 'ObjectMeta' },
    spec: { type: 'ReplicationControllerSpec' },
    status: { type: 'ReplicationControllerStatus' },
  },
  ReplicationControllerSpec: { template: { type: 'PodTemplateSpec' } },
  ReplicationControllerStatus: { conditions: byType },

  // ---- apps/v1 (their pod templates merge as a pod's spec does; volumeClaimTemplates are atomic)
  Deployment: { metadata: { type: 'ObjectMeta' }, spec: { type: 'DeploymentSpec' }, status: { type: 'DeploymentStatus' } },
  DeploymentSpec: { template: { type: 'PodTemplateSpec' } },
  DeploymentStatus: { conditions: byType },
  ReplicaSet: { metadata: { type: 'ObjectMeta' }, spec: { type: 'ReplicaSetSpec' }, status: { type: 'ReplicaSetStatus' } },
  ReplicaSetSpec: { template: { type: 'PodTemplateSpec' } },
  ReplicaSetStatus: { conditions: byType },
  DaemonSet: { metadata: { type: 'ObjectMeta' }, spec: { type: 'DaemonSetSpec' }, status: { type: 'DaemonSetStatus' } },
  DaemonSetSpec: { template: { type: 'PodTemplateSpec' } },
  DaemonSetStatus: { conditions: byType },
  StatefulSet: { metadata: { type: 'ObjectMeta' }, spec: { type: 'StatefulSetSpec' }, status: { type: 'StatefulSetStatus' } },
  StatefulSetSpec: { template: { type: 'PodTemplateSpec' } },
  StatefulSetStatus: { conditions: byType },

  // ---- Service
  Service: { metadata: { type: 'ObjectMeta' }, spec: { type: 'ServiceSpec' }, status: { type: 'ServiceStatus' } },
  ServiceSpec: {
    ports: { strategy: 'merge', mergeKeys: [{ name: 'port' }, { name: 'protocol', default: 'TCP' }] },
  },
  ServiceStatus: { conditions: byType },

  // ---- Node
  Node: { metadata: { type: 'ObjectMeta' }, spec: { type: 'NodeSpec' }, status: { type: 'NodeStatus' } },
  NodeSpec: { podCIDRs: primitiveSet },
  NodeStatus: { conditions: byType, addresses: byType },

  // ---- Namespace
  Namespace: { metadata: { type: 'ObjectMeta' }, status: { type: 'NamespaceStatus' } },
  NamespaceStatus: { conditions: byType },

  // ---- batch/v1 Job, CronJob
  Job: { metadata: { type: 'ObjectMeta' }, spec: { type: 'JobSpec' }, status: { type: 'JobStatus' } },
  JobSpec: { template: { type: 'PodTemplateSpec' } },
  JobStatus: { conditions: byType },
  CronJob: { metadata: { type: 'ObjectMeta' }, spec: { type: 'CronJobSpec' } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec' } },
  JobTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'JobSpec' } },

  // ---- PersistentVolume, PersistentVolumeClaim (StorageClass has no keyed lists)
  PersistentVolumeClaim: { metadata: { type: 'ObjectMeta' }, status: { type: 'PersistentVolumeClaimStatus' } },
  PersistentVolumeClaimStatus: { conditions: byType },
};

/** Root type for a kind: its own entry, or just ObjectMeta for kinds with no special lists. */
export function rootType(kind: string | undefined): string {
  return kind && PATCH_SCHEMA[kind] ? kind : '__default';
}

const DEFAULT_ROOT: TypeRules = { metadata: { type: 'ObjectMeta' } };

/** The rule for `field` inside a value of type `typeName` (undefined = no special rule). */
export function fieldRule(typeName: string | undefined, field: string): FieldRule | undefined {
  if (!typeName) return undefined;
  // Own properties only: "constructor" or "__proto__" in a patch are data, not rules.
  const rules = typeName === '__default' ? DEFAULT_ROOT : Object.prototype.hasOwnProperty.call(PATCH_SCHEMA, typeName) ? PATCH_SCHEMA[typeName] : undefined;
  return rules && Object.prototype.hasOwnProperty.call(rules, field) ? rules[field] : undefined;
}

/** PATCH_SCHEMA (read-only, so snapshotting it is safe) as Maps: cheaper than property lookups that mostly miss. */
const RULE_MAPS: ReadonlyMap<string, ReadonlyMap<string, FieldRule>> = new Map(
  [...Object.entries(PATCH_SCHEMA), ['__default', DEFAULT_ROOT] as const].map(([t, rules]) => [t, new Map(Object.entries(rules))]),
);

/**
 * All rules of type `typeName`, for loops over the fields of one value. Unlike
 * fieldRule, names inherited from Object.prototype ("constructor") find nothing;
 * what fieldRule finds for them has no type/strategy/mergeKeys either.
 */
export function typeRules(typeName: string | undefined): ReadonlyMap<string, FieldRule> | undefined {
  return typeName ? RULE_MAPS.get(typeName) : undefined;
}

/** The merge identity of a keyed-list element, or undefined if it lacks a required key. */
export function mergeIdentity(el: unknown, keys: MergeKey[]): Record<string, unknown> | undefined {
  if (el === null || typeof el !== 'object' || Array.isArray(el)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (Object.prototype.hasOwnProperty.call(el, k.name) ? (el as Record<string, unknown>)[k.name] : undefined) ?? k.default;
    if (v === undefined) return undefined;
    out[k.name] = v;
  }
  return out;
}

export function sameIdentity(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return Object.keys(a).every((k) => a[k] === b[k]);
}
