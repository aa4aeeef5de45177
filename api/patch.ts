// One entry point for PATCH requests, and re-exports of the patch machinery:
// JSON Patch and JSON merge patch (json-patch.ts), strategic merge
// (strategic-merge.ts, rules in patch-schema.ts), server-side apply and
// managedFields (managed-fields.ts).

import type { KubeObject } from './meta.js';
import { applyJSONPatch, applyMergePatch } from './json-patch.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { applyPatch } from './managed-fields.js';
import { PatchError } from './patch-error.js';
import type { PatchType } from './codec.js';

export { PatchError } from './patch-error.js';
export { applyJSONPatch, applyMergePatch, createMergePatch, parsePointer, formatPointer, getPointer, type JSONPatchOp } from './json-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';
export { PATCH_SCHEMA, fieldRule, type FieldRule, type MergeKey } from './patch-schema.js';
export {
  applyPatch,
  recordUpdateManager,
  fieldSetOf,
  toFieldsV1,
  fromFieldsV1,
  formatFieldPath,
  type ApplyOptions,
  type UpdateManagerOptions,
} from './managed-fields.js';

export interface PatchRequestOptions {
  kind?: string;
  /** Required for apply patches. */
  fieldManager?: string;
  force?: boolean;
  subresource?: string;
}

/**
 * Apply a decoded PATCH body of the given type to `live` and return the new object
 * (live is not mutated). `live` may be undefined only for apply (create-on-apply).
 * Throws PatchError (400 malformed, 409 apply conflict, 422 inapplicable).
 */
export function patchObject(type: PatchType, live: KubeObject | undefined, patch: unknown, opts: PatchRequestOptions = {}): KubeObject {
  if (type === 'apply') {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new PatchError('apply patch must be an object');
    return applyPatch(live, patch as KubeObject, opts.fieldManager ?? '', { kind: opts.kind, force: opts.force, subresource: opts.subresource });
  }
  if (!live) throw new PatchError(`cannot ${type} patch an object that does not exist`, 422);
  let out: unknown;
  switch (type) {
    case 'json':
      out = applyJSONPatch(live, patch);
      break;
    case 'merge':
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new PatchError('merge patch must be a JSON object');
      out = applyMergePatch(live, patch);
      break;
    case 'strategic':
      out = applyStrategicMergePatch(live, patch, opts.kind ?? live.kind);
      break;
  }
  if (out === null || typeof out !== 'object' || Array.isArray(out)) throw new PatchError('the patch produced something that is not an object', 422);
  const obj = out as KubeObject;
  if (obj.metadata === null || typeof obj.metadata !== 'object') throw new PatchError('the patch removed metadata', 422);
  return obj;
}
