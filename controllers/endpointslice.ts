// The endpointslice controller (upstream's `endpointslice`): for every Service with
// a selector, the discovery.k8s.io/v1 EndpointSlices listing the pods it selects,
// labelled with the Service's name and this controller, owned by the Service
// (so the garbage collector removes them with it). The decisions are in
// endpointslice-plan.ts; this file watches and writes.

import type { Pod, Service } from '../api/core.js';
import { MANAGED_BY_LABEL, ENDPOINTSLICE_CONTROLLER_NAME, MAX_ENDPOINTS_PER_SLICE, SERVICE_NAME_LABEL, type EndpointSlice } from '../api/discovery.js';
import { lookupResource } from '../api/resources.js';
import { selectorFromSet } from '../api/selectors.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey, splitKey } from '../client/store.js';
import { planSlices } from './endpointslice-plan.js';
import { QueueController } from './queue-controller.js';

export interface EndpointSliceControllerOptions {
  client: RestClient;
  /** --concurrent-service-endpoint-syncs (5). */
  workers?: number;
  /** --max-endpoints-per-slice (100). */
  maxEndpointsPerSlice?: number;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  serviceInformer?: Informer<Service>;
  sliceInformer?: Informer<EndpointSlice>;
}

const SLICES = lookupResource('endpointslices', 'discovery.k8s.io')!;

export class EndpointSliceController extends QueueController {
  readonly pods: Informer<Pod>;
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;
  /**
   * What this controller last wrote, per Service key: slice name → resourceVersion written
   * (null: deleted). A sync waits until the cache has seen those writes, or it would act on
   * slices it already replaced (upstream's EndpointSliceTracker "stale" check).
   */
  private readonly written = new Map<string, Map<string, string | null>>();

  constructor(private readonly opts: EndpointSliceControllerOptions) {
    super('endpoint_slice', opts.log);
    const c = opts.client;
    this.pods = opts.podInformer ?? this.keep(new Informer<Pod>(c, 'pods'));
    this.services = opts.serviceInformer ?? this.keep(new Informer<Service>(c, 'services'));
    this.slices = opts.sliceInformer ?? this.keep(new Informer<EndpointSlice>(c, c.resourceFor<EndpointSlice>(SLICES)));
    this.services.on('add', (s) => this.queue.add(objectKey(s)));
    this.services.on('update', (_o, s) => this.queue.add(objectKey(s)));
    this.services.on('delete', (s) => this.queue.add(objectKey(s)));
    this.pods.on('add', (p) => this.podChanged(p));
    this.pods.on('update', (o, p) => {
      if (o.metadata?.resourceVersion !== p.metadata?.resourceVersion) this.podChanged(p, o);
    });
    this.pods.on('delete', (p) => this.podChanged(p));
    // A slice of ours changed or vanished behind our back: its Service is looked at again.
    const sliceChanged = (s: EndpointSlice) => {
      const svc = this.ownerService(s);
      if (svc) this.queue.add(svc);
    };
    this.slices.on('update', (o, s) => {
      if (o.metadata?.resourceVersion !== s.metadata?.resourceVersion) sliceChanged(s);
    });
    this.slices.on('delete', (s) => {
      // Seen gone: whatever this controller wrote to it is no longer awaited.
      for (const wrote of this.written.values()) wrote.delete(s.metadata.name ?? '');
      sliceChanged(s);
    });
  }

  /** The Service key of a slice this controller manages, if it is one. */
  private ownerService(s: EndpointSlice): string | undefined {
    const l = s.metadata?.labels ?? {};
    if (l[MANAGED_BY_LABEL] !== ENDPOINTSLICE_CONTROLLER_NAME || !l[SERVICE_NAME_LABEL]) return undefined;
    return `${s.metadata.namespace}/${l[SERVICE_NAME_LABEL]}`;
  }

  private podChanged(pod: Pod, old?: Pod): void {
    for (const svc of this.services.store.listNamespace(pod.metadata?.namespace ?? '')) {
      const sel = svc.spec?.selector;
      if (!sel || Object.keys(sel).length === 0) continue;
      const m = selectorFromSet(sel);
      if (m.matches(pod.metadata?.labels ?? {}) || (old && m.matches(old.metadata?.labels ?? {}))) this.queue.add(objectKey(svc));
    }
  }

  async start(): Promise<this> {
    await this.runWorkers([this.pods, this.services, this.slices], this.opts.workers ?? 5, 'endpointslice');
    return this;
  }

  /** This controller's slices of Service `key`, from the cache. */
  private slicesOf(key: string): EndpointSlice[] {
    const { namespace, name } = splitKey(key);
    return this.slices.store.listNamespace(namespace ?? '').filter((s) => {
      const l = s.metadata?.labels ?? {};
      return l[SERVICE_NAME_LABEL] === name && l[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME;
    });
  }

  async sync(key: string): Promise<void> {
    const { namespace } = splitKey(key);
    const api = this.opts.client.resourceFor<EndpointSlice>(SLICES, namespace);
    this.checkCacheFresh(key);
    const wrote = new Map<string, string | null>();
    this.written.set(key, wrote);
    const svc = this.services.store.get(key);
    // A deleted Service's slices go with it (the garbage collector would too, by ownerReference).
    if (!svc) {
      for (const s of this.slicesOf(key)) {
        await this.ignoreNotFound(api.delete(s.metadata.name!));
        wrote.set(s.metadata.name!, null);
      }
      return;
    }
    // Services without a selector get no slices from this controller; ExternalName ones none at all.
    const sel = svc.spec?.selector;
    if (!sel || Object.keys(sel).length === 0 || svc.spec?.type === 'ExternalName') return;
    // Slices owned by an older Service of the same name are not this one's.
    const current = this.slicesOf(key).filter((s) => (s.metadata.ownerReferences ?? []).some((r) => r.uid === svc.metadata?.uid));
    const stale = this.slicesOf(key).filter((s) => !current.includes(s));
    const plan = planSlices(svc, this.pods.store.listNamespace(namespace ?? ''), current, this.opts.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE);
    try {
      for (const s of plan.create) {
        const made = await api.create(s);
        wrote.set(made.metadata.name!, made.metadata.resourceVersion ?? '0');
      }
      for (const s of plan.update) {
        const made = await api.update(s);
        wrote.set(made.metadata.name!, made.metadata.resourceVersion ?? '0');
      }
      for (const s of [...plan.delete, ...stale]) {
        await this.ignoreNotFound(api.delete(s.metadata.name!));
        wrote.set(s.metadata.name!, null);
      }
    } catch (err) {
      // A stale cache: the informer brings the newer slices; the key is retried with back-off.
      if (isConflict(err) || isAlreadyExists(err)) throw new Error(`endpoint slices of ${key} changed meanwhile (${err instanceof Error ? err.message : String(err)})`);
      throw err;
    }
  }

  /** Throws (the key is retried with back-off) while the cache lags this controller's own last writes for `key`. */
  private checkCacheFresh(key: string): void {
    const wrote = this.written.get(key);
    if (!wrote) return;
    const ns = splitKey(key).namespace ?? '';
    for (const [name, rv] of wrote) {
      const cached = this.slices.store.get(`${ns}/${name}`);
      const fresh = rv === null ? !cached : !!cached && BigInt(cached.metadata.resourceVersion ?? '0') >= BigInt(rv);
      if (!fresh) throw new Error(`endpoint slice cache of ${key} is older than this controller's last write of ${name}; retrying`);
    }
    this.written.delete(key);
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
