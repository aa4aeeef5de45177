// The registry hooks of a custom resource (upstream's customresource strategy): defaults from
// the version's schema, validation against it, status kept apart when the status subresource is
// on (and generation bumped on other changes only then), and no create while its CRD is being
// deleted. Pruning happens where bodies are decoded (http/handler.ts), as fieldValidation needs.

import { applySchemaDefaults, validateAgainstSchema } from '../../api/crd-schema.js';
import type { KubeObject } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { defaultStrategy, type Strategy } from './strategy.js';
import { ApiError } from '../errors.js';
import { isDeepStrictEqual } from 'node:util';

/** Which CRDs are being deleted (their resources refuse creates meanwhile). */
export type TerminatingCheck = (crd: string) => boolean;

/**
 * The strategy of a custom resource; its hooks read `s.info` when called, so a CRD update is
 * taken by retargeting the same strategy (setCustomInfo) and its registry keeps its state.
 */
export function customResourceStrategy(info: ResourceInfo, terminating: TerminatingCheck): Strategy {
  const s: Strategy = defaultStrategy(info, {
    prepareForCreate(obj) {
      const c = s.info.custom!;
      if (terminating(c.crd)) throw new ApiError(405, 'MethodNotAllowed', `create not allowed while custom resource definition is terminating`);
      if (c.statusEnabled) delete (obj).status;
      applySchemaDefaults(obj, c.schema);
    },
    prepareForUpdate(obj) {
      applySchemaDefaults(obj, s.info.custom!.schema);
    },
    prepareForStatusUpdate(next) {
      applySchemaDefaults(next, s.info.custom!.schema);
    },
    // Without the status subresource any change but metadata's is a new generation.
    generationChanged(obj: KubeObject, old: KubeObject) {
      return !s.info.custom!.statusEnabled && !isDeepStrictEqual(withoutMeta(obj), withoutMeta(old));
    },
    validate(obj: KubeObject) {
      return validateAgainstSchema(obj, s.info.custom!.schema);
    },
  });
  setCustomInfo(s, info);
  return s;
}

/** Points a custom resource's strategy at its CRD's current version info. */
export function setCustomInfo(s: Strategy, info: ResourceInfo): void {
  s.info = info;
  s.hasStatus = info.custom!.statusEnabled;
  s.tracksGeneration = true;
}

function withoutMeta(o: KubeObject): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...o };
  delete rest.metadata;
  delete rest.apiVersion;
  delete rest.kind;
  return rest;
}
