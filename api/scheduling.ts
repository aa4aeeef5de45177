// The scheduling.k8s.io/v1 PriorityClass (field names and shapes as k8s.io/api/scheduling/v1),
// and the two system classes kube-apiserver creates at start.

import type { TypedList, TypedObject } from './core.js';

export type PreemptionPolicy = 'PreemptLowerPriority' | 'Never';

export interface PriorityClass extends TypedObject {
  /** The priority pods of this class get (spec.priority). Immutable. */
  value: number;
  /** The class of pods that name none; at most one class may be the global default. */
  globalDefault?: boolean;
  description?: string;
  /** PreemptLowerPriority (the default) or Never. Immutable. */
  preemptionPolicy?: PreemptionPolicy;
}
export type PriorityClassList = TypedList<PriorityClass>;

/** The highest value a user-defined class may have (HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** SystemCriticalPriority: twice the highest user value. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
/** Names starting with this are reserved for the system classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

/** The system classes: created by the apiserver at start and never deletable. */
export const SYSTEM_PRIORITY_CLASSES: readonly { name: string; value: number; description: string }[] = [
  { name: 'system-node-critical', value: SYSTEM_CRITICAL_PRIORITY + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: SYSTEM_CRITICAL_PRIORITY, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];
