// /openapi/v2 in the gnostic protobuf form kubectl asks for (openapi_v2.Document). kubectl
// validates on the client what the server does not validate itself (the items of a `kind: List`
// file) against its definitions, finding each kind by x-kubernetes-group-version-kind. Only what
// that needs is encoded: swagger, info, and definitions with ref, format, description, required,
// enum, additionalProperties, type, items, properties and vendor extensions (YAML values).
// Field numbers are those of gnostic's OpenAPIv2.proto.

import type { Schema } from '../api/openapi-schema.js';

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A length-delimited field (strings, bytes, embedded messages). */
function field(num: number, body: string | Buffer): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([varint((num << 3) | 2), varint(b.length), b]);
}


/** A JSON value as YAML flow text (JSON is YAML), in an Any { yaml = 2 }. */
const anyYaml = (v: unknown) => field(2, JSON.stringify(v));

function schema(s: Schema): Buffer {
  const parts: Buffer[] = [];
  if (s.$ref) parts.push(field(1, s.$ref));
  if (s.format) parts.push(field(2, s.format));
  if (s.description) parts.push(field(4, s.description));
  for (const r of s.required ?? []) parts.push(field(19, r));
  for (const e of s.enum ?? []) parts.push(field(20, anyYaml(e)));
  if (s.additionalProperties) parts.push(field(21, field(1, schema(s.additionalProperties))));
  if (s.type) parts.push(field(22, field(1, s.type)));
  if (s.items) parts.push(field(23, field(1, schema(s.items))));
  if (s.properties) parts.push(field(25, Buffer.concat(Object.entries(s.properties).map(([k, p]) => field(1, Buffer.concat([field(1, k), field(2, schema(p))]))))));
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-')) parts.push(field(31, Buffer.concat([field(1, k), field(2, anyYaml(v))])));
  }
  return Buffer.concat(parts);
}

/** The Document with these definitions. */
export function openapiV2Protobuf(definitions: Readonly<Record<string, Schema>>): Buffer {
  const defs = Object.entries(definitions).map(([name, s]) => field(1, Buffer.concat([field(1, name), field(2, schema(s))])));
  return Buffer.concat([field(1, '2.0'), field(2, Buffer.concat([field(1, 'Kubernetes'), field(2, 'v1')])), field(9, Buffer.concat(defs))]);
}

