// The endpointslicemirroring controller (upstream's `endpointslicemirroring`): a
// Service without a selector has its Endpoints written by hand (or by the apiserver,
// for default/kubernetes); their addresses are mirrored into EndpointSlices labelled
// with the Service's name and this controller, owned by the Endpoints, so clients
// that read only slices (kubectl describe, DNS) see them too.

import type { Endpoints, Service } from '../api/core.js';
import { ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type Endpoint, type EndpointSlice, type EndpointSlicePort } from '../api/discovery.js';
import { lookupResource } from '../api/resources.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey, splitKey } from '../client/store.js';
import { packSlices, portsKey, type SlicePlan } from './endpointslice-plan.js';
import { QueueController } from './queue-controller.js';

/** Endpoints with this label set to "true" are not mirrored. */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** --mirroring-max-endpoints-per-subset (1000). */
const MAX_PER_SUBSET = 1000;
/** Labels of the Endpoints that are not copied onto the slices. */
const NOT_COPIED = new Set([SKIP_MIRROR_LABEL, MANAGED_BY_LABEL, SERVICE_NAME_LABEL]);

/** The slices an Endpoints object mirrors into (IPv4 addresses; one port set per subset). */
export function planMirroredSlices(ep: Endpoints, current: EndpointSlice[]): SlicePlan {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata?.labels ?? {})) if (!NOT_COPIED.has(k)) labels[k] = v;
  labels[SERVICE_NAME_LABEL] = ep.metadata.name!;
  labels[MANAGED_BY_LABEL] = ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME;
  const desired = new Map<string, { ports: EndpointSlicePort[]; endpoints: Endpoint[] }>();
  for (const subset of ep.subsets ?? []) {
    const ports: EndpointSlicePort[] = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const key = portsKey(ports);
    let g = desired.get(key);
    if (!g) desired.set(key, (g = { ports, endpoints: [] }));
    const add = (addrs: typeof subset.addresses, ready: boolean) => {
      for (const a of (addrs ?? []).slice(0, MAX_PER_SUBSET)) {
        if (!/^\d+\.\d+\.\d+\.\d+$/.test(a.ip ?? '')) continue;
        const e: Endpoint = { addresses: [a.ip], conditions: { ready } };
        if (a.hostname) e.hostname = a.hostname;
        if (a.nodeName) e.nodeName = a.nodeName;
        if (a.targetRef) e.targetRef = a.targetRef;
        g.endpoints.push(e);
      }
    };
    add(subset.addresses, true);
    add(subset.notReadyAddresses, false);
  }
  for (const [k, g] of desired) if (g.endpoints.length === 0) desired.delete(k);
  const make = (ports: EndpointSlicePort[], endpoints: Endpoint[]): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${ep.metadata.name}-`,
      namespace: ep.metadata.namespace,
      labels,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name!, uid: ep.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  });
  return packSlices(desired, current, MAX_PER_SUBSET, labels, make, false);
}

export interface EndpointSliceMirroringOptions {
  client: RestClient;
  workers?: number;
  log?: (m: string) => void;
  serviceInformer?: Informer<Service>;
  endpointsInformer?: Informer<Endpoints>;
  sliceInformer?: Informer<EndpointSlice>;
}

const SLICES = lookupResource('endpointslices', 'discovery.k8s.io')!;

export class EndpointSliceMirroringController extends QueueController {
  readonly services: Informer<Service>;
  readonly endpoints: Informer<Endpoints>;
  readonly slices: Informer<EndpointSlice>;
  /** Slice name → resourceVersion last written (null: deleted), per key: the cache must catch up first. */
  private readonly written = new Map<string, Map<string, string | null>>();

  constructor(private readonly opts: EndpointSliceMirroringOptions) {
    super('endpoint_slice_mirroring', opts.log);
    const c = opts.client;
    this.services = opts.serviceInformer ?? this.keep(new Informer<Service>(c, 'services'));
    this.endpoints = opts.endpointsInformer ?? this.keep(new Informer<Endpoints>(c, 'endpoints'));
    this.slices = opts.sliceInformer ?? this.keep(new Informer<EndpointSlice>(c, c.resourceFor<EndpointSlice>(SLICES)));
    const add = (o: { metadata?: { namespace?: string; name?: string } }) => this.queue.add(objectKey(o));
    for (const inf of [this.services, this.endpoints] as Informer<Service | Endpoints>[]) {
      inf.on('add', add);
      inf.on('update', (_o, n) => add(n));
      inf.on('delete', add);
    }
    const sliceChanged = (s: EndpointSlice) => {
      const l = s.metadata?.labels ?? {};
      if (l[MANAGED_BY_LABEL] === ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME && l[SERVICE_NAME_LABEL]) this.queue.add(`${s.metadata.namespace}/${l[SERVICE_NAME_LABEL]}`);
    };
    this.slices.on('update', (o, s) => {
      if (o.metadata?.resourceVersion !== s.metadata?.resourceVersion) sliceChanged(s);
    });
    this.slices.on('delete', (s) => {
      for (const w of this.written.values()) w.delete(s.metadata.name ?? '');
      sliceChanged(s);
    });
  }

  async start(): Promise<this> {
    await this.runWorkers([this.services, this.endpoints, this.slices], this.opts.workers ?? 5, 'endpointslicemirroring');
    return this;
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ns = namespace ?? '';
    const wrote = this.written.get(key);
    for (const [slice, rv] of wrote ?? []) {
      const cached = this.slices.store.get(`${ns}/${slice}`);
      const fresh = rv === null ? !cached : !!cached && BigInt(cached.metadata.resourceVersion ?? '0') >= BigInt(rv);
      if (!fresh) throw new Error(`endpoint slice cache of ${key} is older than this controller's last write of ${slice}; retrying`);
    }
    const now = new Map<string, string | null>();
    this.written.set(key, now);
    const api = this.opts.client.resourceFor<EndpointSlice>(SLICES, namespace);
    const current = this.slices.store
      .listNamespace(ns)
      .filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && s.metadata?.labels?.[MANAGED_BY_LABEL] === ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME);
    const svc = this.services.store.get(key);
    const ep = this.endpoints.store.get(key);
    const mirror = svc && !(svc.spec?.selector && Object.keys(svc.spec.selector).length > 0) && ep && ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true';
    const plan: SlicePlan = mirror
      ? planMirroredSlices(ep, current.filter((s) => (s.metadata.ownerReferences ?? []).some((r) => r.uid === ep.metadata?.uid)))
      : { create: [], update: [], delete: current };
    if (mirror) plan.delete.push(...current.filter((s) => !(s.metadata.ownerReferences ?? []).some((r) => r.uid === ep.metadata?.uid)));
    try {
      for (const s of plan.create) {
        const made = await api.create(s);
        now.set(made.metadata.name!, made.metadata.resourceVersion ?? '0');
      }
      for (const s of plan.update) {
        const made = await api.update(s);
        now.set(made.metadata.name!, made.metadata.resourceVersion ?? '0');
      }
      for (const s of plan.delete) {
        try {
          await api.delete(s.metadata.name!);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        now.set(s.metadata.name!, null);
      }
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err)) throw new Error(`mirrored endpoint slices of ${key} changed meanwhile (${err instanceof Error ? err.message : String(err)})`);
      throw err;
    }
  }
}
