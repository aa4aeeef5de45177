// Request/response codecs: decode bodies by Content-Type (JSON, YAML, the
// patch media types), encode JSON/YAML, negotiate Accept (including
// `as=Table`), and split multi-document manifests for `kubecfg -f`.

import yaml from 'js-yaml';
import type { KubeObject, Status } from './meta.js';
import { failureStatus } from './status.js';
import { JSONDepthError, scanJSON } from './json-scan.js';
import { duplicateFields } from './json-duplicates.js';

/** Kubernetes' default request body limit (3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export type CodecErrorReason = 'BadRequest' | 'UnsupportedMediaType' | 'RequestEntityTooLarge' | 'NotAcceptable';

const CODE: Record<CodecErrorReason, number> = {
  BadRequest: 400,
  NotAcceptable: 406,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
};

/** A body that cannot be decoded, or a media type we cannot speak; `toStatus()` gives the HTTP answer. */
export class CodecError extends Error {
  readonly code: number;
  constructor(
    readonly reason: CodecErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'CodecError';
    this.code = CODE[reason];
  }

  toStatus(): Status {
    return failureStatus(this.code, this.reason, this.message);
  }
}

// YAML 1.2 core schema (no timestamps turning into Dates) plus YAML 1.1 style
// leading-zero octal ints, since manifests write `defaultMode: 0644` meaning 420.
const octalInt = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (d: string | null) => d !== null && /^[-+]?0[0-7]+$/.test(d),
  construct: (d: string) => parseInt(d, 8),
  predicate: () => false,
});
const YAML_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [octalInt] });

export type BodyFormat = 'json' | 'yaml';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = keyof typeof PATCH_TYPES;

// A request asks for the media type of the same header several times; remember the last answer.
let lastContentType: string | undefined;
let lastMediaType = '';

/** The bare media type, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  if (typeof contentType !== 'string') return (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (contentType === lastContentType) return lastMediaType;
  const semi = contentType.indexOf(';');
  lastMediaType = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  lastContentType = contentType;
  return lastMediaType;
}

const PATCH_TYPE_BY_MEDIA_TYPE = new Map<string, PatchType>(Object.entries(PATCH_TYPES).map(([k, mt]) => [mt, k as PatchType]));

/** Which patch kind a Content-Type names, or undefined. */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  return PATCH_TYPE_BY_MEDIA_TYPE.get(mediaType(contentType));
}

function formatOf(contentType: string | undefined): BodyFormat {
  const mt = mediaType(contentType);
  switch (mt) {
    case '':
    case 'application/json':
    case PATCH_TYPES.json:
    case PATCH_TYPES.merge:
    case PATCH_TYPES.strategic:
      return 'json';
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
    case 'text/x-yaml':
    case PATCH_TYPES.apply:
      return 'yaml';
    default:
      throw new CodecError(
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
      );
  }
}

/** UTF-8 size of the body is over the limit (strings: only measured when the length alone cannot tell). */
function tooLarge(body: string | Buffer): boolean {
  if (typeof body !== 'string') return body.length > MAX_REQUEST_BODY_BYTES;
  // A UTF-16 code unit takes 1 to 3 bytes in UTF-8.
  if (body.length > MAX_REQUEST_BODY_BYTES) return true;
  if (body.length * 3 <= MAX_REQUEST_BODY_BYTES) return false;
  return Buffer.byteLength(body) > MAX_REQUEST_BODY_BYTES;
}

const NON_WHITESPACE = /\S/; // \s is exactly the set String.prototype.trim removes

/** text.trim() === '' without copying the text. */
function isBlank(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c > 0x20 && c < 0x7f) return false; // the usual '{' or a letter
  return !NON_WHITESPACE.test(text);
}

/** Decode a request body to a plain JSON value according to its Content-Type. */
export function decodeBody(body: string | Buffer, contentType?: string): unknown {
  if (tooLarge(body)) {
    throw new CodecError('RequestEntityTooLarge', `Request entity too large: limit is ${MAX_REQUEST_BODY_BYTES}`);
  }
  const fmt = formatOf(contentType);
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (isBlank(text)) throw new CodecError('BadRequest', 'the request body is empty');
  if (fmt === 'json') {
    let v: unknown;
    try {
      const scan = scanJSON(text);
      v = JSON.parse(text);
      if (scan.floatIntegers && v !== null && typeof v === 'object') FLOAT_INTEGERS.set(v, scan.floatIntegers);
      if (v !== null && typeof v === 'object') {
        const dups = duplicateFields(text);
        if (dups.length) DUPLICATES.set(v, dups);
      }
    } catch (e) {
      if (e instanceof JSONDepthError) throw new CodecError('BadRequest', `json parse error: ${e.message}`);
      throw new CodecError('BadRequest', `json parse error: ${(e as Error).message}`);
    }
    return v;
  }
  let v: unknown;
  try {
    v = yaml.load(text, { schema: YAML_SCHEMA });
  } catch (e) {
    throw new CodecError('BadRequest', `error converting YAML to JSON: ${yamlMessage(e)}`);
  }
  if (expandedNodesExceed(v, MAX_YAML_NODES)) {
    throw new CodecError('BadRequest', `error converting YAML to JSON: yaml: document contains excessive aliasing`);
  }
  return v;
}

/** Paths of duplicated keys in a decoded JSON body (see json-duplicates.ts), by the body's root. */
const DUPLICATES = new WeakMap<object, readonly string[]>();

/** Paths of keys the JSON body this value was decoded from wrote twice (the last one won). */
export function duplicateFieldsOf(body: unknown): readonly string[] {
  return (body !== null && typeof body === 'object' ? DUPLICATES.get(body) : undefined) ?? [];
}

/** Integral numbers written as floats in a decoded JSON body (see json-scan.ts), by the body's root. */
const FLOAT_INTEGERS = new WeakMap<object, ReadonlyMap<string, string>>();

/** Field name → literal (e.g. "replicas" → "1e3") of integral numbers written with a fraction or exponent in this body. */
export function floatIntegersOf(body: unknown): ReadonlyMap<string, string> | undefined {
  return body !== null && typeof body === 'object' ? FLOAT_INTEGERS.get(body) : undefined;
}

/**
 * YAML aliases share one node, so a small document can stand for a huge one once
 * written out as JSON ("billion laughs"). Count nodes as JSON would expand them,
 * without recursion, and stop at the limit (a 3 MiB JSON body holds fewer).
 */
const MAX_YAML_NODES = 1_000_000;
function expandedNodesExceed(v: unknown, limit: number): boolean {
  let count = 0;
  const stack: unknown[] = [v];
  while (stack.length) {
    const cur = stack.pop();
    if (++count > limit) return true;
    if (cur === null || typeof cur !== 'object') continue;
    for (const child of Array.isArray(cur) ? cur : Object.values(cur)) stack.push(child);
  }
  return false;
}

function yamlMessage(e: unknown): string {
  if (e instanceof yaml.YAMLException) {
    const line = e.mark ? ` line ${e.mark.line + 1}:` : '';
    return `yaml:${line} ${e.reason}`;
  }
  return String((e as Error)?.message ?? e);
}

const TYPE_META_FIELDS = ['apiVersion', 'kind'] as const;

/** Decode a body that must be a single API object (a JSON object with metadata defaulted to {}). */
export function decodeObject(body: string | Buffer, contentType?: string): KubeObject {
  const v = decodeBody(body, contentType);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new CodecError('BadRequest', `the request body must be a JSON object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  }
  const obj = v as KubeObject;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  else if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
    throw new CodecError('BadRequest', 'metadata must be an object');
  }
  for (const k of TYPE_META_FIELDS) {
    if (obj[k] !== undefined && typeof obj[k] !== 'string') throw new CodecError('BadRequest', `${k} must be a string`);
  }
  return obj;
}

export function encodeJSON(obj: unknown, pretty = false): string {
  return pretty ? JSON.stringify(obj, null, 2) : JSON.stringify(obj);
}

/** YAML as kubectl prints it: block style, no anchors, no line folding, ambiguous strings quoted. */
export function encodeYAML(obj: unknown): string {
  return yaml.dump(stripUndefined(obj), { noRefs: true, lineWidth: -1, sortKeys: false });
}

export function encode(obj: unknown, format: BodyFormat): string {
  return format === 'yaml' ? encodeYAML(obj) : encodeJSON(obj);
}

function stripUndefined(v: unknown): unknown {
  return v === undefined ? null : JSON.parse(JSON.stringify(v));
}

// ---------------------------------------------------------------- Accept negotiation

export interface AcceptChoice {
  format: BodyFormat;
  contentType: string;
  /** "Table", "PartialObjectMetadata" or "PartialObjectMetadataList" when the client asked for a transformed view. */
  as?: string;
  group?: string;
  version?: string;
}

/**
 * Pick the first acceptable entry of an Accept header. Entries with `as=Table`
 * (meta.k8s.io v1) are honoured; unknown `as` kinds are skipped so the client's
 * fallback (plain application/json) is used. Throws 406 if nothing fits.
 */
export function negotiate(accept: string | undefined, allowAs: readonly string[] = ['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList']): AcceptChoice {
  if (!accept || accept.trim() === '') return { format: 'json', contentType: 'application/json' };
  for (const part of accept.split(',')) {
    const [typeRaw, ...paramsRaw] = part.split(';');
    const type = typeRaw.trim().toLowerCase();
    const params: Record<string, string> = {};
    for (const p of paramsRaw) {
      const [k, v] = p.split('=');
      if (k && v !== undefined) params[k.trim().toLowerCase()] = v.trim();
    }
    let format: BodyFormat | undefined;
    if (type === 'application/json' || type === 'application/*' || type === '*/*' || type === 'application/json-patch+json') format = 'json';
    else if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') format = 'yaml';
    if (!format) continue;
    if (params.as) {
      if (!allowAs.includes(params.as)) continue;
      if (params.g && params.g !== 'meta.k8s.io') continue;
      if (params.v && params.v !== 'v1') continue;
      const ct = format === 'json' ? 'application/json' : 'application/yaml';
      return { format, contentType: `${ct};as=${params.as};v=v1;g=meta.k8s.io`, as: params.as, group: 'meta.k8s.io', version: 'v1' };
    }
    return { format, contentType: format === 'json' ? 'application/json' : 'application/yaml' };
  }
  throw new CodecError(
    'NotAcceptable',
    `only the following media types are accepted: application/json, application/yaml`,
  );
}

// ---------------------------------------------------------------- manifests

/**
 * Split a manifest file (YAML, possibly multi-document, or JSON) into objects.
 * Empty documents are skipped and `kind: List` / `*List` documents are flattened.
 */
export function decodeManifests(text: string, source = '<input>'): KubeObject[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, undefined, { schema: YAML_SCHEMA });
  } catch (e) {
    throw new CodecError('BadRequest', `error parsing ${source}: ${yamlMessage(e)}`);
  }
  const out: KubeObject[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new CodecError('BadRequest', `error parsing ${source}: document ${i + 1} is not an object`);
    }
    const obj = doc as KubeObject;
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
      for (const item of obj.items as KubeObject[]) out.push(withMeta(item));
      return;
    }
    if (!obj.kind) throw new CodecError('BadRequest', `error validating ${source}: document ${i + 1}: Object 'Kind' is missing`);
    if (!obj.apiVersion) throw new CodecError('BadRequest', `error validating ${source}: document ${i + 1}: Object 'apiVersion' is missing`);
    out.push(withMeta(obj));
  });
  return out;
}

function withMeta(o: KubeObject): KubeObject {
  o.metadata ??= {};
  return o;
}
