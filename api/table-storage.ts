// Server-side printing of PersistentVolume, PersistentVolumeClaim and StorageClass:
// the columns of kubectl 1.32's printers.

import type { PersistentVolume, PersistentVolumeAccessMode, PersistentVolumeClaim } from './core.js';
import { canonicalQuantity } from './quantity.js';
import { DEFAULT_STORAGE_CLASS_ANNOTATION, type StorageClass } from './storage.js';
import { AGE, NAME, age, col, type Printer } from './table.js';

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const BETA_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once. */
export function accessModesString(modes: PersistentVolumeAccessMode[] | undefined): string {
  const m = new Set(modes ?? []);
  const out: string[] = [];
  if (m.has('ReadWriteOnce')) out.push('RWO');
  if (m.has('ReadOnlyMany')) out.push('ROX');
  if (m.has('ReadWriteMany')) out.push('RWX');
  if (m.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** A quantity as Quantity.String() prints it; a missing one is the zero quantity "0". */
function quantityString(q: string | undefined): string {
  if (q == null) return '0';
  try {
    return canonicalQuantity(q);
  } catch {
    return q;
  }
}

/** The class of a PV or PVC: the beta annotation wins over spec.storageClassName. */
function storageClassOf(obj: { metadata: { annotations?: Record<string, string> }; spec?: { storageClassName?: string } }): string {
  const a = obj.metadata.annotations ?? {};
  if (Object.prototype.hasOwnProperty.call(a, BETA_STORAGE_CLASS_ANNOTATION)) return a[BETA_STORAGE_CLASS_ANNOTATION];
  return obj.spec?.storageClassName ?? '';
}

export const persistentVolumePrinter: Printer<PersistentVolume> = {
  columns: [
    NAME,
    col('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE,
    col('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1),
  ],
  row(pv, now) {
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    const phase = pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
    return {
      cells: [
        pv.metadata.name,
        quantityString(spec.capacity?.storage),
        accessModesString(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? '',
        phase,
        claim,
        storageClassOf(pv),
        spec.volumeAttributesClassName ?? '<unset>',
        pv.status?.reason ?? '',
        age(pv, now),
        spec.volumeMode ?? '<unset>',
      ],
    };
  },
};

export const persistentVolumeClaimPrinter: Printer<PersistentVolumeClaim> = {
  columns: [
    NAME,
    col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE,
    col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', 1),
  ],
  row(pvc, now) {
    const spec = pvc.spec ?? {};
    const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
    // Capacity and access modes are the bound volume's: empty until the claim has one.
    let capacity = '';
    let modes = '';
    if (spec.volumeName) {
      capacity = quantityString(pvc.status?.capacity?.storage);
      modes = accessModesString(pvc.status?.accessModes);
    }
    return {
      cells: [
        pvc.metadata.name,
        phase,
        spec.volumeName ?? '',
        capacity,
        modes,
        storageClassOf(pvc),
        spec.volumeAttributesClassName ?? '<unset>',
        age(pvc, now),
        spec.volumeMode ?? '<unset>',
      ],
    };
  },
};

/** storageutil.IsDefaultAnnotation: the GA or the beta annotation set to "true". */
export function isDefaultStorageClass(sc: StorageClass): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
}

export const storageClassPrinter: Printer<StorageClass> = {
  columns: [
    NAME,
    col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
    col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.'),
    col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    AGE,
  ],
  row(sc, now) {
    const name = isDefaultStorageClass(sc) ? `${sc.metadata.name} (default)` : sc.metadata.name;
    return { cells: [name, sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false, age(sc, now)] };
  },
};
