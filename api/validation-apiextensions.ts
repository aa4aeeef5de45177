// CustomResourceDefinition validation, as apiextensions-apiserver's validation.go (v1): the
// name rule, group, scope, versions (exactly one storage version), names, printer columns,
// subresources, conversion, and the schema, which v1 requires and which must be structural.

import type { CustomResourceDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionSpec, CustomResourceDefinitionVersion } from './apiextensions.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { isDNS1035Label, isDNS1123Subdomain } from './names.js';
import { validateStructural } from './crd-structural.js';

const SCOPES = ['Cluster', 'Namespaced'];
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** SetDefaults of a v1 CRD: singular and listKind from kind, conversion None. */
export function defaultCRD(crd: CustomResourceDefinition): void {
  const spec = crd.spec;
  if (!spec || typeof spec !== 'object') return;
  const names = spec.names;
  if (names && typeof names === 'object') {
    if (!names.singular && typeof names.kind === 'string') names.singular = names.kind.toLowerCase();
    if (!names.listKind && typeof names.kind === 'string' && names.kind) names.listKind = `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
}

export function validateCRD(crd: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const spec = (crd.spec ?? {});
  const name = crd.metadata?.name ?? '';
  if (name && name !== `${str(spec.names?.plural)}.${str(spec.group)}`) errs.push(fieldErr.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  errs.push(...validateSpec(spec));
  errs.push(...validateNames(crd.status?.acceptedNames, 'status.acceptedNames'));
  errs.push(...validateAPIApproval(crd));
  return errs;
}

const APPROVAL = 'api-approved.kubernetes.io';

/** Groups of the Kubernetes project (*.k8s.io, *.kubernetes.io) need the API-approval annotation. */
function validateAPIApproval(crd: CustomResourceDefinition): FieldError[] {
  const group = str(crd.spec?.group);
  const isProtected = ['k8s.io', 'kubernetes.io'].some((d) => group === d || group.endsWith(`.${d}`));
  if (!isProtected) return [];
  const ann = crd.metadata?.annotations;
  if (ann && typeof ann === 'object' && Object.hasOwn(ann, APPROVAL) && str(ann[APPROVAL])) return [];
  return [fieldErr.required(`metadata.annotations[${APPROVAL}]`, `protected groups must have approval annotation "${APPROVAL}", see https://github.com/kubernetes/enhancements/pull/1111`)];
}

/** Fields that may not change: group and plural always; scope and kind once established. */
export function validateCRDUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const immutable = (field: string, a: unknown, b: unknown) => {
    if (a !== b) errs.push(fieldErr.invalid(field, a, 'field is immutable'));
  };
  const established = (old.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
  if (established) {
    immutable('spec.scope', crd.spec?.scope, old.spec?.scope);
    immutable('spec.names.kind', crd.spec?.names?.kind, old.spec?.names?.kind);
  }
  immutable('spec.group', crd.spec?.group, old.spec?.group);
  immutable('spec.names.plural', crd.spec?.names?.plural, old.spec?.names?.plural);
  return errs;
}

/** A status write: the accepted names must still be well formed. */
export function validateCRDStatus(crd: CustomResourceDefinition): FieldError[] {
  return validateNames(crd.status?.acceptedNames, 'status.acceptedNames');
}

function validateSpec(spec: CustomResourceDefinitionSpec): FieldError[] {
  const errs: FieldError[] = [];
  const group = str(spec.group);
  if (!group) errs.push(fieldErr.required('spec.group'));
  else if (isDNS1123Subdomain(group).length) errs.push(fieldErr.invalid('spec.group', group, isDNS1123Subdomain(group).join(',')));
  else if (group.split('.').length < 2) errs.push(fieldErr.invalid('spec.group', group, 'should be a domain with at least one dot'));
  const scope = str(spec.scope);
  if (!scope) errs.push(fieldErr.required('spec.scope'));
  else if (!SCOPES.includes(scope)) errs.push(fieldErr.notSupported('spec.scope', scope, SCOPES));

  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    if (!v || typeof v !== 'object') return;
    if (v.storage === true) storage++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const p = `spec.versions[${i}]`;
    const nameErrs = isDNS1035Label(str(v.name));
    if (nameErrs.length) errs.push(fieldErr.invalid(`${p}.name`, v.name ?? '', nameErrs.join(',')));
    errs.push(...validateVersion(v, p));
  });
  if (versions.length === 0) errs.push(fieldErr.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  else {
    if (!unique) errs.push(fieldErr.invalid('spec.versions', versions, 'must contain unique version names'));
    if (storage !== 1) errs.push(fieldErr.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  }
  const names = (spec.names ?? {});
  if (!str(names.plural)) errs.push(fieldErr.required('spec.names.plural'));
  if (!str(names.singular)) errs.push(fieldErr.required('spec.names.singular'));
  if (!str(names.kind)) errs.push(fieldErr.required('spec.names.kind'));
  if (!str(names.listKind)) errs.push(fieldErr.required('spec.names.listKind'));
  errs.push(...validateNames(names, 'spec.names'));
  if (spec.preserveUnknownFields === true) {
    errs.push(fieldErr.invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  }
  const conv = spec.conversion;
  if (conv && typeof conv === 'object') {
    const strategy = str(conv.strategy);
    if (!strategy) errs.push(fieldErr.required('spec.conversion.strategy'));
    else if (!['None', 'Webhook'].includes(strategy)) errs.push(fieldErr.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
    else if (strategy === 'Webhook') errs.push(fieldErr.forbidden('spec.conversion.strategy', 'conversion webhooks are not supported by this server'));
    else if (conv.webhook !== undefined) errs.push(fieldErr.forbidden('spec.conversion.webhook', 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

export function validateNames(names: CustomResourceDefinitionNames | undefined, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!names || typeof names !== 'object') return errs;
  const label = (field: string, v: unknown, mixed = false) => {
    const s = str(v);
    if (!s) return;
    const e = isDNS1035Label(mixed ? s.toLowerCase() : s);
    if (e.length) errs.push(fieldErr.invalid(field, s, (mixed ? 'may have mixed case, but should otherwise match: ' : '') + e.join(',')));
  };
  label(`${p}.plural`, names.plural);
  label(`${p}.singular`, names.singular);
  label(`${p}.kind`, names.kind, true);
  label(`${p}.listKind`, names.listKind, true);
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s, i) => {
    const e = isDNS1035Label(str(s));
    if (e.length) errs.push(fieldErr.invalid(`${p}.shortNames[${i}]`, s, e.join(',')));
  });
  if (str(names.kind) && names.kind === names.listKind) errs.push(fieldErr.invalid(`${p}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (Array.isArray(names.categories) ? names.categories : []).forEach((c, i) => {
    const e = isDNS1035Label(str(c));
    if (e.length) errs.push(fieldErr.invalid(`${p}.categories[${i}]`, c, e.join(',')));
  });
  return errs;
}

function validateVersion(v: CustomResourceDefinitionVersion, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const schema = v.schema?.openAPIV3Schema;
  if (schema === undefined || schema === null) errs.push(fieldErr.required(`${p}.schema.openAPIV3Schema`, 'schemas are required'));
  else errs.push(...validateStructural(schema, `${p}.schema.openAPIV3Schema`, v.subresources?.status !== undefined));
  const sub = v.subresources;
  if (sub?.scale) {
    const sp = `${p}.subresources.scale`;
    const jsonPath = (field: string, val: unknown, under: string | undefined, required: boolean) => {
      const s = str(val);
      if (!s) {
        if (required) errs.push(fieldErr.required(`${sp}.${field}`));
        return;
      }
      if (s[0] !== '.') errs.push(fieldErr.invalid(`${sp}.${field}`, s, 'must be a simple json path starting with .'));
      else if (under && !s.startsWith(`.${under}.`)) errs.push(fieldErr.invalid(`${sp}.${field}`, s, `should be a json path under .${under}`));
    };
    jsonPath('specReplicasPath', sub.scale.specReplicasPath, 'spec', true);
    jsonPath('statusReplicasPath', sub.scale.statusReplicasPath, 'status', true);
    jsonPath('labelSelectorPath', sub.scale.labelSelectorPath, 'status', false);
  }
  (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).forEach((c, i) => {
    const cp = `${p}.additionalPrinterColumns[${i}]`;
    if (!str(c?.name)) errs.push(fieldErr.required(`${cp}.name`));
    if (!str(c?.type)) errs.push(fieldErr.required(`${cp}.type`, `must be one of ${COLUMN_TYPES.join(',')}`));
    else if (!COLUMN_TYPES.includes(c.type)) errs.push(fieldErr.invalid(`${cp}.type`, c.type, `must be one of ${COLUMN_TYPES.join(',')}`));
    if (str(c?.format) && !COLUMN_FORMATS.includes(c.format!)) errs.push(fieldErr.invalid(`${cp}.format`, c.format, `must be one of ${COLUMN_FORMATS.join(',')}`));
    const jp = str(c?.jsonPath);
    if (!jp) errs.push(fieldErr.required(`${cp}.jsonPath`));
    else if (jp[0] !== '.') errs.push(fieldErr.invalid(`${cp}.jsonPath`, jp, 'must be a simple json path starting with .'));
  });
  return errs;
}
