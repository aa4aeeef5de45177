// A custom resource against its version's structural schema, in upstream's order: unknown
// fields pruned (reported for fieldValidation), defaults applied, then the value validation
// (kube-openapi's checks and messages, as apiextensions-apiserver reports them). apiVersion,
// kind and metadata are implicit at the root and never pruned here. CEL rules
// (x-kubernetes-validations) are accepted in schemas but not evaluated.

import { fieldErr, type FieldError } from './field-errors.js';

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);
const IMPLICIT_ROOT = new Set(['apiVersion', 'kind', 'metadata']);

function childPath(p: string, k: string): string {
  return p ? `${p}.${k}` : k;
}

/** Defines `k` on `o` as an own data property (never the `__proto__` setter). */
function setOwn(o: Node, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

const propOf = (s: Node, k: string): Node | undefined => {
  const props = s.properties;
  return isNode(props) && Object.hasOwn(props, k) && isNode(props[k]) ? (props[k]) : undefined;
};

/** Removes fields the schema does not specify; returns their paths (for Strict and Warn). */
export function prune(obj: unknown, schema: Node): string[] {
  const unknown: string[] = [];
  pruneNode(obj, schema, '', true, unknown);
  return unknown;
}

function pruneNode(v: unknown, s: Node, p: string, root: boolean, unknown: string[]): void {
  if (s['x-kubernetes-preserve-unknown-fields'] === true && !isNode(s.properties) && !isNode(s.additionalProperties) && !isNode(s.items)) return;
  if (Array.isArray(v)) {
    if (isNode(s.items)) v.forEach((item, i) => pruneNode(item, s.items as Node, `${p}[${i}]`, false, unknown));
    return;
  }
  if (!isNode(v)) return;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  for (const k of Object.keys(v)) {
    if (root && IMPLICIT_ROOT.has(k)) continue;
    const child = propOf(s, k) ?? (isNode(s.additionalProperties) ? (s.additionalProperties) : undefined);
    if (child) pruneNode(v[k], child, childPath(p, k), false, unknown);
    else if (!preserve && s.additionalProperties !== true) {
      unknown.push(childPath(p, k));
      delete v[k];
    }
  }
}

/** Fills unset fields that have a `default` (structuredClone'd), top-down. */
export function applySchemaDefaults(v: unknown, s: Node, depth = 0): void {
  if (depth > 200) return;
  if (Array.isArray(v)) {
    if (isNode(s.items)) for (const item of v) applySchemaDefaults(item, s.items, depth + 1);
    return;
  }
  if (!isNode(v)) return;
  const props = s.properties;
  if (isNode(props)) {
    for (const [k, child] of Object.entries(props)) {
      if (!isNode(child)) continue;
      if (!Object.hasOwn(v, k) && child.default !== undefined) setOwn(v, k, structuredClone(child.default));
      if (Object.hasOwn(v, k)) applySchemaDefaults(v[k], child, depth + 1);
    }
  }
  if (isNode(s.additionalProperties)) for (const k of Object.keys(v)) applySchemaDefaults(v[k], s.additionalProperties, depth + 1);
}

/** The value validation of `obj` against the schema, with upstream's field paths and words. */
export function validateAgainstSchema(obj: unknown, schema: Node): FieldError[] {
  const errs: FieldError[] = [];
  validateNode(obj, schema, '', true, errs, 0);
  return errs;
}

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, type: string): boolean {
  const t = jsonTypeOf(v);
  return t === type || (type === 'number' && t === 'integer');
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function validateNode(v: unknown, s: Node, p: string, root: boolean, errs: FieldError[], depth: number): void {
  if (depth > 200) return;
  const field = p || '<root>';
  const type = typeof s.type === 'string' ? s.type : undefined;
  if (v === null) {
    if (s.nullable === true) return;
    if (type) errs.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "null": ${field} in body must be of type ${type}: "null"` });
    return;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) {
      errs.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "${jsonTypeOf(v)}": ${field} in body must be of type integer,string: "${jsonTypeOf(v)}"` });
      return;
    }
  } else if (type && !typeMatches(v, type)) {
    errs.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "${jsonTypeOf(v)}": ${field} in body must be of type ${type}: "${jsonTypeOf(v)}"` });
    return;
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    errs.push(fieldErr.notSupported(field, v, s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  }
  if (typeof v === 'string') validateString(v, s, field, errs);
  if (typeof v === 'number') validateNumber(v, s, field, errs);
  if (Array.isArray(v)) {
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) errs.push({ reason: 'FieldValueTooMany', field, message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
    if (typeof s.minItems === 'number' && v.length < s.minItems) errs.push(fieldErr.invalid(field, v.length, `${field} in body should have at least ${s.minItems} items`));
    if (isNode(s.items)) v.forEach((item, i) => validateNode(item, s.items as Node, `${p}[${i}]`, false, errs, depth + 1));
  }
  if (isNode(v)) {
    const n = Object.keys(v).length;
    if (typeof s.maxProperties === 'number' && n > s.maxProperties) errs.push({ reason: 'FieldValueTooMany', field, message: `Too many: ${n}: must have at most ${s.maxProperties} items` });
    if (typeof s.minProperties === 'number' && n < s.minProperties) errs.push(fieldErr.invalid(field, n, `${field} in body should have at least ${s.minProperties} properties`));
    if (Array.isArray(s.required)) {
      for (const r of s.required) if (typeof r === 'string' && !Object.hasOwn(v, r)) errs.push(fieldErr.required(childPath(p, r)));
    }
    for (const k of Object.keys(v)) {
      if (root && IMPLICIT_ROOT.has(k)) continue;
      const child = propOf(s, k) ?? (isNode(s.additionalProperties) ? (s.additionalProperties) : undefined);
      if (child) validateNode(v[k], child, childPath(p, k), false, errs, depth + 1);
    }
  }
}

function validateString(v: string, s: Node, field: string, errs: FieldError[]): void {
  const len = [...v].length;
  if (typeof s.maxLength === 'number' && len > s.maxLength) errs.push(fieldErr.tooLong(field, s.maxLength));
  if (typeof s.minLength === 'number' && len < s.minLength) errs.push(fieldErr.invalid(field, v, `${field} in body should be at least ${s.minLength} chars long`));
  if (typeof s.pattern === 'string') {
    let re: RegExp | undefined;
    try {
      re = new RegExp(s.pattern, 'u');
    } catch {
      re = undefined;
    }
    if (re && !re.test(v)) errs.push(fieldErr.invalid(field, v, `${field} in body should match '${s.pattern}'`));
  }
  if (s.format === 'date-time' && !DATE_TIME.test(v)) errs.push(fieldErr.invalid(field, v, `${field} in body must be of type date-time: ${JSON.stringify(v)}`));
}

function validateNumber(v: number, s: Node, field: string, errs: FieldError[]): void {
  if (typeof s.maximum === 'number') {
    if (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum) errs.push(fieldErr.invalid(field, v, `${field} in body should be less than ${s.exclusiveMaximum === true ? '' : 'or equal to '}${s.maximum}`));
  }
  if (typeof s.minimum === 'number') {
    if (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum) errs.push(fieldErr.invalid(field, v, `${field} in body should be greater than ${s.exclusiveMinimum === true ? '' : 'or equal to '}${s.minimum}`));
  }
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && !Number.isInteger(v / s.multipleOf)) errs.push(fieldErr.invalid(field, v, `${field} in body should be a multiple of ${s.multipleOf}`));
  if (s.format === 'int32' && (v < -2147483648 || v > 2147483647)) errs.push(fieldErr.invalid(field, v, `${field} in body must be of type int32: "${v}"`));
}
