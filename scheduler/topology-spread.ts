// The PodTopologySpread plugin, as kube-scheduler 1.32 runs it: a pod's
// DoNotSchedule constraints filter nodes (skew = matching pods in the node's
// domain + the pod itself - the smallest domain's count must stay <= maxSkew),
// its ScheduleAnyway constraints score them (fewer matching pods in the domain
// is better). A pod with no constraints gets the system defaults (hostname
// maxSkew 3, zone maxSkew 5, both ScheduleAnyway) over the pods its Services,
// ReplicationController, ReplicaSet or StatefulSet select — so replicas spread
// by default.

import type { Node, Pod, ReplicationController, Service, TopologySpreadConstraint, UnsatisfiableConstraintAction } from '../api/core.js';
import type { ReplicaSet, StatefulSet } from '../api/apps.js';
import { matchesRequiredNodeAffinity } from '../api/node-affinity.js';
import { labelSelectorMatcher, selectorFromSet, type LabelMatcher } from '../api/selectors.js';
import { tolerated } from '../api/taints.js';
import type { NodeInfo } from './node-info.js';
import { MAX_NODE_SCORE } from './score-plugin.js';

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const REASON_SPREAD = "node(s) didn't match pod topology spread constraints";
export const REASON_SPREAD_LABEL = `${REASON_SPREAD} (missing required label)`;

/** Upstream's system default constraints (used when the plugin's defaultingType is System). */
export const SYSTEM_DEFAULT_CONSTRAINTS: TopologySpreadConstraint[] = [
  { topologyKey: LABEL_HOSTNAME, maxSkew: 3, whenUnsatisfiable: 'ScheduleAnyway' },
  { topologyKey: LABEL_ZONE, maxSkew: 5, whenUnsatisfiable: 'ScheduleAnyway' },
];

/** The workload objects that give a pod without constraints its default selector. */
export interface WorkloadLister {
  services(namespace: string): Service[];
  replicationController(namespace: string, name: string): ReplicationController | undefined;
  replicaSet(namespace: string, name: string): ReplicaSet | undefined;
  statefulSet(namespace: string, name: string): StatefulSet | undefined;
}

/** An AND of label matchers (a selector built from several sources). */
export class PodSelector {
  constructor(private readonly parts: LabelMatcher[]) {}
  get empty(): boolean {
    return this.parts.every((p) => p.empty);
  }
  matches(labels: Record<string, string> | undefined): boolean {
    return this.parts.every((p) => p.matches(labels ?? {}));
  }
}

/** A constraint with its selector parsed and its optional fields defaulted. */
export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  selector: PodSelector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

const hasLabel = (node: Node, key: string): boolean => Object.hasOwn(node.metadata.labels ?? {}, key);
const labelOf = (node: Node, key: string): string => (hasLabel(node, key) ? node.metadata.labels![key] : '');

/** The pod's constraints of one action, parsed (throws on a selector that does not parse, as upstream errors). */
export function parseConstraints(list: TopologySpreadConstraint[], podLabels: Record<string, string> | undefined, action: UnsatisfiableConstraintAction): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  for (const c of list) {
    if (c.whenUnsatisfiable !== action) continue;
    const parts = [labelSelectorMatcher(c.labelSelector)];
    // matchLabelKeys: the pod's own values of those keys narrow the selector (keys it lacks are skipped).
    const own: Record<string, string> = {};
    for (const k of c.matchLabelKeys ?? []) if (podLabels && Object.hasOwn(podLabels, k)) own[k] = podLabels[k];
    if (Object.keys(own).length) parts.push(selectorFromSet(own));
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: new PodSelector(parts),
      minDomains: c.minDomains ?? 1,
      honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
    });
  }
  return out;
}

/** Upstream's DefaultSelector: the selectors of the pod's Services, and of its controlling RC, RS or StatefulSet, ANDed. */
export function defaultSelector(pod: Pod, lister: WorkloadLister): PodSelector {
  const ns = pod.metadata.namespace ?? 'default';
  const labels = pod.metadata.labels ?? {};
  const set: Record<string, string> = {};
  for (const svc of lister.services(ns)) {
    const sel = svc.spec?.selector;
    if (!sel || !selectorFromSet(sel).matches(labels)) continue;
    Object.assign(set, sel);
  }
  const parts: LabelMatcher[] = [];
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
  if (owner?.apiVersion === 'v1' && owner.kind === 'ReplicationController') {
    Object.assign(set, lister.replicationController(ns, owner.name)?.spec?.selector ?? {});
  } else if (owner?.apiVersion === 'apps/v1' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
    const ctl = owner.kind === 'ReplicaSet' ? lister.replicaSet(ns, owner.name) : lister.statefulSet(ns, owner.name);
    try {
      // A nil selector is labels.Nothing upstream, whose requirements are not added.
      if (ctl?.spec?.selector) parts.push(labelSelectorMatcher(ctl.spec.selector));
    } catch {
      // A selector that does not parse adds nothing (upstream ignores the error).
    }
  }
  return new PodSelector([selectorFromSet(set), ...parts]);
}

/** The constraints of one action: the pod's own, or (for a pod with none) the system defaults over its default selector. */
export function podConstraints(pod: Pod, action: UnsatisfiableConstraintAction, lister: WorkloadLister): SpreadConstraint[] {
  const own = pod.spec?.topologySpreadConstraints ?? [];
  if (own.length) return parseConstraints(own, pod.metadata.labels, action);
  const defaults = parseConstraints(SYSTEM_DEFAULT_CONSTRAINTS, pod.metadata.labels, action);
  if (!defaults.length) return [];
  const selector = defaultSelector(pod, lister);
  if (selector.empty) return [];
  return defaults.map((c) => ({ ...c, selector }));
}

/** Whether the node counts as a domain of this constraint (nodeAffinityPolicy, nodeTaintsPolicy). */
function included(c: SpreadConstraint, pod: Pod, node: Node): boolean {
  if (c.honorAffinity && !matchesRequiredNodeAffinity(pod.spec, node)) return false;
  if (c.honorTaints) {
    for (const t of node.spec?.taints ?? []) {
      if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(pod.spec?.tolerations, t)) return false;
    }
  }
  return true;
}

/** Live pods of the namespace on the node that the selector matches (terminating pods do not count). */
function countMatching(ni: NodeInfo, selector: PodSelector, namespace: string): number {
  let n = 0;
  for (const p of ni.pods.values()) {
    if (p.metadata.deletionTimestamp || (p.metadata.namespace ?? 'default') !== namespace) continue;
    if (selector.matches(p.metadata.labels)) n++;
  }
  return n;
}

// ---------------------------------------------------------------- filter

export interface SpreadFilterState {
  constraints: SpreadConstraint[];
  /** Per constraint: matching pods per topology value, over the eligible nodes. */
  counts: Map<string, number>[];
}

/** PreFilter: count matching pods per domain over ALL nodes; undefined when the pod has no hard constraints. */
export function preFilterSpread(pod: Pod, allNodes: NodeInfo[], lister: WorkloadLister): SpreadFilterState | undefined {
  const constraints = podConstraints(pod, 'DoNotSchedule', lister);
  if (!constraints.length) return undefined;
  const ns = pod.metadata.namespace ?? 'default';
  const counts = constraints.map(() => new Map<string, number>());
  for (const ni of allNodes) {
    if (!constraints.every((c) => hasLabel(ni.node, c.topologyKey))) continue;
    constraints.forEach((c, i) => {
      if (!included(c, pod, ni.node)) return;
      const v = labelOf(ni.node, c.topologyKey);
      counts[i].set(v, (counts[i].get(v) ?? 0) + countMatching(ni, c.selector, ns));
    });
  }
  return { constraints, counts };
}

/** Filter: the pod may go to the node only if no hard constraint's skew exceeds its maxSkew there. */
export function filterSpread(state: SpreadFilterState | undefined, pod: Pod, ni: NodeInfo): string[] {
  if (!state) return [];
  for (let i = 0; i < state.constraints.length; i++) {
    const c = state.constraints[i];
    if (!hasLabel(ni.node, c.topologyKey)) return [REASON_SPREAD_LABEL];
    const counts = state.counts[i];
    // Fewer eligible domains than minDomains: the global minimum counts as 0.
    const min = counts.size < c.minDomains ? 0 : counts.size ? Math.min(...counts.values()) : Number.MAX_SAFE_INTEGER;
    const self = c.selector.matches(pod.metadata.labels) ? 1 : 0;
    if ((counts.get(labelOf(ni.node, c.topologyKey)) ?? 0) + self - min > c.maxSkew) return [REASON_SPREAD];
  }
  return [];
}

// ---------------------------------------------------------------- score

/**
 * PreScore + Score + NormalizeScore for the feasible nodes (same order): each node's raw score
 * sums, per soft constraint, its domain's matching pods times log(domains + 2) plus maxSkew - 1;
 * then fewer is better, scaled to 0..100. Undefined when the pod has no soft constraints.
 */
export function scoreSpread(pod: Pod, feasible: NodeInfo[], allNodes: NodeInfo[], lister: WorkloadLister): number[] | undefined {
  if (!feasible.length || !allNodes.length) return undefined;
  const own = (pod.spec?.topologySpreadConstraints ?? []).length > 0;
  const constraints = podConstraints(pod, 'ScheduleAnyway', lister);
  if (!constraints.length) return undefined;
  // Only explicit constraints require every key on a node: system defaults still spread by hostname where zones are missing.
  const requireAll = own;
  const ns = pod.metadata.namespace ?? 'default';
  const ignored = new Set<string>();
  const domainCounts = constraints.map(() => new Map<string, number>());
  for (const ni of feasible) {
    if (requireAll && !constraints.every((c) => hasLabel(ni.node, c.topologyKey))) {
      ignored.add(ni.name);
      continue;
    }
    // Hostname domains are counted per node at score time; other keys per value of the feasible nodes.
    constraints.forEach((c, i) => {
      if (c.topologyKey !== LABEL_HOSTNAME) domainCounts[i].set(labelOf(ni.node, c.topologyKey), 0);
    });
  }
  const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? feasible.length - ignored.size : domainCounts[i].size) + 2));
  for (const ni of allNodes) {
    if (requireAll && !constraints.every((c) => hasLabel(ni.node, c.topologyKey))) continue;
    constraints.forEach((c, i) => {
      if (!included(c, pod, ni.node)) return;
      const v = labelOf(ni.node, c.topologyKey);
      const cur = domainCounts[i].get(v);
      if (cur === undefined) return;
      domainCounts[i].set(v, cur + countMatching(ni, c.selector, ns));
    });
  }
  const raw = feasible.map((ni) => {
    if (ignored.has(ni.name)) return -1;
    let score = 0;
    constraints.forEach((c, i) => {
      if (!hasLabel(ni.node, c.topologyKey)) return;
      const cnt = c.topologyKey === LABEL_HOSTNAME ? countMatching(ni, c.selector, ns) : (domainCounts[i].get(labelOf(ni.node, c.topologyKey)) ?? 0);
      score += cnt * weights[i] + (c.maxSkew - 1);
    });
    return Math.round(score);
  });
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  for (const s of raw) {
    if (s < 0) continue;
    min = Math.min(min, s);
    max = Math.max(max, s);
  }
  // Go's integer division truncates: the scores are non-negative, so floor is the same.
  return raw.map((s) => (s < 0 ? 0 : max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max + min - s)) / max)));
}
