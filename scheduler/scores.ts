// Score plugins: how good is each feasible node for this pod? Each plugin gives
// raw scores per node, normalized to 0..100 (MAX_NODE_SCORE) as Kubernetes'
// NormalizeScore does, then weighted and summed. Ties are broken at random by
// the caller (selectHost).

import type { Pod } from '../api/core.js';
import { matchNodeSelectorTerm, tolerated } from './filters.js';
import type { NodeInfo } from './node-info.js';
import { podRequests } from './resources.js';
import { MAX_NODE_SCORE, type ScoreContext, type ScorePlugin } from './score-plugin.js';
import { scoreSpread } from './topology-spread.js';

export { MAX_NODE_SCORE, type ScoreContext, type ScorePlugin };

/** Kubernetes' leastRequestedScore for one resource. */
function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** NodeResourcesFit LeastAllocated: cpu and memory weighted equally, pod's non-zero requests included. */
export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  weight: 1,
  score(pod, ni) {
    const r = podRequests(pod, true);
    const cpu = leastRequested(ni.nonZeroRequested.milliCPU + r.milliCPU, ni.allocatable.milliCPU);
    const mem = leastRequested(ni.nonZeroRequested.memory + r.memory, ni.allocatable.memory);
    return Math.floor((cpu + mem) / 2);
  },
};

/** PodTopologySpread's score: fewer matching pods in the node's domains is better (system defaults for pods without constraints). */
export const podTopologySpread: ScorePlugin = {
  name: 'PodTopologySpread',
  weight: 2,
  scoreAll: (pod, nodes, ctx) => scoreSpread(pod, nodes, ctx.allNodes, ctx.workloads),
};

/** Fewer untolerated PreferNoSchedule taints is better (reverse-normalized count). */
export const taintPreferNoSchedule: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  score(pod, ni) {
    // As Kubernetes: only tolerations whose effect is empty or PreferNoSchedule count here.
    const tolerations = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    let n = 0;
    for (const taint of ni.node.spec?.taints ?? []) if (taint.effect === 'PreferNoSchedule' && !tolerated(tolerations, taint)) n++;
    return n;
  },
  normalize(scores) {
    const max = Math.max(0, ...scores);
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? MAX_NODE_SCORE : MAX_NODE_SCORE - Math.floor((scores[i] * MAX_NODE_SCORE) / max);
  },
};

/** Sum of the weights of the matching preferredDuringScheduling terms, normalized to the best node. */
export const nodeAffinityPreferred: ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  score(pod, ni) {
    let sum = 0;
    for (const p of pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (p.weight !== 0 && matchNodeSelectorTerm(p.preference, ni.node)) sum += p.weight;
    }
    return sum;
  },
  normalize(scores) {
    const max = Math.max(0, ...scores);
    if (max === 0) return;
    for (let i = 0; i < scores.length; i++) scores[i] = Math.floor((MAX_NODE_SCORE * scores[i]) / max);
  },
};

// Upstream's default score plugins with their weights (1.32 no longer has SelectorSpread: PodTopologySpread's defaults replace it).
export const DEFAULT_SCORES: ScorePlugin[] = [taintPreferNoSchedule, nodeAffinityPreferred, podTopologySpread, leastAllocated];

/** Weighted total score per node (same order as `nodes`). */
export function scoreNodes(pod: Pod, nodes: NodeInfo[], plugins = DEFAULT_SCORES, ctx?: ScoreContext): number[] {
  const total = new Array<number>(nodes.length).fill(0);
  for (const p of plugins) {
    let s: number[] | undefined;
    if (p.scoreAll) {
      if (!ctx) continue;
      s = p.scoreAll(pod, nodes, ctx);
      if (!s) continue;
    } else if (p.score) {
      s = nodes.map((n) => p.score!(pod, n));
      p.normalize?.(s);
    } else continue;
    for (let i = 0; i < s.length; i++) total[i] += s[i] * p.weight;
  }
  return total;
}

/** The index of the best score, ties broken uniformly at random (reservoir sampling, as Kubernetes). */
export function selectHost(scores: number[], random: () => number = Math.random): number {
  let best = -1;
  let bestScore = -Infinity;
  let ties = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s > bestScore) {
      bestScore = s;
      best = i;
      ties = 1;
    } else if (s === bestScore) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return best;
}
