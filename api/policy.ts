// The policy/v1 types: PodDisruptionBudget and Eviction (field names and shapes as
// k8s.io/api/policy/v1).

import type { ConditionStatus, IntOrString, LabelSelector, TypedList, TypedObject } from './core.js';
import type { ObjectMeta } from './meta.js';

export type UnhealthyPodEvictionPolicy = 'IfHealthyBudget' | 'AlwaysAllow';

export interface PodDisruptionBudgetSpec {
  minAvailable?: IntOrString;
  selector?: LabelSelector;
  maxUnavailable?: IntOrString;
  unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicy;
}

/** meta/v1 Condition. */
export interface MetaCondition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pod name → when the eviction API let it go (RFC 3339). */
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: MetaCondition[];
}

export interface PodDisruptionBudget extends TypedObject {
  spec?: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}
export type PodDisruptionBudgetList = TypedList<PodDisruptionBudget>;

export interface EvictionDeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  orphanDependents?: boolean;
  propagationPolicy?: string;
  dryRun?: string[];
}

/** POSTed to pods/<name>/eviction (policy/v1, or v1beta1 from older clients). */
export interface Eviction {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  deleteOptions?: EvictionDeleteOptions;
}

/** The DisruptionAllowed condition and its reasons (policy/v1). */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';
/** The StatusCause type of a budget refusing an eviction. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';
