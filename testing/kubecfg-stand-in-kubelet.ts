// For kubecfg's integration tests only: what a kubelet would report for the pods
// of one namespace, without running containers (the real kubelet is exercised
// in e2e/). It binds each new pod to a node, reports it Running and Ready with
// a pod IP — or, for an image listed as broken, a container that keeps exiting
// (CrashLoopBackOff, never Ready), as the kubelet reports an image whose
// process exits — and finishes terminating pods (grace 0) unless told to hold
// them, as a kubelet that is slow to kill them would.

import type { Pod } from '../api/core.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';

/** Pods with this annotation are left alone (a test writes their status itself). */
export const IGNORE_ANNOTATION = 'test.tskube.io/no-kubelet';

export class StandInKubelet {
  readonly pods: Informer<Pod>;
  /** Images whose container never becomes Ready. */
  readonly broken = new Set<string>();
  /** While true, terminating pods stay (Terminating) instead of being finished. */
  hold = false;
  private ip = 1;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly client: RestClient,
    private readonly namespace: string,
    private readonly node = 'kc-node',
  ) {
    this.pods = new Informer<Pod>(client, 'pods', { namespace });
    this.pods.on('add', (p) => this.handle(p));
    this.pods.on('update', (_o, p) => this.handle(p));
  }

  async start(): Promise<void> {
    await this.pods.start();
  }

  async stop(): Promise<void> {
    await this.pods.stop();
    await Promise.allSettled([...this.pending]);
  }

  /** Finish every terminating pod now (after hold is lifted). */
  finishTerminating(): void {
    for (const p of this.pods.store.list()) this.handle(p);
  }

  private nextIP(): string {
    const n = this.ip++;
    return `10.99.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }

  private handle(pod: Pod): void {
    const job = this.act(pod).catch((err: unknown) => {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    });
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  private async act(pod: Pod): Promise<void> {
    if (pod.metadata?.annotations?.[IGNORE_ANNOTATION] !== undefined) return;
    const pods = this.client.pods(this.namespace);
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp) {
      if (!this.hold && !pod.metadata.finalizers?.length) await pods.delete(name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      return;
    }
    if (!pod.spec?.nodeName) {
      await pods.bind(name, this.node, { uid: pod.metadata?.uid });
      return;
    }
    if (pod.status?.phase === 'Running') return;
    const c = pod.spec.containers[0];
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const bad = this.broken.has(c.image ?? '');
    const status = bad
      ? {
          phase: 'Running',
          podIP: this.nextIP(),
          conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${c.name}]`, lastTransitionTime: now }],
          containerStatuses: [
            {
              name: c.name,
              image: c.image,
              imageID: '',
              ready: false,
              restartCount: 3,
              state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 40s restarting failed container=${c.name} pod=${name}` } },
              lastState: { terminated: { exitCode: 1, reason: 'Error' } },
            },
          ],
        }
      : {
          phase: 'Running',
          podIP: this.nextIP(),
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
          containerStatuses: [{ name: c.name, image: c.image, imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: now } } }],
        };
    await pods.patch(name, { status }, 'merge', { subresource: 'status' });
  }
}
