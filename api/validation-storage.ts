// Field errors for core/v1 PersistentVolume and PersistentVolumeClaim and storage.k8s.io/v1
// StorageClass, with upstream's field paths and wording (pkg/apis/core/validation and
// pkg/apis/storage/validation). Call on defaulted objects, as the apiserver does.

import type { PersistentVolume, PersistentVolumeAccessMode, PersistentVolumeClaim } from './core.js';
import { deepEqual } from './deep-equal.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { isDNS1123Subdomain, isQualifiedName } from './names.js';
import { parseQuantity } from './quantity.js';
import type { StorageClass } from './storage.js';
import { validateLabelSelector } from './validation-label-selector.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const IMMUTABLE = 'field is immutable';

/** A quantity's value, or undefined when it does not parse (the decoder refuses those first). */
function quantityValue(q: unknown): number | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try {
    return parseQuantity(q).value;
  } catch {
    return undefined;
  }
}

function validateAccessModes(modes: PersistentVolumeAccessMode[] | undefined, field: string, requiredDetail: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = modes ?? [];
  if (list.length === 0) errs.push(fieldErr.required(field, requiredDetail));
  for (const m of list) if (!ACCESS_MODES.includes(m)) errs.push(fieldErr.notSupported(field, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1) errs.push(fieldErr.forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateClassName(name: string | undefined, field: string): FieldError[] {
  if (name == null || name === '') return [];
  return isDNS1123Subdomain(name).map((m) => fieldErr.invalid(field, name, m));
}

function validateVolumeMode(mode: string | undefined, field: string): FieldError[] {
  return mode != null && !VOLUME_MODES.includes(mode) ? [fieldErr.notSupported(field, mode, VOLUME_MODES)] : [];
}

// ---------------------------------------------------------------- PersistentVolumeClaim

export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  const spec = pvc.spec;
  if (!spec || typeof spec !== 'object') return [fieldErr.required('spec', '')];
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const field = 'spec.resources[storage]';
  const requests = spec.resources?.requests ?? {};
  const storage = Object.prototype.hasOwnProperty.call(requests, 'storage') ? requests.storage : undefined;
  if (storage == null) errs.push(fieldErr.required(field, ''));
  else {
    const v = quantityValue(storage);
    if (v == null || v <= 0) errs.push(fieldErr.invalid(field, storage, 'must be greater than zero'));
  }
  errs.push(...validateClassName(spec.storageClassName, 'spec.storageClassName'));
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  for (const [key, ref] of [['dataSource', spec.dataSource], ['dataSourceRef', spec.dataSourceRef]] as const) {
    if (!ref) continue;
    if (!ref.name) errs.push(fieldErr.required(`spec.${key}.name`, ''));
    if (!ref.kind) errs.push(fieldErr.required(`spec.${key}.kind`, ''));
    if (!ref.apiGroup && ref.kind && ref.kind !== 'PersistentVolumeClaim') errs.push(fieldErr.invalid(`spec.${key}`, ref.kind, 'must be \'PersistentVolumeClaim\' when referencing the default apiGroup'));
  }
  return errs;
}

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is immutable, except that volumeName may be set
 * once (binding) and a bound claim's storage request may grow (expansion), never shrink.
 */
export function validatePersistentVolumeClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const errs: FieldError[] = [];
  const ns = structuredClone(pvc.spec ?? {});
  const os = structuredClone(old.spec ?? {});
  if (!os.volumeName) {
    if (ns.volumeName == null) delete os.volumeName;
    else os.volumeName = ns.volumeName;
  }
  // A claim written before storageClassName existed may take its class once.
  if (os.storageClassName == null && ns.storageClassName != null && !old.spec?.volumeName) os.storageClassName = ns.storageClassName;
  if (pvc.status?.phase === 'Bound' && ns.resources?.requests) {
    const oldStorage = os.resources?.requests?.storage;
    if (oldStorage == null) delete ns.resources.requests.storage;
    else ns.resources.requests.storage = oldStorage;
  }
  if (!deepEqual(ns, os)) {
    errs.push(fieldErr.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  const newSize = quantityValue(pvc.spec?.resources?.requests?.storage);
  const oldSize = quantityValue(old.spec?.resources?.requests?.storage);
  if (newSize != null && oldSize != null && newSize < oldSize) {
    errs.push(fieldErr.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  return errs;
}

export function validatePersistentVolumeClaimStatus(pvc: PersistentVolumeClaim): FieldError[] {
  const errs: FieldError[] = [];
  const st = pvc.status ?? {};
  if (st.phase != null && !['Pending', 'Bound', 'Lost'].includes(st.phase)) errs.push(fieldErr.notSupported('status.phase', st.phase, ['Bound', 'Lost', 'Pending']));
  for (const [k, q] of Object.entries(st.capacity ?? {})) {
    const v = quantityValue(q);
    if (v == null || v < 0) errs.push(fieldErr.invalid(`status.capacity[${k}]`, q, 'must be greater than or equal to 0'));
  }
  if (st.accessModes) for (const m of st.accessModes) if (!ACCESS_MODES.includes(m)) errs.push(fieldErr.notSupported('status.accessModes', m, ACCESS_MODES));
  return errs;
}

// ---------------------------------------------------------------- PersistentVolume

/** The volume sources tskube serves for PersistentVolumes. */
const PV_SOURCES = ['hostPath', 'local'] as const;

export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const spec = pv.spec;
  if (!spec || typeof spec !== 'object') return [fieldErr.required('spec', '')];
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', '');
  const cap = spec.capacity ?? {};
  const keys = Object.keys(cap);
  if (keys.length === 0) errs.push(fieldErr.required('spec.capacity', ''));
  else if (!keys.includes('storage') || keys.length > 1) errs.push(fieldErr.notSupported('spec.capacity', cap, ['storage']));
  for (const k of keys) {
    const v = quantityValue(cap[k]);
    if (v == null || v < 0) errs.push(fieldErr.invalid(`spec.capacity[${k}]`, cap[k], 'must be greater than or equal to 0'));
    else if (k === 'storage' && v === 0) errs.push(fieldErr.invalid(`spec.capacity[${k}]`, cap[k], 'must be greater than zero'));
  }
  const rp = spec.persistentVolumeReclaimPolicy;
  if (rp != null && !['Delete', 'Recycle', 'Retain'].includes(rp)) errs.push(fieldErr.notSupported('spec.persistentVolumeReclaimPolicy', rp, ['Delete', 'Recycle', 'Retain']));
  errs.push(...validateClassName(spec.storageClassName, 'spec.storageClassName'));
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  const present = PV_SOURCES.filter((s) => spec[s] != null && spec[s] !== null);
  if (present.length === 0) errs.push(fieldErr.required('spec', 'must specify a volume type'));
  for (const extra of present.slice(1)) errs.push(fieldErr.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath) {
    const p = spec.hostPath.path;
    if (!p) errs.push(fieldErr.required('spec.hostPath.path', ''));
    else if (p.split('/').includes('..')) errs.push(fieldErr.invalid('spec.hostPath.path', p, "must not contain '..'"));
    const types = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
    const t = spec.hostPath.type;
    if (t != null && !types.includes(t)) errs.push(fieldErr.notSupported('spec.hostPath.type', t, types));
    if (rp === 'Recycle' && p && /^\/+$/.test(p)) errs.push(fieldErr.forbidden('spec.persistentVolumeReclaimPolicy', 'may not be \'recycle\' for a hostPath mount of \'/\''));
  }
  if (spec.local) {
    const p = spec.local.path;
    if (!p) errs.push(fieldErr.required('spec.local.path', ''));
    else if (!p.startsWith('/')) errs.push(fieldErr.invalid('spec.local.path', p, 'must be an absolute path'));
    else if (p.split('/').includes('..')) errs.push(fieldErr.invalid('spec.local.path', p, "must not contain '..'"));
    if (!spec.nodeAffinity) errs.push(fieldErr.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (spec.claimRef) {
    if (!spec.claimRef.name) errs.push(fieldErr.required('spec.claimRef.name', ''));
  }
  return errs;
}

export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs: FieldError[] = [];
  const src = (p: PersistentVolume) => Object.fromEntries(PV_SOURCES.map((s) => [s, p.spec?.[s] ?? null]));
  if (!deepEqual(src(pv), src(old))) errs.push(fieldErr.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if (!deepEqual(pv.spec?.volumeMode ?? null, old.spec?.volumeMode ?? null)) errs.push(fieldErr.invalid('spec.volumeMode', pv.spec?.volumeMode ?? null, IMMUTABLE));
  // Node affinity may be set once; after that it stays.
  if (old.spec?.nodeAffinity && !deepEqual(pv.spec?.nodeAffinity ?? null, old.spec.nodeAffinity)) {
    errs.push(fieldErr.invalid('spec.nodeAffinity', pv.spec?.nodeAffinity ?? null, IMMUTABLE));
  }
  return errs;
}

export function validatePersistentVolumeStatus(pv: PersistentVolume): FieldError[] {
  const ph = pv.status?.phase;
  const phases = ['Available', 'Bound', 'Failed', 'Pending', 'Released'];
  return ph != null && !phases.includes(ph) ? [fieldErr.notSupported('status.phase', ph, phases)] : [];
}

// ---------------------------------------------------------------- StorageClass

const MAX_PARAMETERS_BYTES = 256 * 1024;
const MAX_PROVISIONER_LENGTH = 63;

export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  const p = sc.provisioner;
  if (!p) errs.push(fieldErr.required('provisioner', ''));
  else {
    if (p.length > MAX_PROVISIONER_LENGTH) errs.push(fieldErr.tooLong('provisioner', MAX_PROVISIONER_LENGTH));
    for (const m of isQualifiedName(p.toLowerCase())) errs.push(fieldErr.invalid('provisioner', p, m));
  }
  let total = 0;
  for (const [k, v] of Object.entries(sc.parameters ?? {})) {
    if (k.length < 1) errs.push(fieldErr.invalid('parameters', k, 'field can not be empty.'));
    total += k.length + String(v).length;
  }
  if (total > MAX_PARAMETERS_BYTES) errs.push(fieldErr.tooLong('parameters', MAX_PARAMETERS_BYTES));
  const rp = sc.reclaimPolicy;
  if (rp != null && rp !== 'Delete' && rp !== 'Retain') errs.push(fieldErr.notSupported('reclaimPolicy', rp, ['Delete', 'Retain']));
  const bm = sc.volumeBindingMode;
  if (bm == null) errs.push(fieldErr.required('volumeBindingMode', ''));
  else if (bm !== 'Immediate' && bm !== 'WaitForFirstConsumer') errs.push(fieldErr.notSupported('volumeBindingMode', bm, ['Immediate', 'WaitForFirstConsumer']));
  (sc.allowedTopologies ?? []).forEach((term, i) => {
    const exprs = term?.matchLabelExpressions ?? [];
    if (exprs.length === 0) errs.push(fieldErr.required(`allowedTopologies[${i}].matchLabelExpressions`, 'must have at least one label selector'));
    exprs.forEach((req, j) => {
      const e = req ?? { key: '', values: [] }; // a JSON null element is the zero value
      const fp = `allowedTopologies[${i}].matchLabelExpressions[${j}]`;
      for (const m of isQualifiedName(e.key ?? '')) errs.push(fieldErr.invalid(`${fp}.key`, e.key, m));
      if ((e.values ?? []).length === 0) errs.push(fieldErr.required(`${fp}.values`, 'must specify as least one value'));
    });
  });
  return errs;
}

export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.push(fieldErr.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(fieldErr.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(fieldErr.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(fieldErr.invalid('volumeBindingMode', sc.volumeBindingMode ?? null, IMMUTABLE));
  return errs;
}
