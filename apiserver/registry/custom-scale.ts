// The scale subresource of a custom resource: autoscaling/v1 Scale read from and written to
// the paths its CRD names (specReplicasPath, statusReplicasPath, labelSelectorPath), as
// upstream's customresource scale REST. Paths are CRD-validated simple dotted paths.

import type { KubeObject } from '../../api/meta.js';
import { evalJSONPath } from '../../api/crd-jsonpath.js';
import type { Scale } from './scale.js';

export interface CustomScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export function customScaleOf(obj: KubeObject, paths: CustomScalePaths): Scale {
  const num = (path: string) => {
    const v = evalJSONPath(obj, path)[0];
    return typeof v === 'number' && Number.isInteger(v) ? v : 0;
  };
  const selector = paths.labelSelectorPath ? evalJSONPath(obj, paths.labelSelectorPath)[0] : undefined;
  const m = obj.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: num(paths.specReplicasPath) },
    status: { replicas: num(paths.statusReplicasPath), ...(typeof selector === 'string' ? { selector } : {}) },
  };
}

/** Writes replicas at specReplicasPath, making the objects on the way (own properties only). */
export function setCustomReplicas(obj: KubeObject, paths: CustomScalePaths, replicas: number): void {
  const keys = paths.specReplicasPath.slice(1).split('.');
  let cur: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) {
    const next = Object.hasOwn(cur, k) ? cur[k] : undefined;
    if (!next || typeof next !== 'object' || Array.isArray(next)) {
      Object.defineProperty(cur, k, { value: {}, enumerable: true, writable: true, configurable: true });
    }
    cur = cur[k] as Record<string, unknown>;
  }
  Object.defineProperty(cur, keys[keys.length - 1], { value: replicas, enumerable: true, writable: true, configurable: true });
}
