// Defaults of core/v1 PersistentVolume and PersistentVolumeClaim and storage.k8s.io/v1
// StorageClass (upstream's SetDefaults_PersistentVolume, _PersistentVolumeClaim, _StorageClass).

import type { PersistentVolume, PersistentVolumeClaim } from './core.js';
import type { StorageClass } from './storage.js';

export function defaultPersistentVolume(pv: PersistentVolume): void {
  pv.spec ??= {};
  pv.spec.persistentVolumeReclaimPolicy ??= 'Retain';
  pv.spec.volumeMode ??= 'Filesystem';
  if (pv.spec.hostPath && typeof pv.spec.hostPath === 'object') pv.spec.hostPath.type ??= '';
  pv.status ??= {};
  pv.status.phase ??= 'Pending';
}

export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  pvc.spec ??= {};
  pvc.spec.volumeMode ??= 'Filesystem';
  pvc.status ??= {};
  pvc.status.phase ??= 'Pending';
}

export function defaultStorageClass(sc: StorageClass): void {
  sc.reclaimPolicy ??= 'Delete';
  sc.volumeBindingMode ??= 'Immediate';
}
