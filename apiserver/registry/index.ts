// Builds one Registry per served resource, each with its strategy.

import { podDisruptionBudgetStrategy } from './eviction.js';
import { RESOURCES, isStored, type ResourceInfo } from '../../api/resources.js';
import type { Storage } from '../storage/interface.js';
import { KeyAllocator, cidrRange, portRange } from '../allocator.js';
import { Registry } from './generic.js';
import { NamespaceRegistryGate, namespaceStrategy } from './namespaces.js';
import { podStrategy } from './pods.js';
import { serviceStrategy, type ServiceAllocators } from './services.js';
import { defaultStrategy, type Strategy } from './strategy.js';
import { secretStrategy } from './secrets.js';
import { cronJobStrategy, jobStrategy } from './jobs.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './volumes.js';
import type { StorageClass } from '../../api/storage.js';
import { workloadStrategy } from './workloads.js';
import type { ServiceAccount } from '../../api/authentication.js';
import { ApiError } from '../errors.js';

/**
 * The `default` ServiceAccount of a namespace made a moment ago may not exist yet (the
 * serviceaccount controller makes it within milliseconds): wait up to 3 s for it rather than
 * refuse a pod created right after its namespace. Any other missing account is refused at once.
 */
async function defaultAccountSoon(get: () => Promise<ServiceAccount>, name: string): Promise<ServiceAccount> {
  const deadline = Date.now() + (name === 'default' ? 3000 : 0);
  for (;;) {
    try {
      return await get();
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404) || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
import { bindingStrategy, roleStrategy, type EscalationHolder } from './rbac.js';
import { csrStrategy } from './certificates.js';
import type { Admission } from '../admission/pod-security.js';
import { ingressStrategy, priorityClassStrategy, withPodPriority } from './priority-classes.js';
import type { PriorityClass } from '../../api/scheduling.js';
import type { ValidatingAdmission } from '../admission/resource-quota.js';
import type { KubeObject } from '../../api/meta.js';
import { validate } from '../../api/kinds.js';
import { customResourceStrategy, setCustomInfo, type TerminatingCheck } from './custom-resources.js';
import { crdStrategy } from './crds.js';

export interface RegistryOptions {
  serviceCIDR: string;
  nodePortRange: string;
  /** Run the ServiceAccount admission of pods (on when the apiserver issues service-account tokens). */
  serviceAccountAdmission?: boolean;
  /** The authorizers the RBAC kinds' escalation checks ask, filled once built. */
  escalation?: EscalationHolder;
  /** Admission of created and updated objects (pod security), before the kind's own preparation. */
  admission?: Admission;
  /**
   * Validating admission (ResourceQuota): after the kind's own preparation, on the object
   * as it will be stored; `valid` says whether it passes validation (nothing is charged for
   * an object the registry is about to refuse).
   */
  validatingAdmission?: ValidatingAdmission;
  /** Reads without a resourceVersion confirm etcd's current revision (other apiservers share this etcd). */
  quorumReads?: boolean;
}

/** The strategy with admission run first on creates and updates, and validating admission after its own preparation. */
function withAdmission(s: Strategy, admit: Admission | undefined, validating: ValidatingAdmission | undefined): Strategy {
  if (!admit && !validating) return s;
  const kind = s.info.kind;
  const valid = (obj: KubeObject, old?: KubeObject) => () => validate(kind, obj, old).length === 0 && !(s.validate?.(obj, old)?.length);
  return {
    ...s,
    prepareForCreate: async (obj, ctx) => {
      await admit?.(kind, obj, ctx);
      await s.prepareForCreate?.(obj, ctx);
      await validating?.(kind, obj, ctx, undefined, valid(obj));
    },
    prepareForUpdate: async (obj, old, ctx) => {
      await admit?.(kind, obj, ctx, old);
      await s.prepareForUpdate?.(obj, old, ctx);
      await validating?.(kind, obj, ctx, old, valid(obj, old));
    },
  };
}

export interface Registries {
  byResource: Map<string, Registry>;
  /** key: "<group>/<resource>" ('' group for core) */
  get(group: string, resource: string): Registry | undefined;
  namespaces: Registry;
  allocators: ServiceAllocators;
  /** Serve (or retarget) a custom resource's registry, from its storage version's info. */
  setCustom(info: ResourceInfo, terminating: TerminatingCheck): Registry;
  /** Stop serving a custom resource. */
  removeCustom(group: string, resource: string): void;
}

export function buildRegistries(store: Storage, opts: RegistryOptions): Registries {
  const allocators: ServiceAllocators = {
    clusterIPs: new KeyAllocator(store, '/registry/serviceips/', cidrRange(opts.serviceCIDR)),
    nodePorts: new KeyAllocator(store, '/registry/servicenodeports/', portRange(opts.nodePortRange)),
  };
  // Each kind's registry hooks, looked up by kind; kinds not named here are generic.
  const escalation = opts.escalation ?? {};
  const createOnUpdate = (info: ResourceInfo) => defaultStrategy(info, { allowCreateOnUpdate: true });
  const priorityClasses = async () => ((await byResource.get('priorityclasses')?.list(undefined))?.items ?? []) as unknown as PriorityClass[];
  const strategies = new Map<string, (info: ResourceInfo) => Strategy>([
    // Priority admission reads the classes through their registry (made below, read at create time).
    ['Pod', (info) => withPodPriority(podStrategy(info, opts.serviceAccountAdmission ? { serviceAccount: (ns, name) => defaultAccountSoon(() => byResource.get('serviceaccounts')!.get(ns, name), name) } : {}), priorityClasses)],
    // (A PriorityClass has a required top-level field, so its strategy is not a Strategy<KubeObject> by structure.)
    // Their generation follows the spec, as upstream's strategies.
    ['IngressClass', (info) => defaultStrategy(info, { tracksGeneration: true })],
    ['NetworkPolicy', (info) => defaultStrategy(info, { tracksGeneration: true })],
    ['PriorityClass', (info) => priorityClassStrategy(info, priorityClasses) as unknown as Strategy],
    ['Ingress', (info) => ingressStrategy(info, async () => (await byResource.get('ingressclasses')?.list(undefined))?.items ?? [])],
    ['Service', (info) => serviceStrategy(info, allocators)],
    ['Namespace', namespaceStrategy],
    ['ReplicationController', (info) => defaultStrategy(info, { tracksGeneration: true })],
    ['Secret', secretStrategy],
    ['Deployment', workloadStrategy],
    ['ReplicaSet', workloadStrategy],
    ['DaemonSet', workloadStrategy],
    ['StatefulSet', workloadStrategy],
    // Their writers PUT whole objects and expect a missing one to be created.
    ['Endpoints', createOnUpdate],
    ['Event', createOnUpdate],
    ['Lease', createOnUpdate],
    ['PodDisruptionBudget', podDisruptionBudgetStrategy],
    ['Job', jobStrategy],
    ['CronJob', cronJobStrategy],
    ['Role', (info) => roleStrategy(info, escalation)],
    ['ClusterRole', (info) => roleStrategy(info, escalation)],
    ['RoleBinding', (info) => bindingStrategy(info, escalation)],
    ['ClusterRoleBinding', (info) => bindingStrategy(info, escalation)],
    ['PersistentVolume', persistentVolumeStrategy],
    ['CertificateSigningRequest', (info) => csrStrategy(info, escalation)],
    ['CustomResourceDefinition', crdStrategy],
    // DefaultStorageClass reads the classes through their registry (made below, read at create time).
    ['PersistentVolumeClaim', (info) => persistentVolumeClaimStrategy(info, async () => ((await byResource.get('storageclasses')?.list(undefined))?.items ?? []) as unknown as StorageClass[])],
  ]);
  const strategyFor = (info: ResourceInfo): Strategy => withAdmission((strategies.get(info.kind) ?? defaultStrategy)(info), opts.admission, opts.validatingAdmission);
  const nsInfo = RESOURCES.find((r) => r.resource === 'namespaces')!;
  const namespaces = new Registry(store, strategyFor(nsInfo));
  const gate = new NamespaceRegistryGate(namespaces);
  const byKey = new Map<string, Registry>();
  const byResource = new Map<string, Registry>();
  for (const info of RESOURCES) {
    if (!isStored(info)) continue; // bindings: served by the pods registry; reviews: answered, not stored
    if (byKey.has(`${info.group}/${info.resource}`)) continue; // another version of a stored resource (autoscaling/v1): one registry
    const reg = info === nsInfo ? namespaces : new Registry(store, strategyFor(info), gate);
    reg.quorumReads = opts.quorumReads ?? false;
    byKey.set(`${info.group}/${info.resource}`, reg);
    byResource.set(info.resource, reg);
  }
  // Custom resources are found by group and resource only (never in byResource: a CRD's plural may spell a built-in's).
  const custom = new Map<string, Registry>();
  const setCustom = (info: ResourceInfo, terminating: TerminatingCheck): Registry => {
    const key = `${info.group}/${info.resource}`;
    const existing = custom.get(key);
    if (existing && existing.info.namespaced === info.namespaced) {
      setCustomInfo(existing.strategy, info);
      return existing;
    }
    // No admission: its plugins are for built-in kinds, looked up by kind, which a CR may spell.
    const reg = new Registry(store, customResourceStrategy(info, terminating), gate);
    reg.quorumReads = opts.quorumReads ?? false;
    custom.set(key, reg);
    return reg;
  };
  return {
    byResource,
    get: (g, r) => byKey.get(`${g}/${r}`) ?? custom.get(`${g}/${r}`),
    namespaces,
    allocators,
    setCustom,
    removeCustom: (g, r) => void custom.delete(`${g}/${r}`),
  };
}
