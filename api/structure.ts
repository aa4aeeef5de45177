// Decode-time structure check: what Kubernetes' typed JSON decoding rejects
// before validation runs. Wrong JSON types (a string where a list belongs, 1.5
// for an int32) are errors; fields the schema does not know are reported so
// the apiserver can honour ?fieldValidation=Strict|Warn|Ignore (and prune
// them). The fields and their types come from the OpenAPI definitions generated
// from the types in api/ (openapi-definitions.ts); types marked
// x-kubernetes-preserve-unknown-fields accept unknown fields.

import { DEFINITIONS } from './openapi-definitions.js';
import { refName, type Schema } from './openapi-schema.js';
import { canonicalQuantity } from './quantity.js';

type Scalar = 'string' | 'int' | 'int64' | 'bool' | 'number' | 'intstr' | 'quantity' | 'time' | 'any' | 'object';
type Desc = Scalar | { list: Desc } | { map: Desc } | { ref: string } | { inline: TypeDef };

interface TypeDef {
  /** Unknown fields allowed (for types only partly listed here). */
  open?: boolean;
  fields: Record<string, Desc>;
}

/** Special types by definition name: what Go decodes them as. */
const SPECIAL: Record<string, Scalar> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'intstr',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'io.k8s.apimachinery.pkg.runtime.RawExtension': 'any',
};

/** Root definition of each kind by name (kinds are unique across the groups served). */
const KIND_ROOTS = new Map<string, string>();
for (const [name, d] of Object.entries(DEFINITIONS)) for (const g of d['x-kubernetes-group-version-kind'] ?? []) if (!KIND_ROOTS.has(g.kind)) KIND_ROOTS.set(g.kind, name);

function descOf(s: Schema): Desc {
  if (s.$ref) {
    const name = refName(s.$ref);
    return Object.prototype.hasOwnProperty.call(SPECIAL, name) ? SPECIAL[name] : { ref: name };
  }
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
      return s.format === 'int64' ? 'int64' : 'int';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    case 'array':
      return { list: s.items ? descOf(s.items) : 'any' };
    default:
      if (s.additionalProperties) return { map: descOf(s.additionalProperties) };
      return s.properties ? { inline: typeDefOf(s) } : 'object';
  }
}

function typeDefOf(s: Schema): TypeDef {
  const fields: Record<string, Desc> = {};
  for (const [k, p] of Object.entries(s.properties ?? {})) fields[k] = descOf(p);
  return { open: s['x-kubernetes-preserve-unknown-fields'] === true, fields };
}

/** The field table of a definition, made from the generated schemas once and kept. */
const TYPE_DEFS = new Map<string, TypeDef>();
function typeDef(name: string): TypeDef {
  let d = TYPE_DEFS.get(name);
  if (!d) {
    d = typeDefOf(DEFINITIONS[name]);
    TYPE_DEFS.set(name, d);
  }
  return d;
}

export interface StructureResult {
  /** Type errors, worded like Go's JSON decoder; any one makes the body a 400. */
  errors: string[];
  /** Paths of fields the schema does not know, e.g. "spec.containers[0].foo". */
  unknown: string[];
}

export interface StructureOptions {
  /** Delete unknown fields from the object (fieldValidation=Ignore/Warn behaviour). */
  prune?: boolean;
  /** From codec.floatIntegersOf: integral numbers the JSON body wrote as floats ("1e3"), refused for integer fields as Go does. */
  floatIntegers?: ReadonlyMap<string, string>;
}

function goType(d: Desc): string {
  if (typeof d === 'string') {
    switch (d) {
      case 'string':
      case 'time':
        return d === 'time' ? 'v1.Time' : 'string';
      case 'int':
        return 'int32';
      case 'int64':
        return 'int64';
      case 'bool':
        return 'bool';
      case 'number':
        return 'float64';
      case 'intstr':
        return 'intstr.IntOrString';
      case 'quantity':
        return 'resource.Quantity';
      default:
        return 'object';
    }
  }
  if ('list' in d) return `[]${goType(d.list)}`;
  if ('map' in d) return `map[string]${goType(d.map)}`;
  if ('inline' in d) return 'struct';
  return `v1.${d.ref.slice(d.ref.lastIndexOf('.') + 1)}`;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return `number ${v}`;
  return typeof v === 'object' ? 'object' : typeof v;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function scalarOk(d: Scalar, v: unknown): boolean {
  switch (d) {
    case 'string':
    case 'time':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
    case 'int64':
      // 2^63 itself is the first double past int64's maximum.
      return typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63;
    case 'number':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'intstr':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647);
    case 'quantity':
      return typeof v === 'string' || typeof v === 'number';
    case 'object':
      return isObj(v);
    case 'any':
      return true;
  }
}

/** Check `obj` against the schema of `kind`; unknown kinds pass unchecked. */
export function checkStructure(kind: string, obj: unknown, opts: StructureOptions = {}): StructureResult {
  const res: StructureResult = { errors: [], unknown: [] };
  const root = KIND_ROOTS.get(kind);
  if (root === undefined) return res;
  if (!isObj(obj)) {
    res.errors.push(`json: cannot unmarshal ${jsonType(obj)} into Go value of type v1.${kind}`);
    return res;
  }
  new Walker(res, !!opts.prune, opts.floatIntegers).fields(obj, typeDef(root), kind);
  return res;
}

/** A number given for a quantity, as the string Kubernetes would store (non-finite ones fail validation later). */
function quantityFromNumber(n: number): string {
  try {
    return canonicalQuantity(n);
  } catch {
    return String(n);
  }
}

const FIELD = 0;
const INDEX = 1;
const MAP_KEY = 2;
type SegmentTag = typeof FIELD | typeof INDEX | typeof MAP_KEY;

/** Go's zero value of a list element type, or undefined where null stays (untyped objects, quantities). */
function zeroValue(d: Desc): unknown {
  if (typeof d !== 'string') return 'ref' in d || 'inline' in d ? {} : undefined;
  switch (d) {
    case 'string':
      return '';
    case 'int':
    case 'int64':
    case 'number':
      return 0;
    case 'bool':
      return false;
    default:
      return undefined;
  }
}

/**
 * One structure check. The current position is kept as a stack of segments and
 * only rendered into path strings when something is reported, since nearly
 * every body is well-formed.
 */
class Walker {
  private readonly segs: (string | number)[] = [];
  private readonly tags: SegmentTag[] = [];

  constructor(
    private readonly res: StructureResult,
    private readonly prune: boolean,
    private readonly floatIntegers?: ReadonlyMap<string, string>,
  ) {}

  /** The fields of a struct value of type `typeName`. */
  fields(v: Record<string, unknown>, def: TypeDef, typeName: string): void {
    for (const k of Object.keys(v)) {
      const el = v[k];
      // Own fields only: "constructor" in a body is an unknown field, not Object's.
      const fd = Object.prototype.hasOwnProperty.call(def.fields, k) ? def.fields[k] : undefined;
      this.push(k, FIELD);
      if (!fd) {
        if (!def.open) {
          this.res.unknown.push(this.path());
          if (this.prune) delete v[k];
        }
      } else if (el === null) {
        // Go decodes a null field to its zero value, which it does not write back (omitempty): the field is unset.
        delete v[k];
      } else {
        this.value(el, fd, typeName);
      }
      this.pop();
    }
  }

  /** A value of the field on top of the stack, which belongs to struct type `owner`. */
  private value(v: unknown, d: Desc, owner: string): void {
    if (v === null || v === undefined) return; // null decodes to the zero value
    if (typeof d === 'string') {
      const ok = scalarOk(d, v);
      if ((d === 'int' || d === 'int64') && this.floatIntegers && typeof v === 'number') {
        // Go names the literal as written ("1e3"), and refuses it even when its value is in range.
        const name = this.segs[this.segs.length - 1];
        const literal = typeof name === 'string' ? this.floatIntegers.get(name) : undefined;
        if (literal !== undefined && Number(literal) === v) return this.typeError(v, d, owner, literal);
      }
      if (!ok) this.typeError(v, d, owner);
      return;
    }
    if ('list' in d) {
      if (!Array.isArray(v)) return this.typeError(v, d, owner);
      for (let i = 0, n = v.length; i < n; i++) {
        if (!(i in v)) continue; // holes, as forEach skips them
        // A null element decodes to its type's zero value in Go ({} for a struct): never a null in a typed list.
        if (v[i] === null) {
          const zero = zeroValue(d.list);
          if (zero !== undefined) v[i] = zero;
        }
        this.push(i, INDEX);
        this.value(v[i], d.list, owner);
        this.pop();
      }
      return;
    }
    if ('map' in d) {
      if (!isObj(v)) return this.typeError(v, d, owner);
      for (const k of Object.keys(v)) {
        const el = v[k];
        this.push(k, MAP_KEY);
        // Quantities may be JSON numbers (`cpu: 1`); they are stored as the canonical string, as Go does.
        if (d.map === 'quantity' && typeof el === 'number') v[k] = quantityFromNumber(el);
        else this.value(el, d.map, owner);
        this.pop();
      }
      return;
    }
    if (!isObj(v)) return this.typeError(v, d, owner);
    if ('inline' in d) this.fields(v, d.inline, owner);
    else this.fields(v, typeDef(d.ref), d.ref.slice(d.ref.lastIndexOf('.') + 1));
  }

  private typeError(v: unknown, d: Desc, owner: string, literal?: string): void {
    this.res.errors.push(`json: cannot unmarshal ${literal !== undefined ? `number ${literal}` : jsonType(v)} into Go struct field ${owner}.${this.goPath()} of type ${goType(d)}`);
  }

  private push(seg: string | number, tag: SegmentTag): void {
    this.segs.push(seg);
    this.tags.push(tag);
  }

  private pop(): void {
    this.segs.pop();
    this.tags.pop();
  }

  /** User-facing path: "spec.containers[0].ports[1].name", map keys in brackets. */
  private path(): string {
    let out = '';
    for (let i = 0; i < this.segs.length; i++) {
      const seg = this.segs[i];
      if (this.tags[i] !== FIELD) out += `[${seg}]`;
      else out += out ? `.${seg}` : seg;
    }
    return out;
  }

  /** Go decoder's path: field names only, "spec.containers.ports.name". */
  private goPath(): string {
    let out = '';
    for (let i = 0; i < this.segs.length; i++) {
      if (this.tags[i] === FIELD) out += out ? `.${this.segs[i]}` : this.segs[i];
    }
    return out;
  }
}

/** The 400 message Kubernetes gives for an undecodable body. */
export function structureErrorMessage(kind: string, res: StructureResult, apiVersion = 'v1'): string | undefined {
  if (res.errors.length === 0) return undefined;
  return `${kind} in version "${apiVersion}" cannot be handled as a ${kind}: ${res.errors[0]}`;
}

/** What strict decoding objects to: each duplicated key of the body, then each unknown field. */
export function strictProblems(res: StructureResult, duplicates: readonly string[] = []): string[] {
  return [...duplicates.map((p) => `duplicate field "${p}"`), ...res.unknown.map((p) => `unknown field "${p}"`)];
}

/** The strict-decoding message for duplicate and unknown fields (fieldValidation=Strict), or undefined. */
export function unknownFieldsMessage(res: StructureResult, duplicates: readonly string[] = []): string | undefined {
  const problems = strictProblems(res, duplicates);
  return problems.length ? `strict decoding error: ${problems.join(', ')}` : undefined;
}
