// Field errors for batch/v1 Job and CronJob, with upstream's field paths and wording
// (pkg/apis/batch/validation). Call on defaulted objects, as the apiserver does.

import type { CronJob, Job, JobSpec, JobTemplateSpec, PodFailurePolicyRule } from './batch.js';
import type { PodTemplateSpec } from './core.js';
import { parseCronSchedule } from './cron-schedule.js';
import { deepEqual } from './deep-equal.js';
import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_JOB_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './defaults-batch.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { labelSelectorMatcher } from './selectors.js';
import { validateLabelSelector } from './validation-label-selector.js';
import { validateAnnotations, validateLabels } from './validation-meta.js';
import { validatePodSpec } from './validation-pod.js';

const MAX_PARALLELISM_INDEXED = 100000;
const MAX_FAILED_INDEXES_LIMIT = 100000;
const IMMUTABLE = 'field is immutable';

function nonNegative(errs: FieldError[], v: number | undefined, field: string): void {
  if (v != null && v < 0) errs.push(fieldErr.invalid(field, v, 'must be greater than or equal to 0'));
}

/** ValidatePodTemplateSpec: labels and annotations of the template, then its pod spec. */
function validatePodTemplate(t: PodTemplateSpec | undefined, field: string): FieldError[] {
  if (!t || typeof t !== 'object') return [fieldErr.required(field, '')];
  return [
    ...validateLabels(t.metadata?.labels, `${field}.labels`),
    ...validateAnnotations(t.metadata?.annotations, `${field}.annotations`),
    ...validatePodSpec(t.spec, `${field}.spec`),
  ];
}

/** validateJobSpec: what a Job's spec and a CronJob's jobTemplate.spec share. */
function validateJobSpecCommon(spec: JobSpec, fp: string): FieldError[] {
  const errs: FieldError[] = [];
  nonNegative(errs, spec.parallelism, `${fp}.parallelism`);
  nonNegative(errs, spec.completions, `${fp}.completions`);
  nonNegative(errs, spec.activeDeadlineSeconds, `${fp}.activeDeadlineSeconds`);
  nonNegative(errs, spec.backoffLimit, `${fp}.backoffLimit`);
  nonNegative(errs, spec.ttlSecondsAfterFinished, `${fp}.ttlSecondsAfterFinished`);
  if (spec.backoffLimitPerIndex != null) {
    nonNegative(errs, spec.backoffLimitPerIndex, `${fp}.backoffLimitPerIndex`);
    if (spec.completionMode !== 'Indexed') errs.push(fieldErr.forbidden(`${fp}.backoffLimitPerIndex`, 'requires indexed completion mode'));
  }
  if (spec.maxFailedIndexes != null) {
    nonNegative(errs, spec.maxFailedIndexes, `${fp}.maxFailedIndexes`);
    if (spec.backoffLimitPerIndex == null) errs.push(fieldErr.required(`${fp}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
    if (spec.completions != null && spec.maxFailedIndexes > spec.completions) {
      errs.push(fieldErr.invalid(`${fp}.maxFailedIndexes`, spec.maxFailedIndexes, 'must be less than or equal to completions'));
    }
    if (spec.maxFailedIndexes > MAX_FAILED_INDEXES_LIMIT) {
      errs.push(fieldErr.invalid(`${fp}.maxFailedIndexes`, spec.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT}`));
    }
  }
  if (spec.completionMode != null) {
    if (spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
      errs.push(fieldErr.notSupported(`${fp}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
    }
    if (spec.completionMode === 'Indexed') {
      if (spec.completions == null) errs.push(fieldErr.required(`${fp}.completions`, 'when completion mode is Indexed'));
      if (spec.parallelism != null && spec.parallelism > MAX_PARALLELISM_INDEXED) {
        errs.push(fieldErr.invalid(`${fp}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
    }
  }
  errs.push(...validatePodFailurePolicy(spec, `${fp}.podFailurePolicy`));
  const prp = spec.podReplacementPolicy;
  if (prp != null) {
    if (spec.podFailurePolicy) {
      if (prp !== 'Failed') errs.push(fieldErr.notSupported(`${fp}.podReplacementPolicy`, prp, ['Failed']));
    } else if (prp !== 'Failed' && prp !== 'TerminatingOrFailed') {
      errs.push(fieldErr.notSupported(`${fp}.podReplacementPolicy`, prp, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplate(spec.template, `${fp}.template`));
  // Pod defaulting turns an unset restartPolicy into Always, so both mean "not set" here.
  const rp: string | undefined = spec.template?.spec?.restartPolicy;
  const rpField = `${fp}.template.spec.restartPolicy`;
  if (rp === 'Always' || rp == null || rp === '') errs.push(fieldErr.required(rpField, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(fieldErr.notSupported(rpField, rp, ['OnFailure', 'Never']));
  else if (spec.podFailurePolicy && rp !== 'Never') errs.push(fieldErr.invalid(rpField, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

function validatePodFailurePolicy(spec: JobSpec, fp: string): FieldError[] {
  const pfp = spec.podFailurePolicy;
  if (!pfp) return [];
  const errs: FieldError[] = [];
  const actions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
  const containers = new Set([...(spec.template?.spec?.containers ?? []), ...(spec.template?.spec?.initContainers ?? [])].map((c) => c.name));
  (pfp.rules ?? []).forEach((rule, i) => {
    const r = rule ?? ({} as PodFailurePolicyRule);
    const rp = `${fp}.rules[${i}]`;
    if (!actions.includes(r.action)) errs.push(fieldErr.notSupported(`${rp}.action`, r.action, actions));
    if (r.action === 'FailIndex' && spec.backoffLimitPerIndex == null) {
      errs.push(fieldErr.forbidden(`${rp}.action`, 'requires the backoffLimitPerIndex to be set'));
    }
    const nConds = (r.onPodConditions ?? []).length;
    if (r.onExitCodes && nConds > 0) errs.push(fieldErr.invalid(rp, 'specifying both OnExitCodes and OnPodConditions is not supported', ''));
    else if (!r.onExitCodes && nConds === 0) errs.push(fieldErr.invalid(rp, 'specifying one of OnExitCodes and OnPodConditions is required', ''));
    if (r.onExitCodes) {
      const ep = `${rp}.onExitCodes`;
      const ec = r.onExitCodes;
      if (ec.containerName != null && !containers.has(ec.containerName)) {
        errs.push(fieldErr.invalid(`${ep}.containerName`, ec.containerName, 'must be one of the container or initContainer names in the pod template'));
      }
      if (ec.operator !== 'In' && ec.operator !== 'NotIn') errs.push(fieldErr.notSupported(`${ep}.operator`, ec.operator, ['In', 'NotIn']));
      const values = (ec.values ?? []).map((v) => v ?? 0);
      if (values.length === 0) errs.push(fieldErr.invalid(`${ep}.values`, values, 'at least one value is required'));
      else if (values.length > 255) errs.push(fieldErr.tooLong(`${ep}.values`, 255));
      const seen = new Set<number>();
      values.forEach((v, j) => {
        if (seen.has(v)) errs.push(fieldErr.duplicate(`${ep}.values[${j}]`, v));
        if (ec.operator === 'In' && v === 0) errs.push(fieldErr.invalid(`${ep}.values[${j}]`, v, 'must not be 0 for the In operator'));
        if (j > 0 && v < values[j - 1]) errs.push(fieldErr.invalid(`${ep}.values[${j}]`, v, 'must be ordered'));
        seen.add(v);
      });
    }
    (r.onPodConditions ?? []).forEach((cond, j) => {
      const p = cond ?? { type: '' };
      const pp = `${rp}.onPodConditions[${j}]`;
      const st = p.status ?? '';
      if (!['False', 'True', 'Unknown'].includes(st)) errs.push(fieldErr.notSupported(`${pp}.status`, st, ['False', 'True', 'Unknown']));
      if (!p.type) errs.push(fieldErr.required(`${pp}.type`, ''));
    });
  });
  return errs;
}

/** The Job's own fields, on create and update. */
export function validateJob(job: Job): FieldError[] {
  const spec = job.spec;
  if (!spec || typeof spec !== 'object') return [fieldErr.required('spec', '')];
  const errs = validateJobSpecCommon(spec, 'spec');
  if (!spec.selector) errs.push(fieldErr.required('spec.selector', ''));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  // Generated or manual, the selector must match the pods the Job makes.
  if (spec.selector) {
    let matches = true;
    try {
      matches = labelSelectorMatcher(spec.selector).matches(spec.template?.metadata?.labels ?? {});
    } catch {
      matches = true; // an invalid selector is reported above
    }
    if (!matches) errs.push(fieldErr.invalid('spec.template.metadata.labels', spec.template?.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
  }
  return errs;
}

/** On create only: a generated selector must be the one the Job strategy generated (validateGeneratedSelector). */
export function validateJobCreate(job: Job): FieldError[] {
  const spec = job.spec;
  if (!spec || spec.manualSelector === true || !spec.template || typeof spec.template !== 'object') return [];
  const labels = spec.template.metadata?.labels;
  const lp = 'spec.template.metadata.labels';
  if (!labels) return [fieldErr.required(lp, '')];
  const errs: FieldError[] = [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const want: [string, string][] = [
    [LEGACY_JOB_CONTROLLER_UID_LABEL, uid],
    [LEGACY_JOB_NAME_LABEL, name],
    [JOB_CONTROLLER_UID_LABEL, uid],
    [JOB_NAME_LABEL, name],
  ];
  for (const [k, v] of want) {
    if (labels[k] !== v) errs.push(fieldErr.invalid(`${lp}[${k}]`, labels[k] ?? '', `must be '${v}'`));
  }
  const ml = spec.selector?.matchLabels;
  if (spec.selector && (!ml || ml[JOB_CONTROLLER_UID_LABEL] !== uid)) {
    errs.push(fieldErr.invalid(`spec.selector.matchLabels[${JOB_CONTROLLER_UID_LABEL}]`, ml?.[JOB_CONTROLLER_UID_LABEL] ?? '', `must be '${uid}'`));
  }
  return errs;
}

/** ValidateJobSpecUpdate: selector, template, completions (but Indexed elastic), completionMode, ... are immutable. */
export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const errs: FieldError[] = [];
  const ns = job.spec;
  const os = old.spec;
  if (!ns || !os) return errs;
  const immutable = (a: unknown, b: unknown, field: string): void => {
    if (!deepEqual(a ?? null, b ?? null)) errs.push(fieldErr.invalid(field, a ?? null, IMMUTABLE));
  };
  // Indexed Jobs may change completions together with parallelism (elastic Indexed Jobs).
  if (ns.completionMode === 'Indexed') {
    if (!deepEqual(ns.completions, os.completions) && ns.completions != null && ns.completions !== ns.parallelism) {
      errs.push(fieldErr.invalid('spec.completions', ns.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  } else immutable(ns.completions, os.completions, 'spec.completions');
  immutable(ns.selector, os.selector, 'spec.selector');
  // A suspended Job that never started may have its scheduling directives changed.
  let oldTemplate = os.template;
  if (os.suspend === true && !old.status?.startTime && ns.template && os.template) {
    oldTemplate = structuredClone(os.template);
    oldTemplate.metadata ??= {};
    oldTemplate.spec ??= { containers: [] };
    const nm = ns.template.metadata ?? {};
    const nsp = ns.template.spec;
    setOrDelete(oldTemplate.metadata, 'labels', nm.labels);
    setOrDelete(oldTemplate.metadata, 'annotations', nm.annotations);
    setOrDelete(oldTemplate.spec, 'nodeSelector', nsp?.nodeSelector);
    setOrDelete(oldTemplate.spec, 'tolerations', nsp?.tolerations);
    // schedulingGates is not in tskube's PodSpec type, but an object may still carry it.
    const gates = (nsp as { schedulingGates?: unknown } | undefined)?.schedulingGates;
    setOrDelete(oldTemplate.spec as { schedulingGates?: unknown }, 'schedulingGates', gates);
    setOrDelete(oldTemplate.spec, 'affinity', nsp?.affinity);
  }
  immutable(ns.template, oldTemplate, 'spec.template');
  immutable(ns.completionMode, os.completionMode, 'spec.completionMode');
  immutable(ns.podFailurePolicy, os.podFailurePolicy, 'spec.podFailurePolicy');
  immutable(ns.backoffLimitPerIndex, os.backoffLimitPerIndex, 'spec.backoffLimitPerIndex');
  return errs;
}

function setOrDelete<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v == null) delete o[k];
  else o[k] = v;
}

/** A write to jobs/status: counts are non-negative, condition types and statuses known. */
export function validateJobStatus(job: Job): FieldError[] {
  const errs: FieldError[] = [];
  const st = job.status ?? {};
  for (const k of ['active', 'succeeded', 'failed', 'terminating', 'ready'] as const) nonNegative(errs, st[k], `status.${k}`);
  (st.conditions ?? []).forEach((cond, i) => {
    const c = cond ?? { type: '', status: '' }; // a JSON null element is the zero value
    if (!c.type) errs.push(fieldErr.required(`status.conditions[${i}].type`, ''));
    if (!['True', 'False', 'Unknown'].includes(c.status)) errs.push(fieldErr.notSupported(`status.conditions[${i}].status`, c.status, ['False', 'True', 'Unknown']));
  });
  if (st.startTime && st.completionTime && Date.parse(st.completionTime) < Date.parse(st.startTime)) {
    errs.push(fieldErr.invalid('status.completionTime', st.completionTime, 'completionTime cannot be set before startTime'));
  }
  return errs;
}

// ---------------------------------------------------------------- CronJob

const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone: an explicit IANA zone name, resolvable here. */
function validateTimeZone(tz: string | undefined, field: string): FieldError[] {
  if (tz == null) return [];
  if (tz === '') return [fieldErr.invalid(field, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) return [fieldErr.invalid(field, tz, `unknown time zone ${tz}`)];
  }
  if (tz.toLowerCase() === 'local') return [fieldErr.invalid(field, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return [fieldErr.invalid(field, tz, `unknown time zone ${tz}`)];
  }
  return [];
}

function validateJobTemplate(t: JobTemplateSpec | undefined, fp: string): FieldError[] {
  if (!t || typeof t !== 'object') return [fieldErr.required(fp, '')];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(t.metadata?.labels, `${fp}.metadata.labels`));
  errs.push(...validateAnnotations(t.metadata?.annotations, `${fp}.metadata.annotations`));
  const spec = t.spec;
  if (!spec || typeof spec !== 'object') return [...errs, ...validateJobSpecCommon({ template: {} }, `${fp}.spec`)];
  errs.push(...validateJobSpecCommon(spec, `${fp}.spec`));
  // The CronJob controller generates each Job's selector.
  if (spec.selector != null) errs.push(fieldErr.invalid(`${fp}.spec.selector`, spec.selector, '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(fieldErr.notSupported(`${fp}.spec.manualSelector`, true, ['nil', 'false']));
  return errs;
}

export function validateCronJob(cj: CronJob): FieldError[] {
  const spec = cj.spec;
  if (!spec || typeof spec !== 'object') return [fieldErr.required('spec', '')];
  const errs: FieldError[] = [];
  const schedule = spec.schedule;
  if (!schedule) errs.push(fieldErr.required('spec.schedule', ''));
  else {
    try {
      parseCronSchedule(schedule);
    } catch (err) {
      errs.push(fieldErr.invalid('spec.schedule', schedule, (err as Error).message));
    }
    if (schedule.includes('TZ')) errs.push(fieldErr.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  nonNegative(errs, spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds');
  const cp = spec.concurrencyPolicy;
  if (cp == null || (cp as string) === '') errs.push(fieldErr.required('spec.concurrencyPolicy', ''));
  else if (!['Allow', 'Forbid', 'Replace'].includes(cp)) errs.push(fieldErr.notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  errs.push(...validateJobTemplate(spec.jobTemplate, 'spec.jobTemplate'));
  nonNegative(errs, spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit');
  nonNegative(errs, spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit');
  errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  return errs;
}

/** On create only: the name leaves room for the 11-character suffix of the Jobs it makes (updates skip it, for old objects). */
export function validateCronJobCreate(cj: CronJob): FieldError[] {
  const name = cj.metadata.name ?? '';
  return name.length > 52 ? [fieldErr.invalid('metadata.name', name, 'must be no more than 52 characters')] : [];
}

export function validateCronJobStatus(cj: CronJob): FieldError[] {
  const errs: FieldError[] = [];
  (cj.status?.active ?? []).forEach((ref, i) => {
    if (!ref || typeof ref !== 'object') errs.push(fieldErr.required(`status.active[${i}]`, ''));
  });
  return errs;
}
