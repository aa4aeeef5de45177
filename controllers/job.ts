// The Job controller (upstream pkg/controller/job): runs a Job's pods to completion.
// - Pods are the Job's by ownerReference (controller: true, uid). Each carries the
//   batch.kubernetes.io/job-tracking finalizer: a finished (or deleted) pod is first recorded in
//   status.uncountedTerminatedPods, then its finalizer removed, then moved into the succeeded/failed
//   counters, so a pod that vanishes is never lost or counted twice. Pods the controller deletes
//   itself (excess, suspend, finished job) lose the finalizer first and are not counted.
// - Terminal conditions as 1.31+: FailureTarget / SuccessCriteriaMet first, remaining pods deleted,
//   then Failed / Complete once no pod is terminating.
// - Pod re-creation after failures waits 10 s doubling to 6 min (in-memory, as upstream).

import type { Job, JobCondition, JobStatus } from '../api/batch.js';
import type { Pod } from '../api/core.js';
import { deepEqual } from '../api/deep-equal.js';
import type { EventRecorder } from '../client/events.js';
import { isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { ResourceClient, RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { WorkQueue } from '../client/workqueue.js';
import { Expectations } from './expectations.js';
import type { RunnableInformer } from './informers.js';
import {
  completionsReached,
  deadlineState,
  formatIndexes,
  isIndexed,
  isJobFinished,
  isPodActive,
  isPodFailed,
  jobCondition,
  JOB_TRACKING_FINALIZER,
  matchPodFailurePolicy,
  MAX_POD_CREATE_DELETE_PER_SYNC,
  MESSAGE_BACKOFF_LIMIT,
  MESSAGE_COMPLETIONS_REACHED,
  MESSAGE_DEADLINE,
  parseIndexes,
  pastBackoffLimitOnFailure,
  pendingIndexes,
  podCompletionIndex,
  podFinishTimeMs,
  REASON_BACKOFF_LIMIT,
  REASON_COMPLETIONS_REACHED,
  REASON_DEADLINE,
  REASON_POD_FAILURE_POLICY,
  remainingBackoffMs,
  setCondition,
  updateBackoff,
  wantActive,
  DEFAULT_BACKOFF_LIMIT,
  type BackoffRecord,
} from './job-logic.js';
import { podForJob } from './job-pod.js';
import { compareForDeletion, controllerRef, isPodReady, nowTime, podKey } from './pod-util.js';
import { timerDelay } from './timer-delay.js';
import { runWorkers, startInformers } from './workers.js';

export interface JobControllerOptions {
  client: RestClient;
  /** --concurrent-job-syncs (5). */
  workers?: number;
  recorder?: EventRecorder;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  jobInformer?: Informer<Job>;
  /** Clock (tests). */
  now?: () => number;
}

/** Queue keys of orphan pods to release, beside the Jobs' own keys (a Job key never starts with it). */
const ORPHAN_PREFIX = 'orphan-pod:';

function hasFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Two versions of a Job that differ only in status: our own write coming back, nothing to do. */
function onlyStatusChanged(a: Job, b: Job): boolean {
  if (a.metadata?.resourceVersion === b.metadata?.resourceVersion) return false;
  const strip = (j: Job) => ({ ...j, status: undefined, metadata: { ...j.metadata, resourceVersion: undefined, managedFields: undefined } });
  return deepEqual(strip(a), strip(b));
}

export class JobController {
  readonly pods: Informer<Pod>;
  readonly jobs: Informer<Job>;
  readonly queue = new WorkQueue<string>({ name: 'job' });
  readonly expectations = new Expectations();
  private readonly backoffs = new Map<string, BackoffRecord>();
  private readonly client: RestClient;
  private readonly log: (m: string) => void;
  private readonly now: () => number;
  private readonly ownInformers: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: JobControllerOptions) {
    this.client = opts.client;
    this.log = opts.log ?? console.error;
    this.now = opts.now ?? Date.now;
    this.pods = opts.podInformer ?? this.own(new Informer<Pod>(this.client, 'pods'));
    this.jobs = opts.jobInformer ?? this.own(new Informer<Job>(this.client, this.client.resource<Job>('jobs')));
    this.jobs.on('add', (j) => this.queue.add(objectKey(j)));
    this.jobs.on('update', (o, j) => {
      if (!onlyStatusChanged(o, j)) this.queue.add(objectKey(j));
    });
    this.jobs.on('delete', (j) => {
      this.expectations.delete(objectKey(j));
      this.backoffs.delete(objectKey(j));
      // Its pods may still hold our finalizer: the garbage collector deletes them, we let them go.
      for (const p of this.pods.store.listNamespace(j.metadata?.namespace ?? '')) if (controllerRef(p)?.uid === j.metadata?.uid && hasFinalizer(p)) this.queue.add(ORPHAN_PREFIX + podKey(p));
    });
    this.pods.on('add', (p) => {
      const k = this.ownerKey(p);
      if (!k) {
        this.checkOrphan(p);
        return;
      }
      if (p.metadata?.deletionTimestamp) this.expectations.deletionObserved(k, podKey(p));
      else this.expectations.creationObserved(k);
      this.queue.add(k);
    });
    this.pods.on('update', (o, p) => {
      if (o.metadata?.resourceVersion === p.metadata?.resourceVersion) return;
      const k = this.ownerKey(p) ?? this.ownerKey(o);
      if (!k) {
        this.checkOrphan(p);
        return;
      }
      if (p.metadata?.deletionTimestamp && !o.metadata?.deletionTimestamp) this.expectations.deletionObserved(k, podKey(p));
      this.queue.add(k);
    });
    this.pods.on('delete', (p) => {
      const k = this.ownerKey(p);
      if (!k) return;
      this.expectations.deletionObserved(k, podKey(p));
      this.queue.add(k);
    });
  }

  private own<T extends RunnableInformer>(i: T): T {
    this.ownInformers.push(i);
    return i;
  }

  async start(): Promise<this> {
    await startInformers([this.pods, this.jobs]);
    this.workers = runWorkers(this.queue, this.opts.workers ?? 5, (k) => this.sync(k), 'job', this.log);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.ownInformers.map((i) => i.stop()));
    await this.workers;
  }

  /** The key of the Job controlling a pod, if we know that Job (same uid). */
  private ownerKey(pod: Pod): string | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = this.jobs.store.getByName(pod.metadata?.namespace, ref.name);
    if (!job || job.metadata?.uid !== ref.uid) return undefined;
    return objectKey(job);
  }

  /** A pod holding our finalizer whose Job is gone (or never known): release it, or it can never be deleted. */
  private checkOrphan(pod: Pod): void {
    if (hasFinalizer(pod) && controllerRef(pod)?.kind === 'Job') this.queue.add(ORPHAN_PREFIX + podKey(pod));
  }

  private async releaseOrphan(podKeyText: string): Promise<void> {
    const pod = this.pods.store.get(podKeyText);
    const ref = pod && controllerRef(pod);
    if (!pod || !hasFinalizer(pod) || ref?.kind !== 'Job') return;
    if (this.jobs.store.getByName(pod.metadata?.namespace, ref.name)?.metadata?.uid === ref.uid) return;
    // The cache may not have seen the Job yet: only the apiserver can say it is gone.
    try {
      const job = await this.client.resource<Job>('jobs', pod.metadata?.namespace).get(ref.name);
      if (job.metadata?.uid === ref.uid && !job.metadata?.deletionTimestamp) return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.removeFinalizer(pod);
  }

  private podsOf(job: Job): Pod[] {
    const uid = job.metadata?.uid;
    return this.pods.store.listNamespace(job.metadata?.namespace ?? '').filter((p) => controllerRef(p)?.uid === uid);
  }

  private podClient(job: Job): ResourceClient<Pod> {
    return this.client.pods(job.metadata?.namespace);
  }

  private jobClient(job: Job): ResourceClient<Job> {
    return this.client.resource<Job>('jobs', job.metadata?.namespace);
  }

  /** Remove the tracking finalizer (a 404 is fine: the pod is gone). */
  private async removeFinalizer(pod: Pod): Promise<void> {
    if (!hasFinalizer(pod)) return;
    try {
      await this.client.pods(pod.metadata?.namespace).patch(pod.metadata?.name ?? '', { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } }, 'strategic');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Delete pods the controller no longer wants. Their finalizer comes off first, so they are not
   * counted — except when the job is failing: upstream counts every pod it stops then as failed.
   */
  private async deletePods(job: Job, key: string, pods: Pod[], countAsFailed = false): Promise<void> {
    if (!pods.length) return;
    this.expectations.expectDeletions(key, pods.map(podKey));
    const results = await Promise.allSettled(
      pods.map(async (p) => {
        try {
          if (!countAsFailed) await this.removeFinalizer(p);
          await this.podClient(job).delete(p.metadata?.name ?? '', { preconditions: { uid: p.metadata?.uid } });
          this.opts.recorder?.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, podKey(p));
          if (isNotFound(err)) return;
          this.opts.recorder?.event(job, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
          throw err;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async createPods(job: Job, key: string, indexes: (number | undefined)[]): Promise<void> {
    if (!indexes.length) return;
    this.expectations.expectCreations(key, indexes.length);
    const results = await Promise.allSettled(
      indexes.map(async (i) => {
        try {
          const pod = await this.podClient(job).create(podForJob(job, i));
          this.opts.recorder?.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
        } catch (err) {
          this.expectations.creationObserved(key);
          this.opts.recorder?.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
          throw err;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async writeStatus(job: Job, status: JobStatus): Promise<Job> {
    if (deepEqual(job.status ?? {}, status)) return job;
    return this.jobClient(job).updateStatus({ ...job, status });
  }

  /** Reconcile one Job. */
  async sync(key: string): Promise<void> {
    if (key.startsWith(ORPHAN_PREFIX)) return this.releaseOrphan(key.slice(ORPHAN_PREFIX.length));
    let job = this.jobs.store.get(key);
    if (!job) {
      this.expectations.delete(key);
      this.backoffs.delete(key);
      return;
    }
    const pods = this.podsOf(job);
    // A Job being deleted or already finished only lets its pods go.
    if (job.metadata?.deletionTimestamp || isJobFinished(job)) {
      await Promise.all(pods.filter(hasFinalizer).map((p) => this.removeFinalizer(p)));
      return;
    }
    const nowMs = this.now();
    const now = nowTime(nowMs);
    const indexed = isIndexed(job);
    const completions = job.spec?.completions ?? 0;
    const status: JobStatus = structuredClone(job.status ?? {});
    const conds: JobCondition[] = status.conditions ?? [];
    const uncSucceeded = new Set(status.uncountedTerminatedPods?.succeeded ?? []);
    const uncFailed = new Set(status.uncountedTerminatedPods?.failed ?? []);
    const completed = indexed ? parseIndexes(status.completedIndexes, completions) : new Set<number>();

    // 1. Newly finished pods still holding our finalizer: record them as uncounted.
    let failJob: { reason: string; message: string } | undefined;
    const failing = conds.some((c) => c.type === 'FailureTarget' && c.status === 'True');
    const toRelease: Pod[] = [];
    const newlyFinished: { succeeded: boolean; finishedAtMs: number }[] = [];
    for (const p of pods) {
      if (!hasFinalizer(p)) continue;
      const uid = p.metadata?.uid ?? '';
      if (uncSucceeded.has(uid) || uncFailed.has(uid)) {
        toRelease.push(p);
        continue;
      }
      if (p.status?.phase === 'Succeeded') {
        uncSucceeded.add(uid);
        if (indexed) {
          const i = podCompletionIndex(p, completions);
          if (i !== undefined) completed.add(i);
        }
        newlyFinished.push({ succeeded: true, finishedAtMs: podFinishTimeMs(p, nowMs) });
        toRelease.push(p);
      } else if (isPodFailed(p, job) || (failing && p.metadata?.deletionTimestamp)) {
        const match = p.status?.phase === 'Failed' ? matchPodFailurePolicy(job, p) : undefined;
        if (match?.action === 'Ignore') {
          // Not counted toward backoffLimit; the pod is simply replaced.
          toRelease.push(p);
          continue;
        }
        if (match?.action === 'FailJob') failJob ??= { reason: REASON_POD_FAILURE_POLICY, message: match.message };
        uncFailed.add(uid);
        newlyFinished.push({ succeeded: false, finishedAtMs: podFinishTimeMs(p, nowMs) });
        toRelease.push(p);
      }
    }
    if (newlyFinished.length) this.backoffs.set(key, updateBackoff(this.backoffs.get(key) ?? { failuresAfterLastSuccess: 0 }, newlyFinished));
    const withUncounted = (): JobStatus => ({
      ...status,
      conditions: conds.length ? conds : undefined,
      ...(indexed ? { completedIndexes: formatIndexes(completed) } : {}),
      uncountedTerminatedPods: { ...(uncSucceeded.size ? { succeeded: [...uncSucceeded] } : {}), ...(uncFailed.size ? { failed: [...uncFailed] } : {}) },
    });
    if (toRelease.length) {
      // The uncounted list is durable before any finalizer comes off.
      job = await this.writeStatus(job, withUncounted());
      await Promise.all(toRelease.map((p) => this.removeFinalizer(p)));
    }
    // 2. Every uncounted pod is now released (or gone): move it into the counters.
    const stillHeld = new Set(pods.filter((p) => hasFinalizer(p) && !toRelease.includes(p)).map((p) => p.metadata?.uid ?? ''));
    for (const uid of [...uncSucceeded]) if (!stillHeld.has(uid)) {
      uncSucceeded.delete(uid);
      status.succeeded = (status.succeeded ?? 0) + 1;
    }
    for (const uid of [...uncFailed]) if (!stillHeld.has(uid)) {
      uncFailed.delete(uid);
      status.failed = (status.failed ?? 0) + 1;
    }
    if (indexed) status.succeeded = completed.size;
    const succeeded = (status.succeeded ?? 0) + (indexed ? 0 : uncSucceeded.size);
    const failed = (status.failed ?? 0) + uncFailed.size;

    let active = pods.filter(isPodActive);
    const terminating = pods.filter((p) => p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const suspended = job.spec?.suspend === true;

    // 3. Start time, suspend/resume.
    if (!status.startTime && !suspended) status.startTime = now;
    if (suspended) {
      if (setCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now) && jobCondition(job, 'Suspended')?.status !== 'True') {
        this.opts.recorder?.event(job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else if (jobCondition(job, 'Suspended')?.status === 'True') {
      setCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
      // Resumed jobs restart their activeDeadlineSeconds clock.
      status.startTime = now;
      this.opts.recorder?.event(job, 'Normal', 'Resumed', 'Job resumed');
    }

    // 4. Finishing decisions (FailureTarget / SuccessCriteriaMet come first, as 1.31+).
    const jobForDeadline: Job = { ...job, status: { ...job.status, startTime: status.startTime } };
    const deadline = deadlineState(jobForDeadline, nowMs);
    const backoffLimit = job.spec?.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
    if (!conds.some((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True')) {
      const failure =
        failJob ??
        (failed > backoffLimit || pastBackoffLimitOnFailure(job, active) ? { reason: REASON_BACKOFF_LIMIT, message: MESSAGE_BACKOFF_LIMIT } : undefined) ??
        (!suspended && deadline.exceeded ? { reason: REASON_DEADLINE, message: MESSAGE_DEADLINE } : undefined);
      const doneCount = indexed ? completed.size : succeeded;
      if (failure) setCondition(conds, 'FailureTarget', 'True', failure.reason, failure.message, now);
      else if (completionsReached(job, doneCount, active.length)) setCondition(conds, 'SuccessCriteriaMet', 'True', REASON_COMPLETIONS_REACHED, MESSAGE_COMPLETIONS_REACHED, now);
    }
    const failureTarget = conds.find((c) => c.type === 'FailureTarget' && c.status === 'True');
    const successMet = conds.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');

    // Boxed, so a failure is told apart from none whatever was thrown.
    let manageFailure: { error: unknown } | undefined;
    let requeueMs: number | undefined;
    const satisfied = this.expectations.satisfied(key);
    try {
      if (failureTarget || successMet || suspended) {
        if (active.length && satisfied) await this.deletePods(job, key, active, !!failureTarget);
        active = [];
      } else if (satisfied) {
        requeueMs = await this.manage(job, key, active, indexed ? completed.size : succeeded, completed);
      }
    } catch (err) {
      manageFailure = { error: err };
    }
    if (!failureTarget && !successMet && !suspended && deadline.remainingMs !== undefined) requeueMs = Math.min(requeueMs ?? Infinity, deadline.remainingMs + 100);

    // 5. Terminal condition once nothing is left running or uncounted.
    const settled = active.length === 0 && terminating.length === 0 && uncSucceeded.size === 0 && uncFailed.size === 0;
    let finishedEvent: (() => void) | undefined;
    if (failureTarget && settled) {
      setCondition(conds, 'Failed', 'True', failureTarget.reason ?? '', failureTarget.message ?? '', now);
      finishedEvent = () => this.opts.recorder?.event(job, 'Warning', failureTarget.reason ?? 'Failed', failureTarget.message ?? '');
    } else if (successMet && !failureTarget && settled) {
      setCondition(conds, 'Complete', 'True', successMet.reason ?? '', successMet.message ?? '', now);
      status.completionTime = now;
      finishedEvent = () => this.opts.recorder?.event(job, 'Normal', 'Completed', 'Job completed');
    }

    const stillActive = failureTarget || successMet || suspended ? [] : active;
    const final: JobStatus = {
      ...withUncounted(),
      succeeded,
      failed,
      active: stillActive.length,
      ready: stillActive.filter(isPodReady).length,
      terminating: terminating.length,
    };
    if (!final.uncountedTerminatedPods?.succeeded && !final.uncountedTerminatedPods?.failed) final.uncountedTerminatedPods = {};
    await this.writeStatus(job, final);
    finishedEvent?.();
    if (manageFailure) throw manageFailure.error;
    if (requeueMs !== undefined && Number.isFinite(requeueMs)) this.queue.addAfter(key, timerDelay(requeueMs));
  }

  /** Create or delete pods toward wantActive; returns a delay to look again (back-off), if any. */
  private async manage(job: Job, key: string, active: Pod[], succeeded: number, completed: Set<number>): Promise<number | undefined> {
    const indexed = isIndexed(job);
    const completions = job.spec?.completions ?? 0;
    const want = wantActive(job, succeeded, active.length);

    if (indexed) {
      // Duplicates of an index, completed indexes and out-of-range ones go first.
      const seen = new Set<number>();
      const extra: Pod[] = [];
      for (const p of [...active].sort(compareForDeletion).reverse()) {
        const i = podCompletionIndex(p, completions);
        if (i === undefined || completed.has(i) || seen.has(i)) extra.push(p);
        else seen.add(i);
      }
      const keep = active.filter((p) => !extra.includes(p));
      const over = Math.max(0, keep.length - want);
      const victims = [...extra, ...[...keep].sort(compareForDeletion).slice(0, over)].slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
      if (victims.length) {
        await this.deletePods(job, key, victims);
        return undefined;
      }
      const diff = Math.min(want - keep.length, MAX_POD_CREATE_DELETE_PER_SYNC);
      if (diff <= 0) return undefined;
      const wait = remainingBackoffMs(this.backoffs.get(key) ?? { failuresAfterLastSuccess: 0 }, this.now());
      if (wait > 0) return wait;
      await this.createPods(job, key, pendingIndexes(completions, completed, seen, diff));
      return undefined;
    }
    if (active.length > want) {
      await this.deletePods(job, key, [...active].sort(compareForDeletion).slice(0, Math.min(active.length - want, MAX_POD_CREATE_DELETE_PER_SYNC)));
      return undefined;
    }
    const diff = Math.min(want - active.length, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (diff <= 0) return undefined;
    const wait = remainingBackoffMs(this.backoffs.get(key) ?? { failuresAfterLastSuccess: 0 }, this.now());
    if (wait > 0) return wait;
    await this.createPods(job, key, Array.from({ length: diff }, () => undefined));
    return undefined;
  }
}
