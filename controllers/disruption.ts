// The disruption controller (upstream pkg/controller/disruption): keeps every
// PodDisruptionBudget's status — currentHealthy, desiredHealthy, expectedPods,
// disruptionsAllowed, observedGeneration, the DisruptionAllowed condition and the
// evictions still in flight (disruptedPods) — from its pods and, for maxUnavailable or a
// percentage, from the scale of their controllers (RC, ReplicaSet or the Deployment
// owning it, StatefulSet) read through the scale subresource. Decisions are in
// disruption-logic.ts.

import type { Pod } from '../api/core.js';
import type { OwnerReference } from '../api/meta.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from '../api/policy.js';
import { labelSelectorMatcher } from '../api/selectors.js';
import { deepEqual } from '../api/deep-equal.js';
import { isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { WorkQueue } from '../client/workqueue.js';
import { budgetStatus, failSafeStatus, needsExpectedScale } from './disruption-logic.js';
import type { RunnableInformer } from './informers.js';
import { controllerRef } from './pod-util.js';
import { timerDelay } from './timer-delay.js';
import { runWorkers, startInformers } from './workers.js';

export interface DisruptionControllerOptions {
  client: RestClient;
  workers?: number;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  pdbInformer?: Informer<PodDisruptionBudget>;
  now?: () => number;
}

/** Controller kinds whose scale counts, by ownerReference kind: their resource (group by apiVersion). */
const SCALED: Record<string, string> = { ReplicationController: 'replicationcontrollers', ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', Deployment: 'deployments' };

export class DisruptionController {
  readonly pods: Informer<Pod>;
  readonly pdbs: Informer<PodDisruptionBudget>;
  readonly queue = new WorkQueue<string>({ name: 'disruption' });
  private readonly now: () => number;
  private readonly ownInformers: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: DisruptionControllerOptions) {
    this.now = opts.now ?? Date.now;
    const c = opts.client;
    this.pods = opts.podInformer ?? this.own(new Informer<Pod>(c, c.pods()));
    this.pdbs = opts.pdbInformer ?? this.own(new Informer<PodDisruptionBudget>(c, c.resource<PodDisruptionBudget>('poddisruptionbudgets')));
    this.pdbs.on('add', (b) => this.queue.add(objectKey(b)));
    this.pdbs.on('update', (_o, b) => this.queue.add(objectKey(b)));
    this.pods.on('add', (p) => this.podChanged(p));
    this.pods.on('update', (o, p) => {
      this.podChanged(p);
      // A relabelled pod may leave a budget.
      if (!deepEqual(o.metadata.labels ?? {}, p.metadata.labels ?? {})) this.podChanged(o);
    });
    this.pods.on('delete', (p) => this.podChanged(p));
  }

  private own<T extends RunnableInformer>(i: T): T {
    this.ownInformers.push(i);
    return i;
  }

  /** getPdbForPod: every budget of the pod's namespace that selects it. */
  private podChanged(pod: Pod): void {
    for (const b of this.pdbs.store.listNamespace(pod.metadata.namespace ?? '')) {
      try {
        if (labelSelectorMatcher(b.spec?.selector).matches(pod.metadata.labels ?? {})) this.queue.add(objectKey(b));
      } catch {
        // An unparsable selector selects nothing.
      }
    }
  }

  async start(): Promise<this> {
    await startInformers([...this.ownInformers]);
    this.workers = runWorkers(this.queue, this.opts.workers ?? 1, (k) => this.sync(k), 'disruption', this.opts.log ?? console.error);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.ownInformers.map((i) => i.stop()));
    await this.workers;
  }

  async sync(key: string): Promise<void> {
    const pdb = this.pdbs.store.get(key);
    if (!pdb) return;
    const ns = pdb.metadata.namespace ?? '';
    let pods: Pod[];
    try {
      const sel = labelSelectorMatcher(pdb.spec?.selector);
      pods = this.pods.store.listNamespace(ns).filter((p) => sel.matches(p.metadata.labels ?? {}));
    } catch (err) {
      return this.write(pdb, failSafeStatus(pdb, (err as Error).message, this.now()));
    }
    let scale = 0;
    if (needsExpectedScale(pdb)) {
      try {
        scale = await this.expectedScale(ns, pods);
      } catch (err) {
        return this.write(pdb, failSafeStatus(pdb, (err as Error).message, this.now()));
      }
    }
    const { status, recheckAt } = budgetStatus(pdb, pods, scale, this.now());
    // A recorded eviction that outlives the timeout is dropped then.
    if (recheckAt !== undefined) this.queue.addAfter(key, timerDelay(recheckAt - this.now()));
    await this.write(pdb, status);
  }

  private async write(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Promise<void> {
    if (deepEqual(pdb.status ?? {}, status)) return;
    try {
      await this.opts.client.resource<PodDisruptionBudget>('poddisruptionbudgets', pdb.metadata.namespace).updateStatus({ ...pdb, status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** getExpectedScale: each pod's controller counted once, a ReplicaSet's through its Deployment when it has one. */
  private async expectedScale(ns: string, pods: Pod[]): Promise<number> {
    const seen = new Map<string, number>();
    for (const pod of pods) {
      const ref = controllerRef(pod);
      if (!ref) throw new Error(`found no controller ref for pod ${JSON.stringify(pod.metadata.name)}`);
      const owner = await this.scaleOwner(ns, ref);
      if (!owner) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata.name)}`);
      if (seen.has(owner.uid)) continue;
      seen.set(owner.uid, owner.replicas);
    }
    let sum = 0;
    for (const n of seen.values()) sum += n;
    return sum;
  }

  private async scaleOwner(ns: string, ref: OwnerReference): Promise<{ uid: string; replicas: number } | undefined> {
    const resource = SCALED[ref.kind];
    if (!resource) return undefined;
    const client = this.opts.client;
    try {
      if (ref.kind === 'ReplicaSet') {
        const rs = await client.resource<Pod>('replicasets', ns).get(ref.name);
        if (rs.metadata.uid !== ref.uid) return undefined;
        const dref = controllerRef(rs);
        if (dref?.kind === 'Deployment') return await this.scaleOf(ns, 'deployments', dref);
      }
      return await this.scaleOf(ns, resource, ref);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async scaleOf(ns: string, resource: string, ref: OwnerReference): Promise<{ uid: string; replicas: number } | undefined> {
    const s = await this.opts.client.resource(resource, ns).getScale(ref.name);
    if (s.metadata?.uid && s.metadata.uid !== ref.uid) return undefined;
    return { uid: ref.uid, replicas: s.spec?.replicas ?? 0 };
  }
}
