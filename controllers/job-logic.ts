// The Job controller's decisions as pure functions (upstream pkg/controller/job): how many pods
// to want, which completion indexes to run, the pod-failure back-off, the backoffLimit and
// podFailurePolicy checks, and the conditions it writes. No I/O: job.ts applies them.

import type { Job, JobCondition, PodFailurePolicyRule } from '../api/batch.js';
import type { ContainerStatus, Pod } from '../api/core.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** Upstream DefaultJobPodFailureBackOff (10 s), doubling per failure after the last success, capped at 6 min. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;
/** Upstream MaxPodCreateDeletePerSync. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export const DEFAULT_BACKOFF_LIMIT = 6;

// Reasons and messages as upstream's job controller writes them.
export const REASON_BACKOFF_LIMIT = 'BackoffLimitExceeded';
export const MESSAGE_BACKOFF_LIMIT = 'Job has reached the specified backoff limit';
export const REASON_DEADLINE = 'DeadlineExceeded';
export const MESSAGE_DEADLINE = 'Job was active longer than specified deadline';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
export const MESSAGE_COMPLETIONS_REACHED = 'Reached expected number of succeeded pods';

export function jobCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

export function hasTrueCondition(job: Job, type: string): boolean {
  return jobCondition(job, type)?.status === 'True';
}

/** Complete or Failed: the controller is done with it. */
export function isJobFinished(job: Job): boolean {
  return hasTrueCondition(job, 'Complete') || hasTrueCondition(job, 'Failed');
}

/**
 * Set a condition (upstream's ensureJobConditionStatus): a new type is appended; an existing one
 * changes its status (and transition time) only when the status differs. Returns whether anything changed.
 */
export function setCondition(conds: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: string): boolean {
  const c = conds.find((x) => x.type === type);
  if (!c) {
    conds.push({ type, status, lastProbeTime: now, lastTransitionTime: now, reason, message });
    return true;
  }
  if (c.status === status && c.reason === reason && c.message === message) return false;
  if (c.status !== status) c.lastTransitionTime = now;
  c.status = status;
  c.lastProbeTime = now;
  c.reason = reason;
  c.message = message;
  return true;
}

export function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

/** A pod the job still counts as running: not terminal and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/**
 * Upstream isPodFailed with the default pod replacement policy: phase Failed, or deleted before
 * it finished (an orphan that never reaches Failed still counts, so a deleted pod is never lost).
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy) return false;
  return !!pod.metadata?.deletionTimestamp && phase !== 'Succeeded';
}

/** How many pods should be running now (upstream manageJob's wantActive). */
export function wantActive(job: Job, succeeded: number, active: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

/** Whether the job reached its success criterion (upstream: completions, or any success with none active). */
export function completionsReached(job: Job, succeeded: number, active: number): boolean {
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 && active === 0;
  return succeeded >= completions;
}

/** Pod re-creation delay after `failures` failures since the last success (0 failures: none). */
export function podFailureBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  // 2^(failures-1) overflows to Infinity for huge counts: the cap still applies.
  return Math.min(MAX_POD_FAILURE_BACKOFF_MS, POD_FAILURE_BACKOFF_MS * 2 ** (failures - 1));
}

/** The back-off state a job's finished pods leave (upstream backoffRecord). */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTimeMs?: number;
}

/** Fold newly finished pods (in finish order) into a record: a success resets the count. */
export function updateBackoff(rec: BackoffRecord, finished: { succeeded: boolean; finishedAtMs: number }[]): BackoffRecord {
  let r = { ...rec };
  for (const f of [...finished].sort((a, b) => a.finishedAtMs - b.finishedAtMs)) {
    if (f.succeeded) r = { failuresAfterLastSuccess: 0 };
    else r = { failuresAfterLastSuccess: r.failuresAfterLastSuccess + 1, lastFailureTimeMs: Math.max(r.lastFailureTimeMs ?? 0, f.finishedAtMs) };
  }
  return r;
}

/** How long until new pods may be created (0: now). */
export function remainingBackoffMs(rec: BackoffRecord, nowMs: number): number {
  if (rec.failuresAfterLastSuccess <= 0 || rec.lastFailureTimeMs === undefined) return 0;
  return Math.max(0, rec.lastFailureTimeMs + podFailureBackoffMs(rec.failuresAfterLastSuccess) - nowMs);
}

/** When a pod finished: the latest container finishedAt, else its deletion or now. */
export function podFinishTimeMs(pod: Pod, nowMs: number): number {
  let t = 0;
  for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const f = Date.parse(s.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(f)) t = Math.max(t, f);
  }
  return t || nowMs;
}

/** restartPolicy OnFailure: container restarts of running/pending pods count toward backoffLimit (upstream pastBackoffLimitOnFailure). */
export function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

export interface PolicyMatch {
  action: PodFailurePolicyRule['action'];
  /** The FailJob message, worded as upstream. */
  message: string;
}

function exitCodeMatches(rule: PodFailurePolicyRule, statuses: ContainerStatus[]): ContainerStatus | undefined {
  const req = rule.onExitCodes;
  if (!req) return undefined;
  for (const s of statuses) {
    if (req.containerName && req.containerName !== s.name) continue;
    const code = s.state?.terminated?.exitCode;
    // Upstream ignores containers that did not terminate, or exited 0.
    if (code === undefined || code === 0) continue;
    const inValues = req.values.includes(code);
    if ((req.operator === 'In' && inValues) || (req.operator === 'NotIn' && !inValues)) return s;
  }
  return undefined;
}

/** The first podFailurePolicy rule a failed pod matches (upstream matchPodFailurePolicy), or undefined: count it. */
export function matchPodFailurePolicy(job: Job, pod: Pod): PolicyMatch | undefined {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  for (const [i, rule] of rules.entries()) {
    if (rule.onExitCodes) {
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      const s = exitCodeMatches(rule, statuses);
      if (s) return { action: rule.action, message: `Container ${s.name} for pod ${ns}/${name} failed with exit code ${s.state?.terminated?.exitCode} matching ${rule.action} rule at index ${i}` };
    } else if (rule.onPodConditions) {
      for (const pattern of rule.onPodConditions) {
        const want = pattern.status ?? 'True';
        if (pod.status?.conditions?.some((c) => c.type === pattern.type && c.status === want)) {
          return { action: rule.action, message: `Pod ${ns}/${name} has condition ${pattern.type} matching ${rule.action} rule at index ${i}` };
        }
      }
    }
  }
  return undefined;
}

/** The completion index of a pod (annotation, else label), or undefined if absent or not a valid index of the job. */
export function podCompletionIndex(pod: Pod, completions: number): number | undefined {
  const v = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^(0|[1-9]\d{0,8})$/.test(v)) return undefined;
  const i = Number(v);
  return i < completions ? i : undefined;
}

/** Parse a completedIndexes string ("0-2,4"); bad parts and indexes >= completions are dropped. */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  if (!s) return out;
  for (const part of s.split(',')) {
    const m = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = Math.min(m[2] !== undefined ? Number(m[2]) : lo, completions - 1);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

/** The compressed range string upstream writes: sorted, runs as "a-b", singletons as "a". */
export function formatIndexes(set: Iterable<number>): string {
  const xs = [...new Set(set)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === (xs[j] ?? 0) + 1) j++;
    parts.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The lowest `count` indexes in [0, completions) neither completed nor running (upstream firstPendingIndexes). */
export function pendingIndexes(completions: number, completed: Set<number>, running: Set<number>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!completed.has(i) && !running.has(i)) out.push(i);
  return out;
}

/** Past activeDeadlineSeconds since startTime? And if not, how long until it will be. */
export function deadlineState(job: Job, nowMs: number): { exceeded: boolean; remainingMs?: number } {
  const ads = job.spec?.activeDeadlineSeconds;
  const start = Date.parse(job.status?.startTime ?? '');
  if (ads === undefined || ads === null || Number.isNaN(start)) return { exceeded: false };
  const remaining = start + ads * 1000 - nowMs;
  return remaining <= 0 ? { exceeded: true } : { exceeded: false, remainingMs: remaining };
}

/** The finish time of a finished job: completionTime, else its Complete/Failed condition's transition time (TTL controller). */
export function jobFinishTimeMs(job: Job): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      const t = Date.parse(c.lastTransitionTime ?? '');
      if (!Number.isNaN(t)) return t;
    }
  }
  return undefined;
}

/** When a finished job with ttlSecondsAfterFinished expires (ms since epoch), or undefined. */
export function ttlExpiryMs(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || !isJobFinished(job) || job.metadata?.deletionTimestamp) return undefined;
  const finished = jobFinishTimeMs(job);
  return finished === undefined ? undefined : finished + ttl * 1000;
}
