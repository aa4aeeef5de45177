// The apps/v1 workloads (Deployment, ReplicaSet, DaemonSet, StatefulSet): as upstream's
// strategies, a create starts from an empty status and generation 1, spec changes bump
// the generation (a Deployment's annotation changes too: they are copied to its
// ReplicaSets), and status writes go through the status subresource only.

import type { TypedObject } from '../../api/core.js';
import { deepEqual } from '../../api/deep-equal.js';
import type { ResourceInfo } from '../../api/resources.js';
import { defaultStrategy, type Strategy } from './strategy.js';

/** The status each kind starts with: its Go zero value as apps/v1 serialises it (non-omitempty counters). */
const EMPTY_STATUS: Record<string, () => Record<string, number>> = {
  Deployment: () => ({}),
  ReplicaSet: () => ({ replicas: 0 }),
  DaemonSet: () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
  StatefulSet: () => ({ replicas: 0, availableReplicas: 0 }),
};

export function workloadStrategy(info: ResourceInfo): Strategy<TypedObject & { status?: unknown }> {
  const empty = EMPTY_STATUS[info.kind] ?? (() => ({}));
  return defaultStrategy<TypedObject & { status?: unknown }>(info, {
    tracksGeneration: true,
    prepareForCreate(obj) {
      obj.status = empty();
    },
    ...(info.kind === 'Deployment'
      ? { generationChanged: (obj: TypedObject, old: TypedObject) => !deepEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {}) }
      : {}),
  });
}
