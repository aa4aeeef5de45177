// The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): a finished Job
// (Complete or Failed) with spec.ttlSecondsAfterFinished is deleted, with background propagation,
// that many seconds after it finished. It re-reads the Job before deleting (its TTL may have been
// changed) and deletes with a uid precondition; it requeues itself for the expiry, never polls.

import type { Job } from '../api/batch.js';
import { isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { WorkQueue } from '../client/workqueue.js';
import type { RunnableInformer } from './informers.js';
import { ttlExpiryMs } from './job-logic.js';
import { timerDelay } from './timer-delay.js';
import { runWorkers, startInformers } from './workers.js';

export interface TTLAfterFinishedOptions {
  client: RestClient;
  /** --concurrent-ttl-after-finished-syncs (5). */
  workers?: number;
  log?: (m: string) => void;
  jobInformer?: Informer<Job>;
  now?: () => number;
}

export class TTLAfterFinishedController {
  readonly jobs: Informer<Job>;
  readonly queue = new WorkQueue<string>({ name: 'ttl_jobs_to_delete' });
  private readonly now: () => number;
  private readonly ownInformers: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: TTLAfterFinishedOptions) {
    this.now = opts.now ?? Date.now;
    this.jobs = opts.jobInformer ?? this.own(new Informer<Job>(opts.client, opts.client.resource<Job>('jobs')));
    this.jobs.on('add', (j) => this.consider(j));
    this.jobs.on('update', (_o, j) => this.consider(j));
  }

  private own<T extends RunnableInformer>(i: T): T {
    this.ownInformers.push(i);
    return i;
  }

  private consider(job: Job): void {
    if (ttlExpiryMs(job) !== undefined) this.queue.add(objectKey(job));
  }

  async start(): Promise<this> {
    await startInformers([this.jobs]);
    this.workers = runWorkers(this.queue, this.opts.workers ?? 5, (k) => this.sync(k), 'ttl-after-finished', this.opts.log ?? console.error);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.ownInformers.map((i) => i.stop()));
    await this.workers;
  }

  async sync(key: string): Promise<void> {
    const cached = this.jobs.store.get(key);
    if (!cached) return;
    let expiry = ttlExpiryMs(cached);
    if (expiry === undefined) return;
    if (expiry > this.now()) {
      this.queue.addAfter(key, timerDelay(expiry - this.now()));
      return;
    }
    const rc = this.opts.client.resource<Job>('jobs', cached.metadata?.namespace);
    // The cache may be stale: look at the Job as it is now before deleting it.
    let fresh: Job;
    try {
      fresh = await rc.get(cached.metadata?.name ?? '');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    expiry = ttlExpiryMs(fresh);
    if (expiry === undefined || fresh.metadata?.uid !== cached.metadata?.uid) return;
    if (expiry > this.now()) {
      this.queue.addAfter(key, timerDelay(expiry - this.now()));
      return;
    }
    try {
      await rc.delete(fresh.metadata?.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: fresh.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
