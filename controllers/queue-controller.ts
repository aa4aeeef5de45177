// The frame shared by controllers that own some informers and work a queue of keys with a
// few workers (client-go's controller pattern). What differs between them is what they
// watch, which keys they queue and what sync does with a key.

import { WorkQueue } from '../client/workqueue.js';
import type { RunnableInformer } from './informers.js';
import { runWorkers, startInformers } from './workers.js';

export abstract class QueueController {
  readonly queue: WorkQueue<string>;
  protected readonly log: (m: string) => void;
  /** Informers this controller made itself (not handed shared ones): it starts and stops them. */
  private readonly own: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(queueName: string, log: ((m: string) => void) | undefined) {
    this.queue = new WorkQueue<string>({ name: queueName });
    this.log = log ?? console.error;
  }

  /** Works one key of the queue; a throw retries it with back-off. */
  abstract sync(key: string): Promise<void>;

  protected keep<T extends RunnableInformer>(i: T): T {
    this.own.push(i);
    return i;
  }

  /** Waits for every informer's first list (no acting on a half-filled cache), then starts the workers. */
  protected async runWorkers(informers: { start(): Promise<void> }[], workers: number, name: string): Promise<void> {
    await startInformers(informers);
    this.workers = runWorkers(this.queue, workers, (k) => this.sync(k), name, this.log);
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.own.map((i) => i.stop()));
    await this.workers;
  }
}
