// Node selector terms (nodeAffinity, a PersistentVolume's nodeAffinity) matched
// against a Node, as Kubernetes' nodeaffinity helpers: shared by the scheduler and
// the volume code, so it lives below both.

import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from './core.js';

function matchRequirement(req: NodeSelectorRequirement, value: string | undefined): boolean {
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

function parseIntStrict(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** A term matches when all its expressions and fields match; an empty term matches nothing. */
export function matchNodeSelectorTerm(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) if (!matchRequirement(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) return false;
  for (const r of fields) {
    // Only metadata.name is a supported field (as Kubernetes).
    if (r.key !== 'metadata.name') return false;
    if (!matchRequirement(r, node.metadata.name)) return false;
  }
  return true;
}

/** A NodeSelector matches when any of its terms does (the terms are ORed). */
export function matchNodeSelector(sel: NodeSelector, node: Node): boolean {
  return (sel.nodeSelectorTerms ?? []).some((t) => matchNodeSelectorTerm(t, node));
}
