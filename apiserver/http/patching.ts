// PATCH bodies applied to the live object, by patch type (api/patch does the work).

import type { KubeObject } from '../../api/meta.js';
import { patchObject } from '../../api/patch.js';
import type { PatchType } from '../../api/codec.js';

export function applyPatchBody(type: PatchType, live: KubeObject | undefined, patch: unknown, o: { kind: string; manager: string; force: boolean }): KubeObject {
  return patchObject(type, live, patch, { kind: o.kind, fieldManager: o.manager, force: o.force });
}
