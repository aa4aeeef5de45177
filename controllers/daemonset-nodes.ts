// Which nodes a DaemonSet runs on, and the pod it runs there (Kubernetes'
// daemon controller NodeShouldRunDaemonPod, AddOrUpdateDaemonPodTolerations and
// ReplaceDaemonSetPodNodeNameNodeAffinity). Pure functions: no client, no cache.

import type { DaemonSet } from '../api/apps.js';
import type { Node, NodeSelectorTerm, Pod, PodSpec, Taint, Toleration } from '../api/core.js';
import { matchesRequiredNodeAffinity } from '../api/node-affinity.js';
import { tolerated } from '../api/taints.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './revision-history.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** The tolerations every daemon pod gets, so node conditions never evict or block it. */
export function daemonPodTolerations(spec: PodSpec | undefined): Toleration[] {
  const add: Toleration[] = [
    { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec?.hostNetwork) add.push({ key: TAINT_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
  // AddOrUpdateTolerationInPod: a toleration of the same key, operator, value and effect is replaced (no duplicates).
  const out = [...(spec?.tolerations ?? [])];
  for (const t of add) {
    const i = out.findIndex((x) => x.key === t.key && (x.operator ?? 'Equal') === t.operator && (x.value ?? '') === (t.value ?? '') && (x.effect ?? '') === t.effect);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** The required node affinity pinning a pod to one node: every required term is replaced by metadata.name In [node]. */
export function pinToNode(spec: PodSpec, nodeName: string): PodSpec {
  const term: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const affinity = spec.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  return { ...spec, affinity: { ...affinity, nodeAffinity: { ...nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } } };
}

/** The node a daemon pod is for: spec.nodeName once bound, else the node its metadata.name affinity names (GetTargetNodeName). */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const t of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

export interface NodeVerdict {
  /** A daemon pod should be created here if there is none. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

function untolerated(taints: Taint[], tolerations: Toleration[], effects: string[]): boolean {
  return taints.some((t) => effects.includes(t.effect) && !tolerated(tolerations, t));
}

/** Kubernetes' NodeShouldRunDaemonPod: node name, node affinity (nodeSelector + required terms) and taints. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeVerdict {
  const spec = ds.spec?.template?.spec;
  const name = node.metadata.name;
  if (spec?.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesRequiredNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonPodTolerations(spec);
  const taints = node.spec?.taints ?? [];
  if (untolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    // A pod already there stays unless a NoExecute taint it does not tolerate would evict it anyway.
    return { shouldRun: false, shouldContinueRunning: !untolerated(taints, tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** The pod a DaemonSet creates for a node: its template, the revision hash label, default tolerations, pinned by affinity. */
export function daemonPodFor(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const t = ds.spec?.template ?? {};
  const name = ds.metadata?.name ?? '';
  const spec: PodSpec = { ...structuredClone(t.spec ?? { containers: [] }) };
  spec.tolerations = daemonPodTolerations(spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      // Kubernetes' getPodsPrefix: "<ds>-", shortened so the generated name stays valid.
      generateName: `${name.slice(0, 58)}-`,
      namespace: ds.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ...(t.metadata?.finalizers ? { finalizers: [...t.metadata.finalizers] } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid: ds.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: pinToNode(spec, nodeName),
  };
}
