// The pure helpers of the Deployment controller (Kubernetes' deployment/util):
// maxSurge/maxUnavailable fenceposts, the pod-template hash, revision and replica
// annotations, the orderings of ReplicaSets and how the new one is told from the old.

import type { Deployment, ReplicaSet } from '../api/apps.js';
import type { IntOrString, PodTemplateSpec } from '../api/core.js';
import { deepEqual } from '../api/deep-equal.js';
import { scaledValue } from './scaled-value.js';

export const DEFAULT_LABEL_KEY = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Upstream's limit on the revision-history annotation (MaxRevHistoryLengthInChars). */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

/** Deployment annotations that are the controller's own and never copied onto ReplicaSets. */
const ANNOTATIONS_TO_SKIP = new Set([LAST_APPLIED, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, DEPRECATED_ROLLBACK_TO]);

export function replicasOf(o: { spec?: { replicas?: number } } | undefined): number {
  return o?.spec?.replicas ?? 1;
}

// ---------------------------------------------------------------- fenceposts

/** maxSurge rounds up, maxUnavailable down; both 0 would stall the rollout, so unavailable becomes 1. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true, 0);
  let unavailable = scaledValue(maxUnavailable, desired, false, 0);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

function rollingParams(d: Deployment): { surge: IntOrString; unavailable: IntOrString } {
  const ru = d.spec?.strategy?.rollingUpdate;
  // The apiserver defaults both to 25%; a client-built object may lack them.
  return { surge: ru?.maxSurge ?? '25%', unavailable: ru?.maxUnavailable ?? '25%' };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const p = rollingParams(d);
  return resolveFenceposts(p.surge, p.unavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const p = rollingParams(d);
  const { unavailable } = resolveFenceposts(p.surge, p.unavailable, replicas);
  return Math.min(unavailable, replicas);
}

// ---------------------------------------------------------------- hash

/** 32-bit FNV-1a. */
function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** JSON with object keys sorted at every level, so equal templates hash equal whatever their key order. */
function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each byte mapped onto consonants and digits, so no word can be spelled. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of Buffer.from(s, 'utf8')) out += SAFE_ALPHANUMS[ch % SAFE_ALPHANUMS.length];
  return out;
}

/**
 * Upstream's ComputeHash: FNV-32a of the template, then of collisionCount as four
 * little-endian bytes and four zero bytes when set, printed in decimal and safe-encoded.
 * Upstream hashes Go's printed struct; we hash canonical JSON, so the values differ
 * from a real cluster's, but the shape, stability and collision handling are the same.
 */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(canonicalJSON(semanticTemplate(template)), 'utf8'));
  if (collisionCount !== undefined) {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(collisionCount >>> 0, 0);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/**
 * A template with nulls, empty objects and empty lists left out: what Go decodes
 * into the same struct (a null creationTimestamp, `resources: {}` and no resources
 * at all are one value there), so templates written by different clients compare
 * as upstream's semantic equality compares them.
 */
export function semanticTemplate(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const prune = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const a = v.map(prune).filter((x) => x !== undefined);
      return a.length ? a : undefined;
    }
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const p = prune(x);
        if (p !== undefined) o[k] = p;
      }
      return Object.keys(o).length ? o : undefined;
    }
    return v === null ? undefined : v;
  };
  return (prune(t) ?? {});
}

function withoutHashLabel(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const c = structuredClone(t ?? {});
  if (c.metadata?.labels) delete c.metadata.labels[DEFAULT_LABEL_KEY];
  return semanticTemplate(c);
}

/** Templates equal once the pod-template-hash label is ignored (EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return deepEqual(withoutHashLabel(a), withoutHashLabel(b));
}

// ---------------------------------------------------------------- orderings

function created(rs: ReplicaSet): number {
  return Date.parse(rs.metadata?.creationTimestamp ?? '') || 0;
}

/** Oldest first, then by name (ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Largest first; equal sizes oldest first (ReplicaSetsBySizeOlder). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  if (replicasOf(a) === replicasOf(b)) return byCreation(a, b);
  return replicasOf(b) - replicasOf(a);
}

/** Largest first; equal sizes newest first (ReplicaSetsBySizeNewer). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  if (replicasOf(a) === replicasOf(b)) return byCreation(b, a);
  return replicasOf(b) - replicasOf(a);
}

/** Lowest revision first, then oldest (ReplicaSetsByRevision). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === rb) return byCreation(a, b);
  return ra - rb;
}

// ---------------------------------------------------------------- revisions and annotations

/** The revision annotation as a number (0 when absent or not a number). */
export function revisionOf(rs: { metadata?: { annotations?: Record<string, string> } } | undefined): number {
  const v = rs?.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return 0;
  return Number(v);
}

export function maxRevision(rss: ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) max = Math.max(max, revisionOf(rs));
  return max;
}

/** Copy the deployment's own annotations onto the RS (change-cause travels this way); true if any changed. */
export function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  const anns = (rs.metadata.annotations ??= {});
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || anns[k] === v) continue;
    anns[k] = v;
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  const anns = (rs.metadata.annotations ??= {});
  anns[DESIRED_REPLICAS_ANNOTATION] = String(desired);
  anns[MAX_REPLICAS_ANNOTATION] = String(max);
  return true;
}

/** The desired-replicas annotation, if it is a number. */
export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * SetNewReplicaSetAnnotations: copy the deployment's annotations, raise the revision
 * to newRevision (remembering the old one in revision-history), and on a new RS
 * record desired and max replicas. True when anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean, historyLimit = MAX_REV_HISTORY_LENGTH_IN_CHARS): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const anns = (rs.metadata.annotations ??= {});
  const old = anns[REVISION_ANNOTATION];
  let oldInt = 0;
  if (old !== undefined) {
    // A revision someone wrote that is not a number: leave the RS alone, as upstream does.
    if (!/^\d+$/.test(old)) return changed;
    oldInt = Number(old);
  }
  if (oldInt < newRevision) {
    anns[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (old !== undefined) {
      const history = anns[REVISION_HISTORY_ANNOTATION] ? anns[REVISION_HISTORY_ANNOTATION].split(',') : [];
      history.push(old);
      // Oldest entries drop off once the annotation would exceed the limit.
      while (history.length > 1 && history.join(',').length > historyLimit) history.shift();
      anns[REVISION_HISTORY_ANNOTATION] = history.join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

// ---------------------------------------------------------------- finding RSs

/** The oldest RS whose template equals the deployment's, hash label aside (FindNewReplicaSet). */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

export function findOldReplicaSets(d: Deployment, rss: ReplicaSet[]): ReplicaSet[] {
  const nw = findNewReplicaSet(d, rss);
  return rss.filter((rs) => rs.metadata?.uid !== nw?.metadata?.uid);
}

/** RSs with a non-zero replicas count (FilterActiveReplicaSets). */
export function activeReplicaSets(rss: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => !!rs && replicasOf(rs) > 0);
}

export function specReplicaSum(rss: (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += replicasOf(rs);
  return n;
}

export function statusSum(rss: (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.[field] ?? 0;
  return n;
}

/** The one active RS, or the latest when none is active; undefined when several are (FindActiveOrLatest). */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const all = activeReplicaSets([...olds, newRS]);
  if (all.length === 0) return newRS ?? olds[0];
  if (all.length === 1) return all[0];
  return undefined;
}

/** The new RS holds all the deployment's replicas and all are available (IsSaturated). */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const want = replicasOf(d);
  return replicasOf(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}
