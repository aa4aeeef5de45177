// Object <-> stored bytes. resourceVersion is never stored: it is the key's
// mod_revision, set on every object read back.

import type { KubeObject } from '../../api/meta.js';

/** JSON bytes of obj without metadata.resourceVersion (obj itself is not modified). */
export function encodeObject(obj: KubeObject): Buffer {
  const meta = obj.metadata;
  if (meta && meta.resourceVersion !== undefined) {
    const { resourceVersion: _drop, ...rest } = meta;
    return Buffer.from(JSON.stringify({ ...obj, metadata: rest }));
  }
  return Buffer.from(JSON.stringify(obj));
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
