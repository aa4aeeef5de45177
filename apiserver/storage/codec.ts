// Object <-> stored bytes. resourceVersion is never stored: it is the key's
// mod_revision, set on every object read back.

import type { KubeObject } from '../../api/meta.js';

/**
 * The JSON text of obj as stored: without metadata.resourceVersion (obj itself is not
 * modified), and with apiVersion, kind and metadata first, so that the text of the
 * object with its resourceVersion can be made from it without serialising again
 * (withRevisionText).
 */
export function encodeObject(obj: KubeObject): string {
  const { apiVersion, kind, metadata, ...rest } = obj;
  let meta = metadata;
  if (meta && meta.resourceVersion !== undefined) {
    // An undefined member is left out by JSON.stringify: the key is dropped from the text.
    meta = { ...meta, resourceVersion: undefined };
  }
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
}

/** Parse stored bytes and stamp metadata.resourceVersion = revision. */
export function decodeObject<T extends KubeObject>(value: Buffer, revision: string): T {
  const obj = JSON.parse(value.toString('utf8')) as T;
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
  obj.metadata.resourceVersion = revision;
  return obj;
}

/** A shallow copy of obj whose metadata.resourceVersion is revision. */
export function withRevision<T extends KubeObject>(obj: T, revision: string): T {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: revision } };
}

/**
 * encodeObject(obj)'s text with `"resourceVersion":"<revision>"` inserted as the first
 * field of metadata: the JSON of withRevision(obj, revision), up to field order.
 * Undefined when the text does not start the way encodeObject writes it.
 */
export function withRevisionText(text: string, obj: KubeObject, revision: string): string | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || !obj.metadata) return undefined;
  const prefix = `{"apiVersion":${JSON.stringify(obj.apiVersion)},"kind":${JSON.stringify(obj.kind)},"metadata":{`;
  if (!text.startsWith(prefix)) return undefined;
  const at = prefix.length;
  const rv = `"resourceVersion":${JSON.stringify(revision)}`;
  return text.slice(0, at) + rv + (text[at] === '}' ? '' : ',') + text.slice(at);
}

/**
 * The JSON text of objects the store just wrote, so that the response to the write reuses
 * it instead of serialising the object again (a create's second-biggest CPU cost after the
 * etcd call). Only for objects nobody modifies afterwards, as every object storage returns.
 */
const texts = new WeakMap<object, string>();

export function rememberText(obj: object, text: string): void {
  texts.set(obj, text);
}

export function rememberedText(obj: unknown): string | undefined {
  return obj !== null && typeof obj === 'object' ? texts.get(obj) : undefined;
}
