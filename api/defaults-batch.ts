// Defaults of batch/v1 Job and CronJob (upstream's SetDefaults_Job / SetDefaults_CronJob)
// and the Job strategy's generated selector, which the apiserver applies on create.

import type { CronJob, Job, JobSpec, PodFailurePolicyRule } from './batch.js';
import { defaultPodSpec } from './defaults.js';

/** Labels the Job strategy puts on the pod template and selects by (batch/v1 constants). */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const MAX_INT32 = 2147483647;

function defaultJobSpec(spec: JobSpec): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  // With a per-index limit the global one is effectively off.
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  if (spec.podFailurePolicy?.rules) {
    // A JSON null element decodes to the zero value, as in Go.
    spec.podFailurePolicy.rules = spec.podFailurePolicy.rules.map((r) => r ?? ({} as PodFailurePolicyRule));
    for (const rule of spec.podFailurePolicy.rules) {
      if (rule.onPodConditions) rule.onPodConditions = rule.onPodConditions.map((p) => p ?? { type: '' });
      for (const p of rule.onPodConditions ?? []) p.status ??= 'True';
    }
  }
  defaultTemplate(spec);
}

function defaultTemplate(spec: { template?: JobSpec['template'] }): void {
  if (!spec.template || typeof spec.template !== 'object') return;
  spec.template.metadata ??= {};
  spec.template.spec ??= { containers: [] };
  defaultPodSpec(spec.template.spec);
}

export function defaultJob(job: Job): void {
  job.spec ??= { template: {} };
  defaultJobSpec(job.spec);
  // The Job takes its template's labels when it has none of its own.
  const tl = job.spec.template?.metadata?.labels;
  if (tl && Object.keys(tl).length > 0 && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...tl };
}

export function defaultCronJob(cj: CronJob): void {
  cj.spec ??= { schedule: '', jobTemplate: {} };
  const spec = cj.spec;
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  // SetDefaults_Job is for Jobs only: a template's JobSpec keeps its unset fields; its pod template is defaulted.
  if (spec.jobTemplate && typeof spec.jobTemplate === 'object' && spec.jobTemplate.spec && typeof spec.jobTemplate.spec === 'object') {
    defaultTemplate(spec.jobTemplate.spec);
  }
}

/**
 * The Job strategy's generateSelector (create, manualSelector unset or false): the template gets
 * the job-name and controller-uid labels (new and legacy keys) unless it has them, and the
 * selector matches on batch.kubernetes.io/controller-uid. A user's conflicting values are left
 * for validation to refuse.
 */
export function generateJobSelector(job: Job): void {
  const spec = job.spec;
  if (!spec || spec.manualSelector === true || !spec.template || typeof spec.template !== 'object') return;
  spec.template.metadata ??= {};
  const labels = (spec.template.metadata.labels ??= {});
  const uid = job.metadata.uid ?? '';
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!Object.prototype.hasOwnProperty.call(labels, k)) labels[k] = job.metadata.name ?? '';
  for (const k of [LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) if (!Object.prototype.hasOwnProperty.call(labels, k)) labels[k] = uid;
  spec.selector ??= {};
  spec.selector.matchLabels ??= {};
  if (!Object.prototype.hasOwnProperty.call(spec.selector.matchLabels, JOB_CONTROLLER_UID_LABEL)) spec.selector.matchLabels[JOB_CONTROLLER_UID_LABEL] = uid;
}
