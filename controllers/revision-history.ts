// ControllerRevision history shared by the DaemonSet and StatefulSet controllers (Kubernetes'
// pkg/controller/history and the daemon controller's snapshot): a revision stores the parent's
// pod template as a patch, is named <parent>-<hash> where the hash covers that data and the
// parent's collisionCount, and carries an increasing revision number; going back to an older
// template re-numbers its revision instead of writing a new one.

import type { ControllerRevision } from '../api/apps.js';
import type { PodTemplateSpec } from '../api/core.js';
import type { OwnerReference } from '../api/meta.js';
import { deepEqual } from '../api/deep-equal.js';

/** Label on revisions and pods naming the revision (apps/v1 ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** Kubernetes' rand.SafeEncodeString alphabet: no vowels (no words) and no look-alike characters. */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** FNV-1a, 32 bits, over bytes. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** JSON with object keys sorted, so equal data always hashes alike whatever order the apiserver returned. */
export function canonicalJSON(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort()) Object.defineProperty(sorted, k, { value: o[k], enumerable: true, writable: true, configurable: true });
      return sorted;
    }
    return val;
  });
}

/** The data a DaemonSet/StatefulSet revision stores: spec.template, replacing the parent's whole template when applied. */
export function templatePatch(template: PodTemplateSpec | undefined): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

/** Kubernetes' HashControllerRevision: FNV-32a of the data then the collision count (uint32, little endian), safe-encoded. */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJSON(data)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const buf = new Uint8Array(4);
    new DataView(buf.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(buf, h);
  }
  return safeEncodeString(String(h));
}

/** Kubernetes' ControllerRevisionName: the parent's name cut to 223 characters, a dash, the hash. */
export function revisionName(parent: string, hash: string): string {
  return `${parent.length > 223 ? parent.slice(0, 223) : parent}-${hash}`;
}

export interface RevisionParent {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; uid?: string; annotations?: Record<string, string> };
}

/** A new revision object for a parent's template (not yet created). */
export function newRevision(parent: RevisionParent, template: PodTemplateSpec | undefined, revision: number, collisionCount: number | undefined, opts: { annotations?: Record<string, string> } = {}): ControllerRevision {
  const data = templatePatch(template);
  const hash = hashRevisionData(data, collisionCount);
  const owner: OwnerReference = { apiVersion: parent.apiVersion, kind: parent.kind, name: parent.metadata.name ?? '', uid: parent.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(parent.metadata.name ?? '', hash),
      namespace: parent.metadata.namespace,
      labels: { ...(template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(opts.annotations && Object.keys(opts.annotations).length ? { annotations: { ...opts.annotations } } : {}),
      ownerReferences: [owner],
    },
    data,
    revision,
  };
}

/** The hash a revision carries (its label, else the name's suffix). */
export function revisionHash(rev: ControllerRevision): string {
  const l = rev.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (l) return l;
  const name = rev.metadata?.name ?? '';
  return name.slice(name.lastIndexOf('-') + 1);
}

/** Oldest revision first; equal numbers by creation time, then name (Kubernetes' history.SortControllerRevisions). */
export function sortRevisions(revs: ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  });
}

/** The number the next revision gets: one more than the highest (1 for the first). */
export function nextRevisionNumber(revs: ControllerRevision[]): number {
  let max = 0;
  for (const r of revs) if (r.revision > max) max = r.revision;
  return max + 1;
}

/** Revisions storing the same data as the candidate (Kubernetes' FindEqualRevisions), oldest first. */
export function equalRevisions(revs: ControllerRevision[], candidate: ControllerRevision): ControllerRevision[] {
  return sortRevisions(revs.filter((r) => deepEqual(stripPatchDirective(r.data), stripPatchDirective(candidate.data))));
}

/** Data compared without key order mattering; a stored value keeps `$patch` as the candidate does. */
function stripPatchDirective(d: unknown): unknown {
  return JSON.parse(canonicalJSON(d ?? null)) as unknown;
}

/**
 * The revisions to delete to keep revisionHistoryLimit old ones (Kubernetes' truncateHistory):
 * the live ones (current, update, any a pod still runs) are never deleted; of the others, the oldest go first.
 */
export function revisionsToPrune(revs: ControllerRevision[], live: Set<string>, limit: number): ControllerRevision[] {
  const old = sortRevisions(revs).filter((r) => !live.has(r.metadata?.name ?? ''));
  const excess = old.length - Math.max(0, limit);
  return excess > 0 ? old.slice(0, excess) : [];
}
