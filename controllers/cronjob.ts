// The CronJob controller (upstream pkg/controller/cronjob, v2): for each CronJob, tracks its Jobs in
// status.active, records lastScheduleTime/lastSuccessfulTime, creates the Job due at the most recent
// scheduled time (named <cronjob>-<minutes since epoch>, owned with controller: true) under its
// concurrencyPolicy and startingDeadlineSeconds, removes finished Jobs past the history limits, and
// requeues itself for the next scheduled time (no polling).

import type { CronJob, CronJobStatus, Job } from '../api/batch.js';
import type { ObjectReference } from '../api/core.js';
import { isKnownTimeZone, parseCronSchedule } from '../api/cron-schedule.js';
import { deepEqual } from '../api/deep-equal.js';
import type { EventRecorder } from '../client/events.js';
import { isAlreadyExists, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { ResourceClient, RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { WorkQueue } from '../client/workqueue.js';
import { concurrencyAction, CRONJOB_SCHEDULED_TIMESTAMP, finishedConditionType, formatInZone, isJobSucceeded, jobNameFor, jobsOverHistoryLimits, mostRecentScheduleTime, nextScheduleDelayMs } from './cronjob-logic.js';
import type { RunnableInformer } from './informers.js';
import { isJobFinished } from './job-logic.js';
import { controllerRef, nowTime } from './pod-util.js';
import { timerDelay } from './timer-delay.js';
import { runWorkers, startInformers } from './workers.js';

export interface CronJobControllerOptions {
  client: RestClient;
  /** --concurrent-cron-job-syncs (5). */
  workers?: number;
  recorder?: EventRecorder;
  log?: (m: string) => void;
  jobInformer?: Informer<Job>;
  cronJobInformer?: Informer<CronJob>;
  now?: () => number;
}

function jobRef(job: Job): ObjectReference {
  return { kind: 'Job', namespace: job.metadata?.namespace, name: job.metadata?.name, uid: job.metadata?.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata?.resourceVersion };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Go's time.RFC1123Z in UTC, as upstream's MissSchedule event prints the time. */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export class CronJobController {
  readonly jobs: Informer<Job>;
  readonly cronJobs: Informer<CronJob>;
  readonly queue = new WorkQueue<string>({ name: 'cronjob' });
  private readonly client: RestClient;
  private readonly log: (m: string) => void;
  private readonly now: () => number;
  private readonly ownInformers: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: CronJobControllerOptions) {
    this.client = opts.client;
    this.log = opts.log ?? console.error;
    this.now = opts.now ?? Date.now;
    this.jobs = opts.jobInformer ?? this.own(new Informer<Job>(this.client, this.client.resource<Job>('jobs')));
    this.cronJobs = opts.cronJobInformer ?? this.own(new Informer<CronJob>(this.client, this.client.resource<CronJob>('cronjobs')));
    this.cronJobs.on('add', (c) => this.queue.add(objectKey(c)));
    this.cronJobs.on('update', (o, c) => {
      // Our own status writes come back too: only a spec or metadata change needs a look now.
      if (!deepEqual(o.spec, c.spec) || !deepEqual(o.metadata?.labels, c.metadata?.labels) || o.metadata?.deletionTimestamp !== c.metadata?.deletionTimestamp) this.queue.add(objectKey(c));
    });
    this.jobs.on('add', (j) => this.jobChanged(j));
    this.jobs.on('update', (o, j) => {
      if (o.metadata?.resourceVersion !== j.metadata?.resourceVersion) this.jobChanged(j);
    });
    this.jobs.on('delete', (j) => this.jobChanged(j));
  }

  private own<T extends RunnableInformer>(i: T): T {
    this.ownInformers.push(i);
    return i;
  }

  async start(): Promise<this> {
    await startInformers([this.jobs, this.cronJobs]);
    this.workers = runWorkers(this.queue, this.opts.workers ?? 5, (k) => this.sync(k), 'cronjob', this.log);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.ownInformers.map((i) => i.stop()));
    await this.workers;
  }

  private jobChanged(job: Job): void {
    const ref = controllerRef(job);
    if (ref?.kind !== 'CronJob') return;
    const cj = this.cronJobs.store.getByName(job.metadata?.namespace, ref.name);
    if (cj && cj.metadata?.uid === ref.uid) this.queue.add(objectKey(cj));
  }

  private jobClient(ns: string | undefined): ResourceClient<Job> {
    return this.client.resource<Job>('jobs', ns);
  }

  private event(cj: CronJob, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.opts.recorder?.event(cj, type, reason, message);
  }

  async sync(key: string): Promise<void> {
    const cached = this.cronJobs.store.get(key);
    if (!cached) return;
    const cj: CronJob = structuredClone(cached);
    const ns = cj.metadata?.namespace;
    const status: CronJobStatus = cj.status ?? {};
    const active: ObjectReference[] = [...(status.active ?? [])];
    const jobs = this.jobs.store.listNamespace(ns ?? '').filter((j) => controllerRef(j)?.uid === cj.metadata?.uid);
    const nowMs = this.now();

    // 1. Reconcile status.active and lastSuccessfulTime with the Jobs that exist.
    const inActive = (uid: string | undefined) => active.some((a) => a.uid === uid);
    for (const j of jobs) {
      const finished = isJobFinished(j);
      if (!inActive(j.metadata?.uid) && !finished) {
        this.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata?.name}`);
        active.push(jobRef(j));
      } else if (inActive(j.metadata?.uid) && finished) {
        active.splice(active.findIndex((a) => a.uid === j.metadata?.uid), 1);
        this.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata?.name}, condition: ${finishedConditionType(j)}`);
      }
      if (finished && isJobSucceeded(j) && j.status?.completionTime) {
        const done = Date.parse(j.status.completionTime);
        if (!status.lastSuccessfulTime || done > Date.parse(status.lastSuccessfulTime)) status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    for (const a of [...active]) {
      if (jobs.some((j) => j.metadata?.uid === a.uid)) continue;
      // Ask the apiserver: the informer may simply not have seen the Job yet.
      try {
        const j = await this.jobClient(ns).get(a.name ?? '');
        if (j.metadata?.uid === a.uid) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${a.name}`);
      active.splice(active.indexOf(a), 1);
    }

    // 2. Finished Jobs past the history limits.
    for (const j of jobsOverHistoryLimits(cj, jobs)) await this.deleteJob(cj, j.metadata?.name ?? '', j.metadata?.uid);

    let requeueMs: number | undefined;
    try {
      if (!cj.metadata?.deletionTimestamp && !cj.spec?.suspend) requeueMs = await this.schedule(cj, status, active, jobs, nowMs);
    } finally {
      const next: CronJobStatus = { ...status, active: active.length ? active : undefined };
      if (!next.active) delete next.active;
      if (!deepEqual(cached.status ?? {}, next)) await this.client.resource<CronJob>('cronjobs', ns).updateStatus({ ...cached, status: next });
    }
    if (requeueMs !== undefined) this.queue.addAfter(key, timerDelay(requeueMs));
  }

  /** Create the Job due now, if any; returns when to look again. */
  private async schedule(cj: CronJob, status: CronJobStatus, active: ObjectReference[], jobs: Job[], nowMs: number): Promise<number | undefined> {
    const tz = cj.spec?.timeZone;
    if (tz !== undefined && tz !== null && !isKnownTimeZone(tz)) {
      this.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
      return undefined;
    }
    let sched;
    try {
      sched = parseCronSchedule(cj.spec?.schedule ?? '');
    } catch (err) {
      this.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule ?? '')} : ${errorMessage(err)}`);
      return undefined;
    }
    const forCheck: CronJob = { ...cj, status: { ...status } };
    const check = mostRecentScheduleTime(forCheck, nowMs, sched, true);
    const requeue = () => nextScheduleDelayMs({ ...cj, status: { ...status } }, nowMs, sched);
    if (check.missed === 'many') {
      this.event(cj, 'Warning', 'TooManyMissedTimes', `too many missed start times: ${check.missedCount}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }
    const scheduled = check.mostRecentMs;
    if (scheduled === undefined) return requeue();
    const sds = cj.spec?.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null && scheduled + sds * 1000 < nowMs) {
      this.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return requeue();
    }
    const name = jobNameFor(cj, scheduled);
    if (active.some((a) => a.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled)) return requeue();
    const action = concurrencyAction(cj.spec?.concurrencyPolicy, active.length);
    if (action === 'skip') {
      this.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return requeue();
    }
    if (action === 'replace') {
      for (const a of [...active]) {
        await this.deleteJob(cj, a.name ?? '', a.uid);
        active.splice(active.indexOf(a), 1);
      }
    }
    const template = cj.spec?.jobTemplate ?? {};
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata?.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP]: formatInZone(scheduled, tz ?? undefined) },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata?.name ?? '', uid: cj.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(template.spec ?? { template: {} }),
    };
    try {
      const created = await this.jobClient(cj.metadata?.namespace).create(job);
      this.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
      active.push(jobRef(created));
    } catch (err) {
      if (isAlreadyExists(err)) {
        // Created by an earlier sync whose status write was lost: adopt it into active if it is ours.
        const existing = jobs.find((j) => j.metadata?.name === name);
        if (existing && !isJobFinished(existing) && !active.some((a) => a.uid === existing.metadata?.uid)) active.push(jobRef(existing));
      } else {
        this.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(err)}`);
        throw err;
      }
    }
    status.lastScheduleTime = nowTime(scheduled);
    return requeue();
  }

  private async deleteJob(cj: CronJob, name: string, uid: string | undefined): Promise<void> {
    try {
      await this.jobClient(cj.metadata?.namespace).delete(name, { propagationPolicy: 'Background', ...(uid ? { preconditions: { uid } } : {}) });
      this.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(err)}`);
      throw err;
    }
  }
}
