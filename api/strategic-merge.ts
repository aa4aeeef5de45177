// Strategic merge patch (application/strategic-merge-patch+json) for the core
// types, driven by the rules in patch-schema.ts. Supported directives:
// null deletes a key; `$patch: replace|delete|merge` on maps and list
// elements; `$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>`;
// `$retainKeys`. Inputs are never mutated.

import { PatchError } from './patch-error.js';
import { fieldRule, mergeIdentity, rootType, sameIdentity, type FieldRule } from './patch-schema.js';
import { deepEqual } from './deep-equal.js';
import { getOwn, setOwn } from './own-keys.js';

type Obj = Record<string, unknown>;

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Apply a strategic merge patch for `kind` to a copy of `original`. */
export function applyStrategicMergePatch<T>(original: T, patch: unknown, kind?: string): T {
  if (!isObj(patch)) throw new PatchError('strategic merge patch must be a JSON object');
  const base = isObj(original) ? structuredClone(original) : {};
  return mergeMap(base, patch, rootType(kind)) as T;
}

/** Merge `patch` into `orig` (which may be undefined). */
function mergeMap(orig: Obj | undefined, patch: Obj, type: string | undefined): Obj {
  const directive = getOwn(patch, PATCH);
  if (directive !== undefined) {
    // As in Kubernetes, a map that says `$patch: delete` becomes empty (list elements are removed instead).
    if (directive === 'delete') return {};
    if (directive === 'replace') {
      const rest = { ...patch };
      delete rest[PATCH];
      return mergeMap(undefined, rest, type);
    }
    if (directive !== 'merge') throw new PatchError(`Unknown patch type: ${typeof directive === 'string' ? directive : JSON.stringify(directive)} in map: ${JSON.stringify(patch)}`);
  }
  let result: Obj = orig ? { ...orig } : {};
  const retain = getOwn(patch, RETAIN_KEYS);
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new PatchError(`${RETAIN_KEYS} must be a list of field names`);
    const keep = new Set(retain.map(String));
    for (const [k, v] of Object.entries(patch)) {
      if (v !== null && !k.startsWith('$') && !keep.has(k)) throw new PatchError(`The patch has ${k} which is not in ${RETAIN_KEYS} list`);
    }
    result = Object.fromEntries(Object.entries(result).filter(([k]) => keep.has(k)));
  }
  // Deletions from primitive lists apply to the original value, before merging.
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(DELETE_FROM_PRIMITIVE)) continue;
    const field = k.slice(DELETE_FROM_PRIMITIVE.length);
    if (!Array.isArray(v)) throw new PatchError(`${k} must be a list`);
    const cur = getOwn(result, field);
    if (Array.isArray(cur)) {
      const filtered = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      if (filtered.length) setOwn(result, field, filtered);
      else delete result[field];
    }
  }
  const orders: [string, unknown[]][] = [];
  for (const [k, pv] of Object.entries(patch)) {
    if (k === PATCH || k === RETAIN_KEYS || k.startsWith(DELETE_FROM_PRIMITIVE)) continue;
    if (k.startsWith(SET_ELEMENT_ORDER)) {
      if (!Array.isArray(pv)) throw new PatchError(`${k} must be a list`);
      orders.push([k.slice(SET_ELEMENT_ORDER.length), pv]);
      continue;
    }
    if (pv === null) {
      delete result[k];
      continue;
    }
    const rule = fieldRule(type, k);
    const ov = getOwn(result, k);
    if (isObj(pv)) {
      setOwn(result, k, mergeMap(isObj(ov) ? ov : undefined, pv, rule?.type));
    } else if (Array.isArray(pv)) {
      setOwn(result, k, mergeList(Array.isArray(ov) ? ov : undefined, pv, rule));
    } else {
      setOwn(result, k, pv);
    }
  }
  for (const [field, order] of orders) {
    const cur = getOwn(result, field);
    if (Array.isArray(cur)) {
      const prev = orig ? getOwn(orig, field) : undefined;
      const before = Array.isArray(prev) ? prev : [];
      setOwn(result, field, applyElementOrder(cur, order, before, fieldRule(type, field)));
    }
  }
  return result;
}

function mergeList(orig: unknown[] | undefined, patch: unknown[], rule: FieldRule | undefined): unknown[] {
  const keys = rule?.strategy === 'merge' ? rule.mergeKeys : undefined;
  if (rule?.strategy === 'merge' && !keys) {
    // A set of primitives: union, keeping the original order.
    const out = [...(orig ?? [])];
    for (const v of patch) {
      if (isObj(v) && getOwn(v, PATCH) !== undefined) throw new PatchError(`${PATCH} directives are not supported in lists of primitives`);
      if (!out.some((x) => deepEqual(x, v))) out.push(v);
    }
    return out;
  }
  if (!keys) {
    // Atomic list: replaced whole (directives inside maps are still honoured on a fresh base).
    return patch.map((v) => (isObj(v) ? mergeMap(undefined, v, rule?.type) : v));
  }
  const replaceAll = patch.some((v) => isObj(v) && getOwn(v, PATCH) === 'replace' && mergeIdentity(v, keys) === undefined);
  const items = patch.filter((v) => !(isObj(v) && getOwn(v, PATCH) === 'replace' && mergeIdentity(v, keys) === undefined));
  let out: unknown[] = replaceAll ? [] : [...(orig ?? [])];
  for (const p of items) {
    if (!isObj(p)) throw new PatchError(`list element ${JSON.stringify(p)} must be a map when the list is merged by key`);
    const id = mergeIdentity(p, keys);
    if (!id) throw new PatchError(`map: ${JSON.stringify(p)} does not contain declared merge key: ${keys[0].name}`);
    const idx = out.findIndex((o) => {
      const oid = mergeIdentity(o, keys);
      return oid !== undefined && sameIdentity(oid, id);
    });
    if (getOwn(p, PATCH) === 'delete') {
      if (idx >= 0) out = out.filter((o) => !(mergeIdentity(o, keys) && sameIdentity(mergeIdentity(o, keys)!, id)));
      continue;
    }
    if (idx >= 0) {
      out[idx] = mergeMap(isObj(out[idx]) ? (out[idx]) : undefined, p, rule?.type);
    } else {
      out.push(mergeMap(undefined, p, rule?.type));
    }
  }
  return out;
}

/**
 * Reorder a merged list per `$setElementOrder`, as Kubernetes does: elements
 * named in the order list take that order; the others ("server-only") keep
 * their original relative order and are interleaved by their positions in the
 * original list.
 */
function applyElementOrder(merged: unknown[], order: unknown[], original: unknown[], rule: FieldRule | undefined): unknown[] {
  const keys = rule?.mergeKeys;
  const same = (a: unknown, b: unknown): boolean => {
    if (!keys) return deepEqual(a, b);
    const ia = mergeIdentity(a, keys);
    const ib = mergeIdentity(b, keys);
    return ia !== undefined && ib !== undefined && sameIdentity(ia, ib);
  };
  const indexIn = (list: unknown[], el: unknown): number => list.findIndex((x) => same(x, el));
  const stableSortBy = (list: unknown[], ref: unknown[]): unknown[] =>
    list
      .map((el, i) => ({ el, i, at: indexIn(ref, el) }))
      .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i))
      .map((x) => x.el);
  const fromPatch = stableSortBy(merged.filter((el) => indexIn(order, el) >= 0), order);
  const serverOnly = stableSortBy(merged.filter((el) => indexIn(order, el) < 0), original);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    if (i >= serverOnly.length) out.push(fromPatch[j++]);
    else if (j >= fromPatch.length) out.push(serverOnly[i++]);
    else {
      const li = indexIn(original, serverOnly[i]);
      const ri = indexIn(original, fromPatch[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(fromPatch[j++]);
    }
  }
  return out;
}
