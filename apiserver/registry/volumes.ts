// PersistentVolumes and PersistentVolumeClaims: a new object starts Pending, whatever status it was sent with.
// On create, as upstream's admission plugins: StorageObjectInUseProtection adds the
// kubernetes.io/pv-protection / kubernetes.io/pvc-protection finalizer, and DefaultStorageClass
// gives a claim that names no class (storageClassName absent or null; "" means "no class") the
// default StorageClass, the newest one when several are marked default.

import type { PersistentVolume, PersistentVolumeClaim } from '../../api/core.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { StorageClass } from '../../api/storage.js';
import { DEFAULT_STORAGE_CLASS_ANNOTATION } from '../../api/storage.js';
import { ANN_BETA_STORAGE_CLASS, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../api/volume-claims.js';
import { nowSeconds } from './generic.js';
import { defaultStrategy, type Strategy } from './strategy.js';

function addFinalizer(meta: { finalizers?: unknown }, f: string): void {
  // Anything but a list (or nothing) is left for validation to refuse, not papered over.
  if (meta.finalizers === undefined || meta.finalizers === null) meta.finalizers = [f];
  else if (Array.isArray(meta.finalizers) && !meta.finalizers.includes(f)) meta.finalizers = [...(meta.finalizers as unknown[]), f];
}

/** GetDefaultClass: among classes annotated default ("true"), the newest, then by name (upstream's tie-break). */
export function defaultClassName(classes: Iterable<StorageClass>): string | undefined {
  let best: StorageClass | undefined;
  for (const sc of classes) {
    const a = sc.metadata.annotations;
    if (!a || !Object.hasOwn(a, DEFAULT_STORAGE_CLASS_ANNOTATION) || a[DEFAULT_STORAGE_CLASS_ANNOTATION] !== 'true') continue;
    if (!best) {
      best = sc;
      continue;
    }
    const t = sc.metadata.creationTimestamp ?? '';
    const bt = best.metadata.creationTimestamp ?? '';
    if (t > bt || (t === bt && (sc.metadata.name ?? '') < (best.metadata.name ?? ''))) best = sc;
  }
  return best?.metadata.name;
}

export function persistentVolumeStrategy(info: ResourceInfo): Strategy<PersistentVolume> {
  return defaultStrategy<PersistentVolume>(info, {
    prepareForCreate(pv) {
      pv.status = { phase: 'Pending', lastPhaseTransitionTime: nowSeconds() };
      addFinalizer(pv.metadata, PV_PROTECTION_FINALIZER);
    },
  });
}

/** storageClasses: the StorageClasses there are now (read at each create). */
export function persistentVolumeClaimStrategy(info: ResourceInfo, storageClasses?: () => Promise<StorageClass[]>): Strategy<PersistentVolumeClaim> {
  return defaultStrategy<PersistentVolumeClaim>(info, {
    async prepareForCreate(pvc) {
      pvc.status = { phase: 'Pending' };
      addFinalizer(pvc.metadata, PVC_PROTECTION_FINALIZER);
      const ann = pvc.metadata.annotations;
      const hasBetaClass = !!ann && typeof ann === 'object' && Object.hasOwn(ann, ANN_BETA_STORAGE_CLASS);
      // Only a spec that is an object gets a class; anything else is validation's to refuse.
      if (!storageClasses || hasBetaClass || !pvc.spec || typeof pvc.spec !== 'object' || Array.isArray(pvc.spec)) return;
      if (pvc.spec.storageClassName !== undefined && pvc.spec.storageClassName !== null) return;
      const name = defaultClassName(await storageClasses());
      if (name) pvc.spec.storageClassName = name;
    },
  });
}
