// The structural-schema rules of a CRD version's openAPIV3Schema (apiextensions-apiserver's
// schema/validation.go and the v3 standard checks): every node has a type except under
// x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields; object at the root;
// properties and additionalProperties exclusive; the unsupported keywords refused.
// The walk is bounded (MAX_SCHEMA_DEPTH): a hostile schema costs at most its size.

import { fieldErr, type FieldError } from './field-errors.js';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
/** Deeper schemas are refused; no real API nests near this. */
export const MAX_SCHEMA_DEPTH = 64;
const UNSUPPORTED: Record<string, string> = {
  $ref: '$ref is not supported',
  id: 'id is not supported',
  additionalItems: 'additionalItems is not supported',
  patternProperties: 'patternProperties is not supported',
  definitions: 'definitions is not supported',
  dependencies: 'dependencies is not supported',
};

type Level = 'root' | 'field' | 'item';
type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);
const key = (k: string) => `[${k}]`;

/** The structural errors of `schema` at `path` (statusEnabled: the version has the status subresource). */
export function validateStructural(schema: unknown, path: string, statusEnabled = false): FieldError[] {
  const errs: FieldError[] = [];
  if (!isNode(schema)) return [fieldErr.invalid(path, schema, 'must be an object')];
  walk(schema, path, 'root', 0, errs);
  if (statusEnabled && schema.type !== undefined && schema.type !== 'object') {
    errs.push(fieldErr.invalid(`${path}.type`, schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
  }
  const meta = isNode(schema.properties) && Object.hasOwn(schema.properties, 'metadata') ? schema.properties.metadata : undefined;
  if (isNode(meta)) {
    const extra = Object.keys(meta).some((k) => !['type', 'properties', 'description'].includes(k)) ||
      (isNode(meta.properties) && Object.keys(meta.properties).some((k) => k !== 'name' && k !== 'generateName'));
    if (extra) errs.push(fieldErr.forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  return errs;
}

function walk(s: Node, p: string, level: Level, depth: number, errs: FieldError[]): void {
  if (depth > MAX_SCHEMA_DEPTH) {
    errs.push(fieldErr.forbidden(p, `must not nest more than ${MAX_SCHEMA_DEPTH} levels`));
    return;
  }
  const type = s.type;
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [k, msg] of Object.entries(UNSUPPORTED)) if (Object.hasOwn(s, k)) errs.push(fieldErr.forbidden(`${p}.${k}`, msg));
  if (type !== undefined) {
    if (typeof type !== 'string' || type === '') errs.push(fieldErr.invalid(`${p}.type`, type, 'must be a string'));
    else if (type === 'null') errs.push(fieldErr.forbidden(`${p}.type`, 'type cannot be set to null'));
    else if (!TYPES.includes(type)) errs.push(fieldErr.notSupported(`${p}.type`, type, TYPES));
    if (intOrString) errs.push(fieldErr.invalid(`${p}.type`, type, 'must be empty if x-kubernetes-int-or-string is true'));
    if (level === 'root' && type !== 'object' && typeof type === 'string' && type) errs.push(fieldErr.invalid(`${p}.type`, type, 'must be object at the root'));
  } else if (!intOrString && !preserve) {
    const where = level === 'root' ? 'at the root' : level === 'item' ? 'for specified array items' : 'for specified object fields';
    errs.push(fieldErr.required(`${p}.type`, `must not be empty ${where}`));
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) errs.push(fieldErr.invalid(`${p}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  if (s.uniqueItems === true) errs.push(fieldErr.forbidden(`${p}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.nullable !== undefined && typeof s.nullable !== 'boolean') errs.push(fieldErr.invalid(`${p}.nullable`, s.nullable, 'must be a boolean'));
  if (s.pattern !== undefined) {
    try {
      if (typeof s.pattern !== 'string') throw new TypeError('not a string');
      new RegExp(s.pattern, 'u');
    } catch {
      errs.push(fieldErr.invalid(`${p}.pattern`, s.pattern, 'must be a valid regular expression'));
    }
  }
  if (s.required !== undefined && (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string'))) errs.push(fieldErr.invalid(`${p}.required`, s.required, 'must be a list of strings'));
  if (s.enum !== undefined && !Array.isArray(s.enum)) errs.push(fieldErr.invalid(`${p}.enum`, s.enum, 'must be a list'));

  const props = s.properties;
  if (props !== undefined) {
    if (!isNode(props)) errs.push(fieldErr.invalid(`${p}.properties`, props, 'must be an object'));
    else {
      if (type !== undefined && type !== 'object') errs.push(fieldErr.invalid(`${p}.type`, type, 'must be object if properties are specified'));
      for (const [name, child] of Object.entries(props)) {
        const cp = `${p}.properties${key(name)}`;
        if (!isNode(child)) errs.push(fieldErr.invalid(cp, child, 'must be an object'));
        else walk(child, cp, 'field', depth + 1, errs);
      }
    }
  }
  const add = s.additionalProperties;
  if (add !== undefined) {
    if (isNode(props) && Object.keys(props).length && (add === false || isNode(add))) {
      errs.push(fieldErr.forbidden(`${p}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
    }
    if (isNode(add)) walk(add, `${p}.additionalProperties`, 'field', depth + 1, errs);
    else if (typeof add !== 'boolean') errs.push(fieldErr.invalid(`${p}.additionalProperties`, add, 'must be a schema or a boolean'));
  }
  const items = s.items;
  if (items !== undefined) {
    if (Array.isArray(items)) errs.push(fieldErr.forbidden(`${p}.items`, 'items must be a schema object and not an array'));
    else if (!isNode(items)) errs.push(fieldErr.invalid(`${p}.items`, items, 'must be a schema object'));
    else walk(items, `${p}.items`, 'item', depth + 1, errs);
  } else if (type === 'array') errs.push(fieldErr.required(`${p}.items`, 'must be specified'));
  // Value validations (allOf/anyOf/oneOf/not) are kept; their nodes need no type.
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    const list = s[k];
    if (list !== undefined && !Array.isArray(list)) errs.push(fieldErr.invalid(`${p}.${k}`, list, 'must be a list of schemas'));
  }
}
