// pods/ephemeralcontainers: a write that may only add ephemeral containers to a pod.

import type { Pod } from '../../api/core.js';
import type { KubeObject, StatusCause } from '../../api/meta.js';
import { validate } from '../../api/kinds.js';
import { validateEphemeralContainersUpdate } from '../../api/validation-pod.js';

/** The stored pod with the request's spec.ephemeralContainers and nothing else of it (as upstream's strategy). */
export function withEphemeralContainersOf<T extends KubeObject>(current: T, proposed: T): T {
  const next = structuredClone(current) as T & Pod;
  const spec = (proposed as Pod).spec;
  const list = spec && typeof spec === 'object' ? spec.ephemeralContainers : undefined;
  next.spec ??= { containers: [] };
  if (list === undefined || list === null) delete next.spec.ephemeralContainers;
  else next.spec.ephemeralContainers = list;
  return next;
}

/**
 * The pod's validation as an update whose only change may be spec.ephemeralContainers:
 * the spec-immutability check compares against the old pod carrying the new list, and
 * the ephemeral update rules (no removal, no change) are checked on their own.
 */
export function ephemeralContainersUpdateCauses(next: KubeObject, current: KubeObject): StatusCause[] {
  const n = next as Pod;
  const old = structuredClone(current) as Pod;
  old.spec ??= { containers: [] };
  old.spec.ephemeralContainers = n.spec?.ephemeralContainers;
  if (old.spec.ephemeralContainers === undefined) delete old.spec.ephemeralContainers;
  return [...validate('Pod', next, old as unknown as KubeObject), ...validateEphemeralContainersUpdate(n, current)];
}
