// The batch/v1 types: Job and CronJob (field names and shapes as k8s.io/api/batch/v1).

import type { ConditionStatus, LabelSelector, ObjectReference, PodTemplateSpec, TypedList, TypedObject } from './core.js';
import type { Int64, ObjectMeta, Time } from './meta.js';

export interface PodFailurePolicyOnExitCodesRequirement {
  containerName?: string;
  operator: 'In' | 'NotIn';
  values: number[];
}

export interface PodFailurePolicyOnPodConditionsPattern {
  type: string;
  status?: ConditionStatus;
}

export interface PodFailurePolicyRule {
  action: 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';
  onExitCodes?: PodFailurePolicyOnExitCodesRequirement;
  onPodConditions?: PodFailurePolicyOnPodConditionsPattern[];
}

export interface PodFailurePolicy {
  rules: PodFailurePolicyRule[];
}

export interface JobSpec {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: Int64;
  podFailurePolicy?: PodFailurePolicy;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  selector?: LabelSelector;
  manualSelector?: boolean;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  completionMode?: 'NonIndexed' | 'Indexed';
  suspend?: boolean;
  podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed';
  /** Accepted and stored; not acted on by tskube. */
  successPolicy?: Record<string, unknown>;
  /** The controller that manages the Job; only the built-in one runs here. */
  managedBy?: string;
}

export interface JobCondition {
  /** Complete, Failed, Suspended, FailureTarget, SuccessCriteriaMet. */
  type: string;
  status: ConditionStatus;
  lastProbeTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface UncountedTerminatedPods {
  succeeded?: string[];
  failed?: string[];
}

export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: Time;
  completionTime?: Time;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: UncountedTerminatedPods;
  ready?: number;
}

export interface Job extends TypedObject {
  /** The desired state of the Job, set by its user. */
  spec?: JobSpec;
  /** The observed state of the Job, written by the system; read-only to users (except through the status subresource). */
  status?: JobStatus;}
export type JobList = TypedList<Job>;

export interface JobTemplateSpec {
  metadata?: ObjectMeta;
  spec?: JobSpec;
}

export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: Int64;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: Time;
  lastSuccessfulTime?: Time;
}

export interface CronJob extends TypedObject {
  /** The desired state of the CronJob, set by its user. */
  spec?: CronJobSpec;
  /** The observed state of the CronJob, written by the system; read-only to users (except through the status subresource). */
  status?: CronJobStatus;}
export type CronJobList = TypedList<CronJob>;
