// The shape of a score plugin, shared by scores.ts and plugins kept in their own file.

import type { Pod } from '../api/core.js';
import type { NodeInfo } from './node-info.js';
import type { WorkloadLister } from './topology-spread.js';

export const MAX_NODE_SCORE = 100;

/** What a plugin that looks beyond one node may read: every node, and the workloads that select pods. */
export interface ScoreContext {
  allNodes: NodeInfo[];
  workloads: WorkloadLister;
}

export interface ScorePlugin {
  name: string;
  weight: number;
  /** Raw score of one node. */
  score?(pod: Pod, node: NodeInfo): number;
  /** Normalize raw scores in place to 0..MAX_NODE_SCORE (absent: already in range). */
  normalize?(scores: number[]): void;
  /** Normalized scores of all feasible nodes at once (PreScore+Score+NormalizeScore); undefined: the plugin skips this pod. */
  scoreAll?(pod: Pod, nodes: NodeInfo[], ctx: ScoreContext): number[] | undefined;
}
