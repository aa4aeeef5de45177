// The PersistentVolume controller's decisions, pure (upstream's pv_controller.go
// syncClaim/syncUnboundClaim/syncBoundClaim/syncVolume/reclaimVolume): given one
// claim or volume and what the caches hold, what to write and what to say.
// persistent-volume.ts carries the decisions out through the API.

import type { PersistentVolume, PersistentVolumeClaim } from '../api/core.js';
import type { StorageClass } from '../api/storage.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  findMatchingVolume,
  getAnnotation,
  hasAnnotation,
  volumeMismatch,
} from '../api/volume-claims.js';

export interface PVEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface StorageLookup {
  volumes: () => Iterable<PersistentVolume>;
  volume: (name: string) => PersistentVolume | undefined;
  claim: (namespace: string, name: string) => PersistentVolumeClaim | undefined;
  storageClass: (name: string) => StorageClass | undefined;
}

export type ClaimDecision =
  /** Bind the claim to this volume (every step that is not yet done). */
  | { action: 'bind'; volume: PersistentVolume; event?: PVEvent }
  /** Ask the class's external provisioner for a volume: the storage-provisioner annotations. */
  | { action: 'provision'; provisioner: string; event: PVEvent }
  /** Stay (or become) Pending / Lost, with an event when there is something to say. */
  | { action: 'phase'; phase: 'Pending' | 'Lost'; event?: PVEvent }
  | { action: 'none' };

export const MSG_WAIT_FOR_FIRST_CONSUMER = 'waiting for first consumer to be created before binding';
export const MSG_NO_CLASS = 'no persistent volumes available for this claim and no storage class is set';

export function externalProvisioningMessage(provisioner: string): string {
  return `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`;
}

/** shouldDelayBinding: a class in WaitForFirstConsumer mode, before the scheduler picked a node. */
export function isDelayBinding(claim: PersistentVolumeClaim, lookup: Pick<StorageLookup, 'storageClass'>): boolean {
  if (hasAnnotation(claim, ANN_SELECTED_NODE)) return false;
  const cls = claimClass(claim);
  if (!cls) return false;
  return lookup.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** Which claims the controller looks at: not being deleted is no exception (a bound claim keeps its status). */
export function decideClaim(claim: PersistentVolumeClaim, lookup: StorageLookup): ClaimDecision {
  if (!hasAnnotation(claim, ANN_BIND_COMPLETED)) return decideUnboundClaim(claim, lookup);
  return decideBoundClaim(claim, lookup);
}

function decideUnboundClaim(claim: PersistentVolumeClaim, lookup: StorageLookup): ClaimDecision {
  const volumeName = claim.spec?.volumeName ?? '';
  if (!volumeName) {
    const delay = isDelayBinding(claim, lookup);
    const volume = findMatchingVolume(claim, lookup.volumes(), { delayBinding: delay });
    if (volume) return { action: 'bind', volume };
    if (delay) return { action: 'phase', phase: 'Pending', event: { type: 'Normal', reason: 'WaitForFirstConsumer', message: MSG_WAIT_FOR_FIRST_CONSUMER } };
    const cls = claimClass(claim);
    if (cls) {
      const sc = lookup.storageClass(cls);
      if (!sc) return { action: 'phase', phase: 'Pending', event: { type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${cls}" not found` } };
      // Already asked: keep waiting, quietly (upstream repeats the event on each resync; one is enough here).
      if (getAnnotation(claim, ANN_STORAGE_PROVISIONER) === sc.provisioner) return { action: 'phase', phase: 'Pending' };
      return { action: 'provision', provisioner: sc.provisioner, event: { type: 'Normal', reason: 'ExternalProvisioning', message: externalProvisioningMessage(sc.provisioner) } };
    }
    return { action: 'phase', phase: 'Pending', event: { type: 'Normal', reason: 'FailedBinding', message: MSG_NO_CLASS } };
  }
  // The user asked for one volume by name.
  const volume = lookup.volume(volumeName);
  if (!volume) return { action: 'phase', phase: 'Pending' };
  const ref = volume.spec?.claimRef;
  if (!ref) {
    const why = volumeMismatch(volume, claim);
    if (why) return { action: 'phase', phase: 'Pending', event: { type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind to requested volume "${volumeName}": ${why}` } };
    return { action: 'bind', volume };
  }
  if (ref.name === claim.metadata.name && (ref.namespace ?? '') === (claim.metadata.namespace ?? '') && (!ref.uid || ref.uid === claim.metadata.uid)) return { action: 'bind', volume };
  return { action: 'phase', phase: 'Pending', event: { type: 'Warning', reason: 'FailedBinding', message: `volume "${volumeName}" already bound to a different claim.` } };
}

function decideBoundClaim(claim: PersistentVolumeClaim, lookup: StorageLookup): ClaimDecision {
  const volumeName = claim.spec?.volumeName ?? '';
  if (!volumeName) return lost(claim, 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
  const volume = lookup.volume(volumeName);
  if (!volume) return lost(claim, 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
  const ref = volume.spec?.claimRef;
  if (!ref || ref.uid === claim.metadata.uid) return { action: 'bind', volume };
  if (claim.status?.phase === 'Lost') return { action: 'none' };
  return { action: 'phase', phase: 'Lost', event: { type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' } };
}

function lost(claim: PersistentVolumeClaim, message: string): ClaimDecision {
  if (claim.status?.phase === 'Lost') return { action: 'none' };
  return { action: 'phase', phase: 'Lost', event: { type: 'Warning', reason: 'ClaimLost', message } };
}

export type VolumeDecision =
  | { action: 'phase'; phase: 'Available' | 'Bound' | 'Released' | 'Failed'; message?: string; event?: PVEvent }
  /** The claim side is not done yet: sync the claim. */
  | { action: 'syncClaim'; namespace: string; name: string }
  /** The claim went to another volume: take the controller's binding back. */
  | { action: 'unbind' }
  /** Released, Delete policy, no external provisioner: delete the object (nothing else holds data here). */
  | { action: 'none' };

/** syncVolume + reclaimVolume for one volume. */
export function decideVolume(pv: PersistentVolume, lookup: Pick<StorageLookup, 'claim'>): VolumeDecision {
  const phase = pv.status?.phase;
  const ref = pv.spec?.claimRef;
  if (!ref || !ref.uid) return phase === 'Available' ? { action: 'none' } : { action: 'phase', phase: 'Available' };
  const claim = lookup.claim(ref.namespace ?? '', ref.name ?? '');
  if (!claim || claim.metadata.uid !== ref.uid) {
    // The claim is gone (or a new claim took its name): the volume is released and reclaimed.
    if (phase !== 'Released' && phase !== 'Failed') return { action: 'phase', phase: 'Released' };
    if (phase === 'Failed') return { action: 'none' };
    return decideReclaim(pv);
  }
  if (!claim.spec?.volumeName) return { action: 'syncClaim', namespace: claim.metadata.namespace ?? '', name: claim.metadata.name ?? '' };
  if (claim.spec.volumeName === pv.metadata.name) return phase === 'Bound' ? { action: 'none' } : { action: 'phase', phase: 'Bound' };
  // The claim is bound to another volume.
  if (hasAnnotation(pv, ANN_DYNAMICALLY_PROVISIONED) && pv.spec?.persistentVolumeReclaimPolicy === 'Delete') {
    return phase === 'Released' ? decideReclaim(pv) : { action: 'phase', phase: 'Released' };
  }
  return { action: 'unbind' };
}

function decideReclaim(pv: PersistentVolume): VolumeDecision {
  switch (pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain') {
    case 'Retain':
      return { action: 'none' };
    case 'Delete':
      // A provisioned volume is deleted by its provisioner (it removes the data, then the object).
      if (hasAnnotation(pv, ANN_DYNAMICALLY_PROVISIONED)) return { action: 'none' };
      return { action: 'phase', phase: 'Failed', message: 'error getting deleter volume plugin for volume "' + (pv.metadata.name ?? '') + '": no deletable volume plugin matched', event: { type: 'Warning', reason: 'VolumeFailedDelete', message: 'error getting deleter volume plugin for volume "' + (pv.metadata.name ?? '') + '": no deletable volume plugin matched' } };
    default:
      return { action: 'phase', phase: 'Failed', message: 'No recycler plugin found for the volume!', event: { type: 'Warning', reason: 'VolumeFailedRecycle', message: 'No recycler plugin found for the volume!' } };
  }
}

// ---------------------------------------------------------------- the writes of a bind

/** bindVolumeToClaim: the volume with claimRef to the claim, or undefined when it already has it. */
export function volumeBoundTo(pv: PersistentVolume, claim: PersistentVolumeClaim): PersistentVolume | undefined {
  const ref = pv.spec?.claimRef;
  const same = ref && ref.name === claim.metadata.name && ref.namespace === claim.metadata.namespace && ref.uid === claim.metadata.uid;
  if (same) return undefined;
  const annotations = { ...(pv.metadata.annotations ?? {}) };
  // Set by the controller, not the user: it may take it back if the claim goes elsewhere.
  if (!ref) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
  return {
    ...pv,
    metadata: { ...pv.metadata, annotations },
    spec: {
      ...pv.spec,
      claimRef: { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion },
    },
  };
}

/** bindClaimToVolume: the claim with volumeName and bind-completed, or undefined when it has both. */
export function claimBoundTo(claim: PersistentVolumeClaim, pv: PersistentVolume): PersistentVolumeClaim | undefined {
  const name = pv.metadata.name ?? '';
  if (claim.spec?.volumeName === name && hasAnnotation(claim, ANN_BIND_COMPLETED)) return undefined;
  const annotations: Record<string, string> = { ...(claim.metadata.annotations ?? {}), [ANN_BIND_COMPLETED]: 'yes' };
  if (claim.spec?.volumeName !== name) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
  return { ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName: name } };
}

/** The claim's status once bound: phase, and the volume's access modes and capacity. */
export function boundClaimStatus(pv: PersistentVolume): NonNullable<PersistentVolumeClaim['status']> {
  return { phase: 'Bound', accessModes: [...(pv.spec?.accessModes ?? [])], capacity: { ...(pv.spec?.capacity ?? {}) } };
}

/** unbindVolume: a volume the controller bound goes back to Available; a user's pre-binding keeps the name, loses the uid. */
export function volumeUnbound(pv: PersistentVolume): PersistentVolume {
  const annotations = { ...(pv.metadata.annotations ?? {}) };
  const byController = Object.hasOwn(annotations, ANN_BOUND_BY_CONTROLLER);
  delete annotations[ANN_BOUND_BY_CONTROLLER];
  const spec = { ...pv.spec };
  if (byController) delete spec.claimRef;
  else if (spec.claimRef) spec.claimRef = { ...spec.claimRef, uid: '' };
  return { ...pv, metadata: { ...pv.metadata, annotations }, spec };
}

/** The claim with both storage-provisioner annotations (the beta one is still read by older provisioners). */
export function claimForProvisioning(claim: PersistentVolumeClaim, provisioner: string): PersistentVolumeClaim {
  return { ...claim, metadata: { ...claim.metadata, annotations: { ...(claim.metadata.annotations ?? {}), [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner } } };
}
