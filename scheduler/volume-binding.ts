// The VolumeBinding plugin (upstream's pkg/scheduler/framework/plugins/volumebinding):
// PreFilter: every claim the pod names must exist and not be going away, and an
// unbound claim must be of a WaitForFirstConsumer class (an Immediate one is the
// PV controller's to bind first); Filter: a bound claim's volume must exist and
// be reachable from the node (its nodeAffinity), an unbound one needs an
// Available volume on the node or a class that can provision; PreBind: the
// chosen volumes get their claimRef, the claims to provision the selected-node
// annotation, and the pod is bound only once every claim is Bound.

import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from '../api/core.js';
import type { StorageClass } from '../api/storage.js';
import { ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, claimClass, findMatchingVolume, getAnnotation, hasAnnotation, volumeNodeAffinityMatches } from '../api/volume-claims.js';

export const REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const MSG_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
/** The class of statically provisioned local volumes: it never provisions. */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export interface VolumeLookup {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): Iterable<PersistentVolume>;
  storageClass(name: string): StorageClass | undefined;
}

/** What PreFilter found: the pod's bound claims and those to bind on the chosen node. */
export interface PodVolumes {
  bound: PersistentVolumeClaim[];
  toBind: PersistentVolumeClaim[];
}

export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const n = v.persistentVolumeClaim?.claimName;
    if (n && !out.includes(n)) out.push(n);
  }
  return out;
}

/** PreFilter: the pod's claims sorted into bound and to-bind, or the reason no node can do (UnschedulableAndUnresolvable). */
export function preFilterVolumes(pod: Pod, lookup: VolumeLookup): PodVolumes | string {
  const ns = pod.metadata.namespace ?? '';
  const out: PodVolumes = { bound: [], toBind: [] };
  let unboundImmediate = false;
  for (const name of podClaimNames(pod)) {
    const claim = lookup.claim(ns, name);
    if (!claim) return `persistentvolumeclaim "${name}" not found`;
    if (claim.metadata.deletionTimestamp) return `persistentvolumeclaim "${name}" is being deleted`;
    if (claim.spec?.volumeName) {
      out.bound.push(claim);
      continue;
    }
    const cls = claimClass(claim);
    const sc = cls ? lookup.storageClass(cls) : undefined;
    if (sc?.volumeBindingMode === 'WaitForFirstConsumer') out.toBind.push(claim);
    else unboundImmediate = true;
  }
  if (unboundImmediate) return MSG_UNBOUND_IMMEDIATE;
  return out;
}

/** The decisions for one node: volumes to take for claims, and claims to provision there. */
export interface VolumePlan {
  staticBindings: { claim: PersistentVolumeClaim; volume: PersistentVolume }[];
  provision: PersistentVolumeClaim[];
}

/** Filter: the reasons the node cannot serve the pod's volumes (empty: it can), and the plan when it can. */
export function filterVolumes(vols: PodVolumes, node: Node, lookup: VolumeLookup): { reasons: string[]; plan?: VolumePlan } {
  const reasons = new Set<string>();
  for (const claim of vols.bound) {
    const pv = lookup.volume(claim.spec?.volumeName ?? '');
    if (!pv) {
      reasons.add(REASON_PV_NOT_EXIST);
      continue;
    }
    if (!volumeNodeAffinityMatches(pv, node)) reasons.add(REASON_NODE_CONFLICT);
  }
  const plan: VolumePlan = { staticBindings: [], provision: [] };
  const taken = new Set<string>();
  for (const claim of vols.toBind) {
    const free = [...lookup.volumes()].filter((v) => !taken.has(v.metadata.name ?? ''));
    const pv = findMatchingVolume(claim, free, { node });
    if (pv) {
      taken.add(pv.metadata.name ?? '');
      plan.staticBindings.push({ claim, volume: pv });
      continue;
    }
    const sc = lookup.storageClass(claimClass(claim));
    // A node chosen for an earlier attempt is kept: the provisioner may already be at work there.
    const selected = getAnnotation(claim, ANN_SELECTED_NODE);
    if (!sc || !sc.provisioner || sc.provisioner === NO_PROVISIONER || (selected !== undefined && selected !== node.metadata.name)) {
      reasons.add(REASON_BIND_CONFLICT);
      continue;
    }
    plan.provision.push(claim);
  }
  return reasons.size ? { reasons: [...reasons] } : { reasons: [], plan };
}

/** The claim with the node the scheduler chose for provisioning, or undefined if it has it already. */
export function claimWithSelectedNode(claim: PersistentVolumeClaim, nodeName: string): PersistentVolumeClaim | undefined {
  if (getAnnotation(claim, ANN_SELECTED_NODE) === nodeName) return undefined;
  return { ...claim, metadata: { ...claim.metadata, annotations: { ...(claim.metadata.annotations ?? {}), [ANN_SELECTED_NODE]: nodeName } } };
}

/** The volume pre-bound to the claim, as the scheduler's binder writes it (the PV controller finishes the bind). */
export function volumeForClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): PersistentVolume {
  return {
    ...pv,
    metadata: { ...pv.metadata, annotations: { ...(pv.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
    spec: { ...pv.spec, claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion } },
  };
}

/** Whether every claim of the pod is bound now (checkBindings): Bound, with a volume whose claimRef is the claim. */
export function claimsBound(pod: Pod, lookup: VolumeLookup): boolean | string {
  const ns = pod.metadata.namespace ?? '';
  for (const name of podClaimNames(pod)) {
    const claim = lookup.claim(ns, name);
    if (!claim) return `persistentvolumeclaim "${name}" not found`;
    if (claim.metadata.deletionTimestamp) return `persistentvolumeclaim "${name}" is being deleted`;
    if (claim.status?.phase !== 'Bound' || !claim.spec?.volumeName) return false;
    const pv = lookup.volume(claim.spec.volumeName);
    if (!pv || pv.spec?.claimRef?.uid !== claim.metadata.uid) return false;
    if (!hasAnnotation(claim, 'pv.kubernetes.io/bind-completed')) return false;
  }
  return true;
}
