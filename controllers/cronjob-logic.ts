// The CronJob controller's decisions as pure functions (upstream pkg/controller/cronjob v2 utils):
// which scheduled time is due, how many were missed, when to look again, the Job name and
// scheduled-timestamp annotation, and which finished Jobs the history limits remove.

import type { CronJob, Job } from '../api/batch.js';
import { nextCronTime, type CronSchedule } from '../api/cron-schedule.js';
import { isJobFinished } from './job-logic.js';

export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Upstream nextScheduleDelta: look again a little after the scheduled time. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed start times than this is reported as "too many missed start times". */
export const TOO_MANY_MISSED = 100;

export type Missed = 'none' | 'few' | 'many';

export interface ScheduleCheck {
  /** The time the next activation is counted from (lastScheduleTime, creation, or the starting deadline). */
  earliestMs: number;
  /** The latest scheduled time at or before now that has not run, if any. */
  mostRecentMs?: number;
  missed: Missed;
  /** How many scheduled times were missed (approximate past two, as upstream). */
  missedCount: number;
}

function next(schedule: CronSchedule, afterMs: number, tz: string | undefined): number | undefined {
  return nextCronTime(schedule, new Date(afterMs), tz)?.getTime();
}

/** Upstream mostRecentScheduleTime. */
export function mostRecentScheduleTime(cj: CronJob, nowMs: number, schedule: CronSchedule, includeStartingDeadline: boolean): ScheduleCheck {
  let earliestMs = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '');
  if (Number.isNaN(earliestMs)) earliestMs = nowMs;
  const sds = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && sds !== undefined && sds !== null) earliestMs = Math.max(earliestMs, nowMs - sds * 1000);
  const tz = cj.spec?.timeZone;
  const t1 = next(schedule, earliestMs, tz);
  if (t1 === undefined || nowMs < t1) return { earliestMs, missed: 'none', missedCount: 0 };
  const t2 = next(schedule, t1, tz);
  if (t2 === undefined || nowMs < t2) return { earliestMs, mostRecentMs: t1, missed: 'none', missedCount: 1 };
  // Upstream's approximation: count intervals of (t2 - t1) between t1 and now, then settle on the
  // exact latest activation at or before now by stepping from there.
  const interval = Math.max(1000, Math.round((t2 - t1) / 1000) * 1000);
  const count = Math.floor((nowMs - t1) / interval) + 1;
  let mostRecent = t1 + (count - 1) * interval;
  for (let n = next(schedule, mostRecent, tz), guard = 0; n !== undefined && n <= nowMs && guard < 1000; n = next(schedule, n, tz), guard++) mostRecent = n;
  return { earliestMs, mostRecentMs: mostRecent, missed: count > TOO_MANY_MISSED ? 'many' : 'few', missedCount: count };
}

/** How long until the controller should look at the CronJob again (upstream nextScheduleTimeDuration). */
export function nextScheduleDelayMs(cj: CronJob, nowMs: number, schedule: CronSchedule): number | undefined {
  const check = mostRecentScheduleTime(cj, nowMs, schedule, false);
  const from = check.mostRecentMs ?? check.earliestMs;
  const n = next(schedule, from, cj.spec?.timeZone);
  if (n === undefined) return undefined;
  return Math.max(0, n + NEXT_SCHEDULE_DELTA_MS - nowMs);
}

/** What concurrencyPolicy says to do at a due time with `active` Jobs still running. */
export function concurrencyAction(policy: string | undefined, active: number): 'create' | 'skip' | 'replace' {
  if (active === 0) return 'create';
  if (policy === 'Forbid') return 'skip';
  if (policy === 'Replace') return 'replace';
  return 'create';
}

/** The Job for a scheduled time: <cronjob>-<minutes since the epoch>. */
export function jobNameFor(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata?.name ?? ''}-${Math.floor(scheduledMs / 60_000)}`;
}

/** RFC 3339 in the CronJob's zone, as Go's time.Format(time.RFC3339) of a time in that location. */
export function formatInZone(ms: number, timeZone: string | undefined): string {
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const parts: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const wallMs = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offMin = Math.round((wallMs - Math.floor(ms / 1000) * 1000) / 60_000);
  const sign = offMin < 0 ? '-' : '+';
  const abs = Math.abs(offMin);
  const off = offMin === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${off}`;
}

export function isJobSucceeded(job: Job): boolean {
  return job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ?? false;
}

/** The finished condition type of a Job ("Complete"/"Failed"), as upstream's getFinishedStatus. */
export function finishedConditionType(job: Job): string | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;
}

/** Upstream byJobStartTime: by status.startTime, jobs without one last, ties by name. */
function compareStart(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Finished Jobs past successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first (upstream cleanupFinishedJobs). */
export function jobsOverHistoryLimits(cj: CronJob, jobs: Job[]): Job[] {
  const out: Job[] = [];
  const pick = (limit: number | undefined, list: Job[]) => {
    if (limit === undefined || limit === null) return;
    const sorted = [...list].sort(compareStart);
    out.push(...sorted.slice(0, Math.max(0, sorted.length - limit)));
  };
  const finished = jobs.filter(isJobFinished);
  pick(cj.spec?.successfulJobsHistoryLimit, finished.filter(isJobSucceeded));
  pick(cj.spec?.failedJobsHistoryLimit, finished.filter((j) => !isJobSucceeded(j)));
  return out;
}
