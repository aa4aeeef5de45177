// Filter plugins: can this pod run on this node? Each returns the reasons it
// cannot (empty = fits), worded as Kubernetes words them, because they end up in
// the pod's PodScheduled condition ("0/3 nodes are available: ...").
// They run in Kubernetes' plugin order and a node stops at its first failing
// filter, so each node contributes the reasons of one filter only.

import type { Pod, Taint } from '../api/core.js';
import { matchNodeSelectorTerm, matchesRequiredNodeAffinity } from '../api/node-affinity.js';
export { matchNodeSelectorTerm };
import { toleratesTaint, tolerated } from '../api/taints.js';
export { toleratesTaint, tolerated };
import type { NodeInfo } from './node-info.js';
import { podHostPorts } from './node-info.js';
import { podRequests } from './resources.js';

export type Filter = (pod: Pod, node: NodeInfo) => string[];

export const REASON_NOT_READY = "node(s) were not ready";
export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_NODE_NAME = "node(s) didn't match the requested node name";
export const REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
export const REASON_TOO_MANY_PODS = 'Too many pods';
export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';



/** The node's Ready condition must be True. */
export const nodeReady: Filter = (_pod, ni) => {
  const ready = ni.node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? [] : [REASON_NOT_READY];
};

/** spec.unschedulable, unless the pod tolerates the unschedulable taint. */
export const nodeUnschedulable: Filter = (pod, ni) => {
  if (!ni.node.spec?.unschedulable) return [];
  const taint: Taint = { key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule' };
  return tolerated(pod.spec?.tolerations, taint) ? [] : [REASON_UNSCHEDULABLE];
};

/** A preset spec.nodeName must name this node. */
export const nodeName: Filter = (pod, ni) => (pod.spec?.nodeName && pod.spec.nodeName !== ni.name ? [REASON_NODE_NAME] : []);

/** Untolerated NoSchedule/NoExecute taints; PreferNoSchedule only scores. */
export const taintToleration: Filter = (pod, ni) => {
  for (const taint of ni.node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerated(pod.spec?.tolerations, taint)) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  }
  return [];
};

/** nodeSelector labels, and requiredDuringScheduling terms (ORed). */
export const nodeAffinity: Filter = (pod, ni) => (matchesRequiredNodeAffinity(pod.spec, ni.node) ? [] : [REASON_AFFINITY]);

/** hostPort conflicts: same protocol and port, and the same hostIP or either one 0.0.0.0. */
export const nodePorts: Filter = (pod, ni) => {
  for (const want of podHostPorts(pod)) {
    for (const used of ni.usedPorts) {
      if (used.port !== want.port || used.protocol !== want.protocol) continue;
      if (used.hostIP === want.hostIP || used.hostIP === '0.0.0.0' || want.hostIP === '0.0.0.0') return [REASON_PORTS];
    }
  }
  return [];
};

/** Requests vs allocatable minus what the node's pods already request, and the pods count. */
export const nodeResourcesFit: Filter = (pod, ni) => {
  const reasons: string[] = [];
  const a = ni.allocatable;
  if (ni.pods.size + 1 > a.pods) reasons.push(REASON_TOO_MANY_PODS);
  const r = podRequests(pod);
  if (r.milliCPU === 0 && r.memory === 0 && r.ephemeralStorage === 0) return reasons;
  if (r.milliCPU > 0 && r.milliCPU > a.milliCPU - ni.requested.milliCPU) reasons.push('Insufficient cpu');
  if (r.memory > 0 && r.memory > a.memory - ni.requested.memory) reasons.push('Insufficient memory');
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > a.ephemeralStorage - ni.requested.ephemeralStorage) reasons.push('Insufficient ephemeral-storage');
  return reasons;
};

/** The filters in the order they run. */
export const DEFAULT_FILTERS: { name: string; filter: Filter }[] = [
  { name: 'NodeReady', filter: nodeReady },
  { name: 'NodeUnschedulable', filter: nodeUnschedulable },
  { name: 'NodeName', filter: nodeName },
  { name: 'TaintToleration', filter: taintToleration },
  { name: 'NodeAffinity', filter: nodeAffinity },
  { name: 'NodePorts', filter: nodePorts },
  { name: 'NodeResourcesFit', filter: nodeResourcesFit },
];

/** Runs the filters on one node; the reasons of the first that fails (empty: the pod fits). */
export function runFilters(pod: Pod, ni: NodeInfo, filters = DEFAULT_FILTERS): string[] {
  for (const { filter } of filters) {
    const reasons = filter(pod, ni);
    if (reasons.length) return reasons;
  }
  return [];
}

/** Kubernetes' FitError message: "0/N nodes are available: <count> <reason>, ... ." sorted as strings. */
export function fitErrorMessage(numNodes: number, reasonsPerNode: string[][]): string {
  const histogram = new Map<string, number>();
  for (const reasons of reasonsPerNode) for (const r of reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
  const parts = [...histogram].map(([r, n]) => `${n} ${r}`).sort();
  // Go's sort.Strings compares bytes; JS default sort compares UTF-16 units, the same for ASCII.
  return `0/${numNodes} nodes are available${parts.length ? ': ' + parts.join(', ') : ''}.`;
}
