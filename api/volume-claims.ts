// PersistentVolume ↔ PersistentVolumeClaim matching, shared by the PV controller,
// the scheduler's volume binding and the kubelet (upstream's
// pkg/controller/volume/persistentvolume/util and component-helpers/storage/volume):
// the annotations they exchange, a claim's and a volume's class, and the best
// Available volume for a claim (fewest access modes, then smallest capacity).

import type { Node, PersistentVolume, PersistentVolumeAccessMode, PersistentVolumeClaim } from './core.js';
import { matchNodeSelectorTerm } from './node-affinity.js';
import { parseQuantity } from './quantity.js';
import { labelSelectorMatcher } from './selectors.js';

export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** The class of a claim or volume before spec.storageClassName existed; still honoured. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

function annotation(obj: { metadata: { annotations?: Record<string, string> } }, key: string): string | undefined {
  const a = obj.metadata.annotations;
  return a && Object.hasOwn(a, key) ? a[key] : undefined;
}

export function hasAnnotation(obj: { metadata: { annotations?: Record<string, string> } }, key: string): boolean {
  return annotation(obj, key) !== undefined;
}

export function getAnnotation(obj: { metadata: { annotations?: Record<string, string> } }, key: string): string | undefined {
  return annotation(obj, key);
}

/** GetPersistentVolumeClaimClass: the beta annotation wins over spec.storageClassName; "" = no class. */
export function claimClass(claim: PersistentVolumeClaim): string {
  return annotation(claim, ANN_BETA_STORAGE_CLASS) ?? claim.spec?.storageClassName ?? '';
}

/** GetPersistentVolumeClass. */
export function volumeClass(pv: PersistentVolume): string {
  return annotation(pv, ANN_BETA_STORAGE_CLASS) ?? pv.spec?.storageClassName ?? '';
}

/** Bytes of a storage quantity; an unparsable one counts as 0 (validation refuses them on write). */
export function storageBytes(q: string | number | undefined): number {
  if (q === undefined) return 0;
  try {
    return parseQuantity(q).value;
  } catch {
    return 0;
  }
}

export function claimRequest(claim: PersistentVolumeClaim): number {
  const r = claim.spec?.resources?.requests;
  return storageBytes(r && Object.hasOwn(r, 'storage') ? r.storage : undefined);
}

export function volumeCapacity(pv: PersistentVolume): number {
  const c = pv.spec?.capacity;
  return storageBytes(c && Object.hasOwn(c, 'storage') ? c.storage : undefined);
}

/** IsVolumeBoundToClaim: the volume's claimRef names this claim (and its uid, when the ref has one). */
export function isVolumeBoundToClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || (ref.namespace ?? '') !== (claim.metadata.namespace ?? '')) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** Whether the volume offers every access mode the claim asks for. */
export function accessModesSatisfied(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const have = new Set<PersistentVolumeAccessMode>(pv.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => have.has(m));
}

function volumeMode(m: string | undefined): string {
  return m || 'Filesystem';
}

/** Whether the volume's nodeAffinity lets a pod on this node use it (no affinity: any node). */
export function volumeNodeAffinityMatches(pv: PersistentVolume, node: Node): boolean {
  const req = pv.spec?.nodeAffinity?.required;
  if (!req) return true;
  return (req.nodeSelectorTerms ?? []).some((t) => matchNodeSelectorTerm(t, node));
}

/**
 * checkVolumeSatisfyClaim: why a pre-bound volume cannot serve the claim, worded as upstream
 * (the VolumeMismatch event), or undefined when it can.
 */
export function volumeMismatch(pv: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (volumeCapacity(pv) < claimRequest(claim)) return 'requested PV is too small';
  if (volumeClass(pv) !== claimClass(claim)) return 'storageClassName does not match';
  if (volumeMode(pv.spec?.volumeMode) !== volumeMode(claim.spec?.volumeMode)) return 'incompatible volumeMode';
  if (!accessModesSatisfied(pv, claim)) return 'incompatible accessMode';
  return undefined;
}

export interface MatchOptions {
  /** The node a pod using the claim runs on: volumes whose nodeAffinity excludes it are skipped. */
  node?: Node;
  /** The claim's class binds on first consumer and no node is chosen yet: only pre-bound volumes match. */
  delayBinding?: boolean;
}

/**
 * FindMatchingVolume: a volume pre-bound to this claim if one fits; otherwise, of the Available,
 * unclaimed volumes of the claim's class whose labels match its selector, whose access modes cover
 * its own and whose capacity covers its request, the one with the fewest access modes, then the
 * smallest. Volumes being deleted never match.
 */
export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: Iterable<PersistentVolume>, opts: MatchOptions = {}): PersistentVolume | undefined {
  const request = claimRequest(claim);
  const cls = claimClass(claim);
  let selector: { matches(l: Record<string, string>): boolean } | undefined;
  try {
    selector = claim.spec?.selector ? labelSelectorMatcher(claim.spec.selector) : undefined;
  } catch {
    // Validation refuses such selectors; one that slipped through matches nothing.
    selector = { matches: () => false };
  }
  let best: { pv: PersistentVolume; modes: number; size: number; name: string } | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    if (volumeMode(pv.spec?.volumeMode) !== volumeMode(claim.spec?.volumeMode)) continue;
    if (!accessModesSatisfied(pv, claim)) continue;
    const size = volumeCapacity(pv);
    const affinityOk = !opts.node || volumeNodeAffinityMatches(pv, opts.node);
    if (isVolumeBoundToClaim(pv, claim)) {
      // Pre-bound (by the user, or by a provisioner for this very claim): it wins when it fits.
      if (size < request || volumeClass(pv) !== cls || !affinityOk) continue;
      return pv;
    }
    if (!opts.node && opts.delayBinding) continue;
    if (pv.status?.phase !== 'Available' || pv.spec?.claimRef) continue;
    if (selector && !selector.matches(pv.metadata.labels ?? {})) continue;
    if (volumeClass(pv) !== cls || !affinityOk || size < request) continue;
    const modes = new Set(pv.spec?.accessModes ?? []).size;
    const name = pv.metadata.name ?? '';
    if (!best || modes < best.modes || (modes === best.modes && (size < best.size || (size === best.size && name < best.name)))) best = { pv, modes, size, name };
  }
  return best?.pv;
}
