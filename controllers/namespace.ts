// The namespace controller: a namespace marked for deletion is emptied —
// every namespaced resource in it deleted (pods gracefully: the controller
// waits for them to be gone) — and then finalized (PUT .../finalize without
// the "kubernetes" finalizer), after which the apiserver removes it. While
// content remains it sets Kubernetes' NamespaceContentRemaining condition and
// looks again shortly.

import type { Namespace, NamespaceCondition } from '../api/core.js';
import type { KubeObject } from '../api/meta.js';
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { WorkQueue } from '../client/workqueue.js';
import { nowTime } from './pod-util.js';
import { runWorkers } from './workers.js';
import { discoverExtraResources } from '../client/discovery.js';

export const FINALIZER_KUBERNETES = 'kubernetes';

export interface NamespaceControllerOptions {
  client: RestClient;
  workers?: number;
  /** How soon to look again while content is still going away (default 1 s). */
  recheckMs?: number;
  log?: (m: string) => void;
  namespaceInformer?: Informer<Namespace>;
}

/** Namespaced kinds that hold content (bindings are not stored objects), custom resources of the server's CRDs among them. */
async function contentResources(client: RestClient): Promise<ResourceInfo[]> {
  const extra = await discoverExtraResources(client);
  return [...RESOURCES, ...extra].filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));
}

export class NamespaceController {
  readonly namespaces: Informer<Namespace>;
  readonly queue = new WorkQueue<string>({ name: 'namespace' });
  private readonly owns: boolean;
  private readonly log: (m: string) => void;
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: NamespaceControllerOptions) {
    this.log = opts.log ?? console.error;
    this.owns = !opts.namespaceInformer;
    this.namespaces = opts.namespaceInformer ?? new Informer<Namespace>(opts.client, 'namespaces');
    const maybe = (ns: Namespace) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name ?? '');
    };
    this.namespaces.on('add', maybe);
    this.namespaces.on('update', (_o, ns) => maybe(ns));
  }

  async start(): Promise<this> {
    await this.namespaces.start();
    this.workers = runWorkers(this.queue, this.opts.workers ?? 5, (k) => this.sync(k), 'namespace', this.log);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    if (this.owns) await this.namespaces.stop();
    await this.workers;
  }

  async sync(name: string): Promise<void> {
    let ns: Namespace;
    try {
      ns = await this.opts.client.namespaces().get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    if (!ns.spec?.finalizers?.includes(FINALIZER_KUBERNETES)) return;
    const remaining = await this.deleteContent(name);
    if (remaining.total > 0) {
      await this.setConditions(ns, remaining);
      this.queue.addAfter(name, this.opts.recheckMs ?? 1000);
      return;
    }
    const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES);
    try {
      await this.opts.client.namespaces().updateSubresource(name, 'finalize', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: ns.metadata?.resourceVersion }, spec: { finalizers } });
    } catch (err) {
      if (isNotFound(err)) return;
      // Thrown (not requeued here): runWorkers retries with back-off and forgets it only on success.
      throw err;
    }
  }

  /** Delete every object in the namespace; returns how many are still there (e.g. pods terminating). */
  private async deleteContent(namespace: string): Promise<{ total: number; byResource: Record<string, number> }> {
    const byResource: Record<string, number> = {};
    const infos = new Map<string, ResourceInfo>();
    let total = 0;
    for (const info of await contentResources(this.opts.client)) {
      // By descriptor, not by name: a custom resource's plural may spell a built-in one.
      const rc = this.opts.client.resourceFor<KubeObject>(info, namespace);
      const label = info.group ? `${info.resource}.${info.group}` : info.resource;
      const list = await rc.listAll();
      if (!list.items.length) continue;
      byResource[label] = list.items.length;
      infos.set(label, info);
      total += list.items.length;
      await Promise.all(
        list.items.map(async (o) => {
          if (o.metadata?.deletionTimestamp) return; // already going
          try {
            await rc.delete(o.metadata?.name ?? '', { propagationPolicy: 'Background' });
          } catch (err) {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          }
        }),
      );
    }
    if (total === 0) return { total, byResource };
    // Most deletions finish at once; count what is really still there.
    total = 0;
    for (const r of Object.keys(byResource)) {
      const n = (await this.opts.client.resourceFor<KubeObject>(infos.get(r)!, namespace).list()).items.length;
      byResource[r] = n;
      total += n;
      if (!n) delete byResource[r];
    }
    return { total, byResource };
  }

  private async setConditions(ns: Namespace, remaining: { byResource: Record<string, number> }): Promise<void> {
    const message = `Some resources are remaining: ${Object.entries(remaining.byResource)
      .map(([r, n]) => `${r} has ${n} resource instances`)
      .join(', ')}`;
    const prior = ns.status?.conditions?.find((c) => c.type === 'NamespaceContentRemaining');
    if (prior?.message === message) return;
    const cond: NamespaceCondition = { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message, lastTransitionTime: nowTime() };
    const conditions = [...(ns.status?.conditions ?? []).filter((c) => c.type !== 'NamespaceContentRemaining'), cond];
    try {
      await this.opts.client.namespaces().patch(ns.metadata?.name ?? '', { status: { conditions } }, 'merge', { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

export async function startNamespaceController(opts: NamespaceControllerOptions): Promise<NamespaceController> {
  return new NamespaceController(opts).start();
}
