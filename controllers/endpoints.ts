// The endpoints controller: one Endpoints object per Service with a selector,
// listing the IPs of the pods it selects — ready ones under `addresses`, the
// rest under `notReadyAddresses` (all ready with publishNotReadyAddresses) —
// with the Service's ports resolved against each pod (numeric or named
// targetPort), packed into subsets as Kubernetes' RepackSubsets does, and
// written only when something changed.

import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service, ServicePort } from '../api/core.js';
import { deepEqual } from '../api/deep-equal.js';
import { selectorFromSet } from '../api/selectors.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey, splitKey } from '../client/store.js';
import { isPodReady } from './pod-util.js';
import { QueueController } from './queue-controller.js';

export interface EndpointsControllerOptions {
  client: RestClient;
  workers?: number;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  serviceInformer?: Informer<Service>;
}

/** The Endpoints of default/kubernetes belong to the apiserver. */
const APISERVER_OWNED = 'default/kubernetes';

/** The container port a service port targets on this pod (Kubernetes' podutil.FindPort). */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  const proto = sp.protocol ?? 'TCP';
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
    }
  }
  return undefined;
}

/** Whether the pod belongs in the service's endpoints at all (Kubernetes' ShouldPodBeInEndpoints). */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status.phase;
  const restart = pod.spec?.restartPolicy ?? 'Always';
  if (restart === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (restart === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

function addressKey(a: EndpointAddress): string {
  return `${a.ip}/${a.targetRef?.uid ?? ''}`;
}

function portKey(p: EndpointPort): string {
  return `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`;
}

/**
 * Kubernetes' RepackSubsets: addresses with the same set of ports share a
 * subset; addresses sorted by IP, ports by name/number, subsets in a stable order.
 */
export function repackSubsets(entries: { address: EndpointAddress; ready: boolean; ports: EndpointPort[] }[]): EndpointSubset[] {
  // Each address (with its readiness) gathers every port it serves.
  const byAddr = new Map<string, { address: EndpointAddress; ready: boolean; ports: Map<string, EndpointPort> }>();
  for (const e of entries) {
    const k = `${e.ready ? 'r' : 'n'}|${addressKey(e.address)}`;
    let a = byAddr.get(k);
    if (!a) byAddr.set(k, (a = { address: e.address, ready: e.ready, ports: new Map() }));
    for (const p of e.ports) a.ports.set(portKey(p), p);
  }
  // An address ready for some ports and not for others counts as ready (Kubernetes keeps it in addresses).
  for (const [k, v] of byAddr) {
    if (!v.ready && byAddr.has(`r|${addressKey(v.address)}`)) {
      const r = byAddr.get(`r|${addressKey(v.address)}`)!;
      for (const [pk, p] of v.ports) r.ports.set(pk, p);
      byAddr.delete(k);
    }
  }
  const subsets = new Map<string, EndpointSubset>();
  for (const v of byAddr.values()) {
    const ports = [...v.ports.values()].sort((a, b) => portKey(a).localeCompare(portKey(b)));
    const key = ports.map(portKey).join(',');
    let s = subsets.get(key);
    if (!s) subsets.set(key, (s = { ...(ports.length ? { ports } : {}) }));
    (v.ready ? (s.addresses ??= []) : (s.notReadyAddresses ??= [])).push(v.address);
  }
  const cmpAddr = (a: EndpointAddress, b: EndpointAddress) => ipCompare(a.ip, b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
  const out = [...subsets.values()];
  for (const s of out) {
    s.addresses?.sort(cmpAddr);
    s.notReadyAddresses?.sort(cmpAddr);
  }
  return out.sort((a, b) => (a.ports ?? []).map(portKey).join(',').localeCompare((b.ports ?? []).map(portKey).join(',')));
}

function ipCompare(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4 && pa.every((n) => !Number.isNaN(n)) && pb.every((n) => !Number.isNaN(n))) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
  }
  return a.localeCompare(b);
}

/** The subsets a service's endpoints should have, given the pods of its namespace. */
export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const sel = selectorFromSet(svc.spec?.selector);
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  const headless = svc.spec?.clusterIP === 'None';
  const entries: { address: EndpointAddress; ready: boolean; ports: EndpointPort[] }[] = [];
  for (const pod of pods) {
    if (!sel.matches(pod.metadata?.labels ?? {})) continue;
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address: EndpointAddress = {
      ip: pod.status!.podIP!,
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
    };
    // A pod's hostname is published when its subdomain is this service (DNS A records per pod).
    if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && svc.metadata?.namespace === pod.metadata?.namespace) address.hostname = pod.spec.hostname;
    const ready = publishNotReady || isPodReady(pod);
    const svcPorts = svc.spec?.ports ?? [];
    if (svcPorts.length === 0) {
      // Only headless services publish addresses without ports.
      if (headless) entries.push({ address, ready, ports: [] });
      continue;
    }
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      entries.push({ address, ready, ports: [{ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) }] });
    }
  }
  return repackSubsets(entries);
}

export class EndpointsController extends QueueController {
  readonly pods: Informer<Pod>;
  readonly services: Informer<Service>;
  readonly endpoints: Informer<Endpoints>;

  constructor(private readonly opts: EndpointsControllerOptions) {
    super('endpoint', opts.log);
    const c = opts.client;
    this.pods = opts.podInformer ?? this.keep(new Informer<Pod>(c, 'pods'));
    this.services = opts.serviceInformer ?? this.keep(new Informer<Service>(c, 'services'));
    this.endpoints = this.keep(new Informer<Endpoints>(c, 'endpoints'));
    this.services.on('add', (s) => this.queue.add(objectKey(s)));
    this.services.on('update', (_o, s) => this.queue.add(objectKey(s)));
    this.services.on('delete', (s) => this.queue.add(objectKey(s)));
    this.pods.on('add', (p) => this.podChanged(p));
    this.pods.on('update', (o, p) => {
      if (o.metadata?.resourceVersion === p.metadata?.resourceVersion) return;
      this.podChanged(p, o);
    });
    this.pods.on('delete', (p) => this.podChanged(p));
    // Endpoints changed behind our back (or left over from a deleted service): look again.
    this.endpoints.on('update', (o, e) => {
      if (o.metadata?.resourceVersion !== e.metadata?.resourceVersion) this.queue.add(objectKey(e));
    });
    this.endpoints.on('delete', (e) => this.queue.add(objectKey(e)));
  }

  private podChanged(pod: Pod, old?: Pod): void {
    const ns = pod.metadata?.namespace ?? '';
    for (const svc of this.services.store.listNamespace(ns)) {
      const sel = svc.spec?.selector;
      if (!sel || Object.keys(sel).length === 0) continue;
      const m = selectorFromSet(sel);
      if (m.matches(pod.metadata?.labels ?? {}) || (old && m.matches(old.metadata?.labels ?? {}))) this.queue.add(objectKey(svc));
    }
  }

  async start(): Promise<this> {
    await this.runWorkers([this.pods, this.services, this.endpoints], this.opts.workers ?? 5, 'endpoints');
    // Endpoints whose service is gone are found at start, as Kubernetes' checkLeftoverEndpoints.
    for (const k of this.endpoints.store.keys()) this.queue.add(k);
    return this;
  }

  async sync(key: string): Promise<void> {
    if (key === APISERVER_OWNED) return;
    const { namespace, name } = splitKey(key);
    const epClient = this.opts.client.endpoints(namespace);
    const svc = this.services.store.get(key);
    if (!svc) {
      // The service is gone: so are its endpoints.
      if (!this.endpoints.store.get(key)) return;
      try {
        await epClient.delete(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    // Services without a selector have endpoints managed by hand; ExternalName ones have none.
    const sel = svc.spec?.selector;
    if (!sel || Object.keys(sel).length === 0 || svc.spec?.type === 'ExternalName') return;
    const subsets = computeSubsets(svc, this.pods.store.listNamespace(namespace ?? ''));
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (svc.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    const cur = this.endpoints.store.get(key);
    if (cur && deepEqual(cur.subsets ?? [], subsets) && deepEqual(cur.metadata?.labels ?? {}, labels)) return;
    const next: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { ...(cur?.metadata ?? {}), name, namespace, labels },
      subsets,
    };
    if (!Object.keys(labels).length) delete next.metadata.labels;
    try {
      if (cur) await epClient.update(next);
      else await epClient.create(next);
    } catch (err) {
      // A stale cache: the informer brings the newer object; meanwhile the key is retried with
      // back-off (thrown, so runWorkers does not forget the back-off as it would for a success).
      if (isConflict(err) || isAlreadyExists(err)) throw new Error(`endpoints ${key} changed meanwhile (${err instanceof Error ? err.message : String(err)})`);
      throw err;
    }
  }
}

export async function startEndpointsController(opts: EndpointsControllerOptions): Promise<EndpointsController> {
  return new EndpointsController(opts).start();
}
