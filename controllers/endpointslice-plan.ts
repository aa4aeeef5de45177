// The endpointslice controller's decisions, pure: which endpoints a Service's
// pods give (upstream's podToEndpoint: ready/serving/terminating, nodeName,
// targetRef, hostname), grouped by the ports they serve, packed into slices of at
// most maxEndpointsPerSlice, and the creates, updates and deletes that turn the
// Service's current slices into those.

import type { Pod, Service } from '../api/core.js';
import { deepEqual } from '../api/deep-equal.js';
import { ENDPOINTSLICE_CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type Endpoint, type EndpointSlice, type EndpointSlicePort } from '../api/discovery.js';
import { selectorFromSet } from '../api/selectors.js';
import { findPort, shouldPodBeInEndpoints } from './endpoints.js';
import { isPodReady } from './pod-util.js';

/** The endpoint a pod gives a Service (upstream's podToEndpoint, IPv4 only). */
export function podToEndpoint(pod: Pod, svc: Service): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  // "ready" is never true for a terminating pod unless the Service publishes not-ready addresses.
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: Endpoint = {
    addresses: [pod.status!.podIP!],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace) ep.hostname = pod.spec.hostname;
  return ep;
}

/** The ports of the Service this pod serves (upstream's getEndpointPorts): a named targetPort the pod lacks is left out. */
export function endpointPorts(svc: Service, pod: Pod): EndpointSlicePort[] {
  const out: EndpointSlicePort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port, ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

const portsKey = (ports: readonly EndpointSlicePort[] | null | undefined) =>
  JSON.stringify([...(ports ?? [])].map((p) => [p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? '']).sort());

function ipNum(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Desired endpoints of a Service, grouped by port set (slices hold one port set each). */
export function desiredEndpoints(svc: Service, pods: Pod[]): Map<string, { ports: EndpointSlicePort[]; endpoints: Endpoint[] }> {
  const sel = selectorFromSet(svc.spec?.selector);
  const groups = new Map<string, { ports: EndpointSlicePort[]; endpoints: Endpoint[] }>();
  for (const pod of pods) {
    if (!sel.matches(pod.metadata?.labels ?? {})) continue;
    // Terminating pods stay, marked terminating (serving tells whether they still answer).
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    // IPv4 slices only: this cluster's pods have IPv4 addresses.
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(pod.status?.podIP ?? '')) continue;
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(podToEndpoint(pod, svc));
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => ipNum(a.addresses[0]) - ipNum(b.addresses[0]) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? ''));
  return groups;
}

/** The labels every slice of this Service carries (the Service's own, then the controller's). */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = ENDPOINTSLICE_CONTROLLER_NAME;
  if (svc.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  return labels;
}

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

function newSlice(svc: Service, ports: EndpointSlicePort[], endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

/**
 * What to write so that `current` (this Service's slices, managed by this controller)
 * hold `desired`. Slices of one port set are reused in name order; a Service with no
 * endpoints keeps one empty "placeholder" slice, as upstream.
 */
export function planSlices(svc: Service, pods: Pod[], current: EndpointSlice[], maxPerSlice: number): SlicePlan {
  return packSlices(desiredEndpoints(svc, pods), current, maxPerSlice, sliceLabels(svc), (ports, endpoints) => newSlice(svc, ports, endpoints), true);
}

/**
 * The writes that make `current` hold the `desired` endpoint groups, at most `maxPerSlice`
 * a slice, every slice carrying `labels`; `make` builds a new one. With `placeholder`, no
 * endpoints at all still leave one empty slice.
 */
export function packSlices(
  desired: Map<string, { ports: EndpointSlicePort[]; endpoints: Endpoint[] }>,
  current: EndpointSlice[],
  maxPerSlice: number,
  labels: Record<string, string>,
  make: (ports: EndpointSlicePort[], endpoints: Endpoint[]) => EndpointSlice,
  placeholder: boolean,
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of [...current].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const k = portsKey(s.ports);
    byPorts.set(k, [...(byPorts.get(k) ?? []), s]);
  }
  const wanted: { key: string; ports: EndpointSlicePort[]; endpoints: Endpoint[] }[] = [];
  for (const [key, g] of desired) {
    for (let i = 0; i < g.endpoints.length; i += maxPerSlice) wanted.push({ key, ports: g.ports, endpoints: g.endpoints.slice(i, i + maxPerSlice) });
  }
  // No endpoints: one "placeholder" slice with no endpoints and no ports, as upstream keeps.
  if (wanted.length === 0 && placeholder) wanted.push({ key: portsKey([]), ports: [], endpoints: [] });
  for (const w of wanted) {
    const reuse = byPorts.get(w.key)?.shift();
    if (!reuse) {
      plan.create.push(make(w.ports, w.endpoints));
      continue;
    }
    const same = deepEqual(reuse.endpoints ?? [], w.endpoints) && deepEqual(reuse.metadata.labels ?? {}, labels) && reuse.addressType === 'IPv4';
    if (!same) plan.update.push({ ...reuse, metadata: { ...reuse.metadata, labels }, addressType: 'IPv4', endpoints: w.endpoints, ports: w.ports });
  }
  for (const rest of byPorts.values()) plan.delete.push(...rest);
  return plan;
}

/** The key of a port set, whatever the order of its ports. */
export { portsKey };
