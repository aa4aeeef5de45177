// ObjectMeta validation on create and update (labels, annotations,
// finalizers, owner references, name/namespace formats, immutable fields).

import type { ObjectMeta } from './meta.js';
import { fieldErr, type FieldError } from './field-errors.js';
import {
  isDNS1123Label,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  type NameValidator,
} from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Finalizers Kubernetes knows without a domain prefix. */
// With the CRD cleanup finalizer, which apiextensions-apiserver's own (apimachinery) meta validation accepts.
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion', 'customresourcecleanup.apiextensions.k8s.io']);

export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const map = labels ?? {};
  for (const k of Object.keys(map)) {
    const v = map[k];
    for (const m of isQualifiedName(k)) errs.push(fieldErr.invalid(field, k, m));
    if (typeof v !== 'string') {
      errs.push(fieldErr.invalid(field, v, 'label values must be strings'));
      continue;
    }
    for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(field, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  const map = annotations ?? {};
  for (const k of Object.keys(map)) {
    const v = map[k];
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldErr.invalid(field, k, m));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldErr.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export function validateFinalizers(finalizers: string[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (finalizers ?? []).forEach((f, i) => {
    const fp = `${field}[${i}]`;
    const qn = isQualifiedName(f);
    for (const m of qn) errs.push(fieldErr.invalid(fp, f, m));
    if (qn.length === 0 && !f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(fieldErr.invalid(fp, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
    if (seen.has(f)) errs.push(fieldErr.duplicate(fp, f));
    seen.add(f);
  });
  return errs;
}

export interface MetaOptions {
  namespaced: boolean;
  validateName: NameValidator;
}

/** ValidateObjectMeta: name/generateName, namespace scope, labels, annotations, owner refs, finalizers. */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: MetaOptions, field = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta || typeof meta !== 'object') return [fieldErr.required(field, '')];
  if (meta.generateName) {
    for (const m of opts.validateName(meta.generateName, true)) errs.push(fieldErr.invalid(`${field}.generateName`, meta.generateName, m));
  }
  if (!meta.name) {
    if (!meta.generateName) errs.push(fieldErr.required(`${field}.name`, 'name or generateName is required'));
  } else {
    for (const m of isValidPathSegmentName(meta.name)) errs.push(fieldErr.invalid(`${field}.name`, meta.name, m));
    for (const m of opts.validateName(meta.name, false)) errs.push(fieldErr.invalid(`${field}.name`, meta.name, m));
  }
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(fieldErr.required(`${field}.namespace`, ''));
    else for (const m of isDNS1123Label(meta.namespace)) errs.push(fieldErr.invalid(`${field}.namespace`, meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(fieldErr.forbidden(`${field}.namespace`, 'not allowed on this type'));
  }
  if (meta.generation !== undefined && meta.generation < 0) {
    errs.push(fieldErr.invalid(`${field}.generation`, meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, `${field}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${field}.annotations`));
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const fp = `${field}.ownerReferences[${i}]`;
    if (!ref.apiVersion) errs.push(fieldErr.invalid(`${fp}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(fieldErr.invalid(`${fp}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(fieldErr.invalid(`${fp}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(fieldErr.invalid(`${fp}.uid`, ref.uid ?? '', 'uid must not be empty'));
  });
  const controllers = (meta.ownerReferences ?? []).filter((r) => r.controller);
  if (controllers.length > 1) {
    errs.push(fieldErr.invalid(`${field}.ownerReferences`, meta.ownerReferences, 'Only one reference can have Controller set to true'));
  }
  // Absent finalizers have nothing to check (skips the Set and arrays validateFinalizers would build).
  if (meta.finalizers != null) errs.push(...validateFinalizers(meta.finalizers, `${field}.finalizers`));
  return errs;
}

/** ValidateObjectMetaUpdate: identity fields immutable, deletion state one-way, no new finalizers while deleting. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, field = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const immutable = (key: keyof ObjectMeta): void => {
    const nv = meta[key];
    const ov = old[key];
    if ((nv ?? '') !== (ov ?? '')) errs.push(fieldErr.invalid(`${field}.${key}`, nv ?? '', 'field is immutable'));
  };
  immutable('name');
  immutable('namespace');
  immutable('uid');
  immutable('creationTimestamp');
  if (old.deletionTimestamp && meta.deletionTimestamp !== old.deletionTimestamp) {
    errs.push(fieldErr.invalid(`${field}.deletionTimestamp`, meta.deletionTimestamp ?? null, 'field is immutable; may only be changed via deletion'));
  }
  if (
    old.deletionGracePeriodSeconds !== undefined &&
    meta.deletionGracePeriodSeconds !== old.deletionGracePeriodSeconds
  ) {
    errs.push(
      fieldErr.invalid(`${field}.deletionGracePeriodSeconds`, meta.deletionGracePeriodSeconds ?? null, 'field is immutable; may only be changed via deletion'),
    );
  }
  if ((meta.generation ?? 0) < (old.generation ?? 0)) {
    errs.push(fieldErr.invalid(`${field}.generation`, meta.generation ?? 0, 'must not be decremented'));
  }
  if (old.deletionTimestamp) {
    const before = new Set(old.finalizers ?? []);
    const added = (meta.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) {
      errs.push(
        fieldErr.forbidden(
          `${field}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
        ),
      );
    }
  }
  return errs;
}
