// Node selector terms and required node affinity (Kubernetes' nodeaffinity helpers), shared by
// the scheduler's NodeAffinity filter and the DaemonSet controller's node eligibility.

import type { Node, NodeSelectorRequirement, NodeSelectorTerm, PodSpec } from './core.js';

function parseIntStrict(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

export function matchNodeSelectorRequirement(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const want = parseIntStrict(values[0]);
      const have = parseIntStrict(value);
      if (want === undefined || have === undefined) return false;
      return req.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** A term matches when all its expressions and fields match; an empty term matches nothing. */
export function matchNodeSelectorTerm(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) if (!matchNodeSelectorRequirement(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) return false;
  for (const r of fields) {
    // Only metadata.name is a supported field (as Kubernetes).
    if (r.key !== 'metadata.name') return false;
    if (!matchNodeSelectorRequirement(r, node.metadata.name)) return false;
  }
  return true;
}

/** nodeSelector labels and the requiredDuringScheduling terms (ORed): Kubernetes' GetRequiredNodeAffinity(pod).Match(node). */
export function matchesRequiredNodeAffinity(spec: PodSpec | undefined, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !(required.nodeSelectorTerms ?? []).some((t) => matchNodeSelectorTerm(t, node))) return false;
  return true;
}
