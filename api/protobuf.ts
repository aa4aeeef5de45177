// Decodes Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf)
// into the same plain JSON object the JSON encoding of the object would be, so the rest of the
// apiserver only ever sees JSON-shaped objects. kubectl's typed clients send bodies this way.
import type { KubeObject } from './meta.js';
import { ProtobufError, readFields, readVarint, type WireField } from './proto/wire.js';
import { KINDS, SCHEMA, type FieldSpec } from './proto/schema.js';
import { setOwn } from './own-keys.js';

export { ProtobufError } from './proto/wire.js';

/** The 4-byte prefix of every Kubernetes protobuf-encoded object. */
export const K8S_PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
export const K8S_PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/**
 * Decodes magic + runtime.Unknown envelope + typed payload into a JSON-shaped object.
 * Throws ProtobufError; `err.unsupportedKind` distinguishes 415 (kind not known) from 400 (malformed).
 */
export function decodeK8sProtobuf(body: Buffer): KubeObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(K8S_PROTOBUF_MAGIC)) {
    throw new ProtobufError('body does not start with the Kubernetes protobuf magic "k8s\\0"');
  }
  const unknown = decodeMessage(body.subarray(4), 'Unknown');
  const typeMeta = (unknown.typeMeta ?? {}) as JsonObject;
  const apiVersion = typeof typeMeta.apiVersion === 'string' ? typeMeta.apiVersion : '';
  const kind = typeof typeMeta.kind === 'string' ? typeMeta.kind : '';
  if (!apiVersion || !kind) throw new ProtobufError('envelope is missing typeMeta.apiVersion or typeMeta.kind');
  if (unknown.contentEncoding) {
    const enc = unknown.contentEncoding;
    throw new ProtobufError(`unsupported contentEncoding "${typeof enc === 'string' ? enc : JSON.stringify(enc)}"`, true);
  }
  const msg = KINDS[`${apiVersion}/${kind}`];
  if (!msg) throw new ProtobufError(`protobuf decoding of ${apiVersion} ${kind} is not supported`, true);
  const raw = typeof unknown.raw === 'string' ? Buffer.from(unknown.raw, 'base64') : Buffer.alloc(0);
  const obj = decodeMessage(raw, msg);
  return { apiVersion, kind, ...obj } as KubeObject;
}

/** Decodes one message by schema name into a JSON object (unknown field numbers are skipped, as protobuf does). */
export function decodeMessage(buf: Buffer, msgName: string): JsonObject {
  const spec = SCHEMA[msgName];
  if (!spec) throw new ProtobufError(`no schema for message ${msgName}`, true);
  const byNum = new Map<number, FieldSpec>(spec.map((f) => [f[0], f]));
  const out: JsonObject = {};
  for (const field of readFields(buf)) {
    const f = byNum.get(field.num);
    if (!f) continue;
    const [, name, type, flags = ''] = f;
    if (flags.includes('m')) {
      const [k, v] = decodeMapEntry(field, type, msgName, name);
      const map = (out[name] ??= {}) as JsonObject;
      setOwn(map, k, v); // map keys are user data ("__proto__" too)
    } else if (flags.includes('r')) {
      const arr = (out[name] ??= []) as Json[];
      for (const v of decodeRepeated(field, type, `${msgName}.${name}`)) arr.push(v);
    } else if (flags.includes('i')) {
      Object.assign(out, decodeMessage(bytesOf(field, `${msgName} inline ${type}`), type));
    } else {
      const v = decodeValue(field, type, `${msgName}.${name}`);
      if (v === undefined || (!flags.includes('k') && isZeroScalar(v))) delete out[name];
      else out[name] = v;
    }
  }
  return out;
}

// gogo-proto writes every non-pointer scalar, even "" / 0 / false; JSON omitempty drops those.
function isZeroScalar(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

function bytesOf(field: WireField, where: string): Buffer {
  if (field.v.wire !== 2) throw new ProtobufError(`${where}: expected length-delimited field, got wire type ${field.v.wire}`);
  return field.v.value;
}

function varintOf(field: WireField, where: string): bigint {
  if (field.v.wire !== 0) throw new ProtobufError(`${where}: expected varint field, got wire type ${field.v.wire}`);
  return field.v.value;
}

function decodeMapEntry(field: WireField, valueType: string, msgName: string, name: string): [string, Json] {
  const where = `${msgName}.${name}`;
  let key = '';
  let value: Json | undefined;
  for (const ef of readFields(bytesOf(field, where))) {
    if (ef.num === 1) key = bytesOf(ef, `${where} key`).toString('utf8');
    else if (ef.num === 2) value = decodeValue(ef, valueType, `${where}[${key}]`);
  }
  // An absent value in a map entry is the type's zero value.
  if (value === undefined) value = valueType === 'Q' ? '0' : valueType === 'B' ? false : valueType.startsWith('i') ? 0 : '';
  return [key, value];
}

function decodeRepeated(field: WireField, type: string, where: string): Json[] {
  // Numeric repeated fields may arrive packed (one length-delimited run of varints).
  if ((type === 'i32' || type === 'i64' || type === 'B') && field.v.wire === 2) {
    const out: Json[] = [];
    const buf = field.v.value;
    let pos = 0;
    while (pos < buf.length) {
      const [v, p] = readVarint(buf, pos);
      pos = p;
      out.push(scalarFromVarint(v, type));
    }
    return out;
  }
  const v = decodeValue(field, type, where);
  return v === undefined ? [] : [v];
}

function scalarFromVarint(v: bigint, type: string): Json {
  if (type === 'B') return v !== 0n;
  if (type === 'i32') return Number(BigInt.asIntN(32, v));
  return Number(BigInt.asIntN(64, v));
}

/** Returns undefined for zero Time/MicroTime (the JSON form would be null; we omit it). */
function decodeValue(field: WireField, type: string, where: string): Json | undefined {
  switch (type) {
    case 's':
      return bytesOf(field, where).toString('utf8');
    case 'b':
      return bytesOf(field, where).toString('base64');
    case 'B':
    case 'i32':
    case 'i64':
      return scalarFromVarint(varintOf(field, where), type);
    case 'T':
    case 'MT':
      return decodeTime(bytesOf(field, where), type === 'MT', where);
    case 'IOS':
      return decodeIntOrString(bytesOf(field, where), where);
    case 'Q': {
      const q = readFields(bytesOf(field, where)).find((f) => f.num === 1);
      return q ? bytesOf(q, `${where} quantity`).toString('utf8') : '0';
    }
    case 'RAW': {
      const r = readFields(bytesOf(field, where)).find((f) => f.num === 1);
      if (!r) return {};
      try {
        return JSON.parse(bytesOf(r, `${where} raw`).toString('utf8')) as Json;
      } catch {
        throw new ProtobufError(`${where}: fieldsV1 raw bytes are not valid JSON`);
      }
    }
    default:
      return decodeMessage(bytesOf(field, where), type);
  }
}

function decodeTime(buf: Buffer, micro: boolean, where: string): string | undefined {
  let seconds = 0n;
  let nanos = 0;
  for (const f of readFields(buf)) {
    if (f.num === 1) seconds = BigInt.asIntN(64, varintOf(f, `${where}.seconds`));
    else if (f.num === 2) nanos = Number(BigInt.asIntN(32, varintOf(f, `${where}.nanos`)));
  }
  if (seconds === 0n && nanos === 0) return undefined;
  const ms = Number(seconds) * 1000;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new ProtobufError(`${where}: time out of range`);
  const base = d.toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
  // metav1.Time serialises with second precision; MicroTime with exactly 6 fractional digits.
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function decodeIntOrString(buf: Buffer, where: string): number | string {
  let kind = 0n;
  let intVal = 0;
  let strVal = '';
  for (const f of readFields(buf)) {
    if (f.num === 1) kind = varintOf(f, `${where}.type`);
    else if (f.num === 2) intVal = Number(BigInt.asIntN(32, varintOf(f, `${where}.intVal`)));
    else if (f.num === 3) strVal = bytesOf(f, `${where}.strVal`).toString('utf8');
  }
  if (kind === 0n) return intVal;
  if (kind === 1n) return strVal;
  throw new ProtobufError(`${where}: IntOrString type ${kind} is neither 0 (int) nor 1 (string)`);
}
