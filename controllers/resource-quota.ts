// The resourcequota controller (upstream's): each ResourceQuota's status.hard is its
// spec.hard and status.used what the objects of its namespace use now (terminal pods and
// pods past their deletion grace no longer use compute quota). A quota is recomputed when
// it is made or its spec changes, when a pod of its namespace is deleted or stops counting,
// when a service or claim there is deleted (upstream's replenishment), and every
// --resource-quota-sync-period (5 min) for everything else (object counts). Admission
// charges creates in between; this controller is what gives usage back.

import type { PersistentVolumeClaim, Pod, ResourceList, Service } from '../api/core.js';
import type { ResourceQuota } from '../api/quota.js';
import { podCountsForQuota, resourcesToCount, sumUsage } from '../api/quota-usage.js';
import { quantityString } from '../api/resource-list.js';
import { lookupResource } from '../api/resources.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { Obj, RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { QueueController } from './queue-controller.js';

export interface ResourceQuotaControllerOptions {
  client: RestClient;
  /** --resource-quota-sync-period: every quota recomputed this often (ms); default 5 minutes. */
  resyncPeriodMs?: number;
  /** --concurrent-resource-quota-syncs (5). */
  workers?: number;
  log?: (m: string) => void;
  quotaInformer?: Informer<ResourceQuota>;
  podInformer?: Informer<Pod>;
  serviceInformer?: Informer<Service>;
  claimInformer?: Informer<PersistentVolumeClaim>;
}

/** Two resource lists hold the same quantities (canonical forms compared). */
function sameList(a: ResourceList | undefined, b: ResourceList | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => b?.[k] !== undefined && quantityString(a![k]) === quantityString(b[k]));
}

export class ResourceQuotaController extends QueueController {
  readonly quotas: Informer<ResourceQuota>;
  readonly pods: Informer<Pod>;
  readonly services: Informer<Service>;
  readonly claims: Informer<PersistentVolumeClaim>;
  private resync: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ResourceQuotaControllerOptions) {
    super('resourcequota', opts.log);
    const c = opts.client;
    this.quotas = opts.quotaInformer ?? this.keep(new Informer<ResourceQuota>(c, c.resource<ResourceQuota>('resourcequotas')));
    this.pods = opts.podInformer ?? this.keep(new Informer<Pod>(c, c.resource<Pod>('pods')));
    this.services = opts.serviceInformer ?? this.keep(new Informer<Service>(c, c.resource<Service>('services')));
    this.claims = opts.claimInformer ?? this.keep(new Informer<PersistentVolumeClaim>(c, c.resource<PersistentVolumeClaim>('persistentvolumeclaims')));
    this.quotas.on('add', (q) => this.queue.add(objectKey(q)));
    // Its own status writes come back as updates: only a spec out of step with status.hard needs work.
    this.quotas.on('update', (_o, q) => {
      if (!sameList(q.spec?.hard, q.status?.hard)) this.queue.add(objectKey(q));
    });
    const replenish = (o: Obj) => this.enqueueNamespace(o.metadata?.namespace);
    this.pods.on('delete', replenish);
    this.pods.on('update', (old, pod) => {
      if (podCountsForQuota(old) && !podCountsForQuota(pod)) replenish(pod);
    });
    this.services.on('delete', replenish);
    this.claims.on('delete', replenish);
  }

  private enqueueNamespace(ns: string | undefined): void {
    if (!ns) return;
    for (const q of this.quotas.store.listNamespace(ns)) this.queue.add(objectKey(q));
  }

  async start(): Promise<this> {
    await this.runWorkers([this.quotas, this.pods, this.services, this.claims], this.opts.workers ?? 5, 'resourcequota');
    const period = this.opts.resyncPeriodMs ?? 5 * 60_000;
    this.resync = setInterval(() => {
      for (const q of this.quotas.store.list()) this.queue.add(objectKey(q));
    }, period);
    this.resync.unref();
    return this;
  }

  override async stop(): Promise<void> {
    clearInterval(this.resync);
    await super.stop();
  }

  /** The objects of one resource in the namespace: from an informer when this controller has one, else listed. */
  private async objects(ns: string, resource: string, group: string): Promise<unknown[]> {
    if (group === '' && resource === 'pods') return this.pods.store.listNamespace(ns);
    if (group === '' && resource === 'services') return this.services.store.listNamespace(ns);
    if (group === '' && resource === 'persistentvolumeclaims') return this.claims.store.listNamespace(ns);
    const info = lookupResource(resource, group);
    if (!info?.namespaced || !info.verbs.includes('list')) return []; // not served: nothing of it exists
    return (await this.opts.client.resourceFor<Obj>(info, ns).listAll()).items;
  }

  async sync(key: string): Promise<void> {
    const q = this.quotas.store.get(key);
    if (!q) return;
    const ns = q.metadata.namespace!;
    const hardNames = Object.keys(q.spec?.hard ?? {});
    const used: ResourceList = {};
    const now = Date.now();
    for (const { resource, group } of resourcesToCount(hardNames)) {
      Object.assign(used, sumUsage(q, resource, group, await this.objects(ns, resource, group), now));
    }
    // Names no evaluator counts are still reported, at zero (as upstream's usage of unknown resources).
    for (const n of hardNames) used[n] ??= '0';
    const hard = { ...(q.spec?.hard ?? {}) };
    if (sameList(hard, q.status?.hard) && sameList(used, q.status?.used)) return;
    try {
      await this.opts.client.resource<ResourceQuota>('resourcequotas', ns).updateSubresource(q.metadata.name!, 'status', {
        ...q,
        status: { hard, used },
      });
    } catch (err) {
      if (isNotFound(err)) return;
      // A charge by admission (or another writer) won the swap: compute again on the fresh quota.
      if (isConflict(err)) throw new Error(`quota ${key} changed while it was recomputed; retrying`);
      throw err;
    }
  }
}
