// Field ownership (metadata.managedFields) and server-side apply.
//
// A field set is the set of leaf paths an object sets, in the FieldsV1
// notation kubectl reads: `f:<field>` for map/struct fields, `k:{"name":"c"}`
// for elements of keyed lists (with "." for the element itself), `v:<json>`
// for members of primitive sets; atomic lists and scalars are leaves.

import type { KubeObject, ManagedFieldsEntry } from './meta.js';
import { fieldRule, mergeIdentity, rootType, sameIdentity, typeRules, type MergeKey } from './patch-schema.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { PatchError } from './patch-error.js';
import { deepEqual } from './deep-equal.js';
import { getOwn, hasOwnKey, setOwn } from './own-keys.js';

type Obj = Record<string, unknown>;
/** Where `kubectl apply` (client-side) records the configuration it applied. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A path is a list of FieldsV1 segments; sets hold them JSON-encoded. */
export type FieldPath = string[];
export type FieldSet = Set<string>;

/** Identity and bookkeeping fields nobody "owns". */
const IGNORED_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

export interface FieldSetOptions {
  /** 'status' tracks only the status subtree; otherwise status is left out. */
  subresource?: string;
}

/** JSON-encoded names of a merge key list, in the order JSON.stringify emits them for the sorted identity. */
const keyOrderCache = new WeakMap<readonly MergeKey[], { name: string; json: string }[]>();

function keyOrder(keys: readonly MergeKey[]): { name: string; json: string }[] {
  let order = keyOrderCache.get(keys);
  if (!order) {
    // Built through a real object so the order is exactly the one JSON.stringify would use.
    const names = Object.keys(Object.fromEntries(keys.map((k) => k.name).sort().map((n) => [n, true])));
    order = names.map((name) => ({ name, json: JSON.stringify(name) }));
    keyOrderCache.set(keys, order);
  }
  return order;
}

/** `k:{...}` segment of a keyed-list element: its merge identity as JSON with sorted keys. */
function keySegment(el: unknown, keys: MergeKey[]): string | undefined {
  const id = mergeIdentity(el, keys);
  if (!id) return undefined;
  // Identity values are scalars in practice; encode them directly instead of building a sorted copy.
  let out = 'k:{';
  let first = true;
  for (const { name, json } of keyOrder(keys)) {
    const v = id[name];
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return slowKeySegment(id);
    out += first ? `${json}:${JSON.stringify(v)}` : `,${json}:${JSON.stringify(v)}`;
    first = false;
  }
  return `${out}}`;
}

function slowKeySegment(id: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.keys(id).sort().map((k) => [k, id[k]]));
  return `k:${JSON.stringify(sorted)}`;
}

/** Calls `emit` with every leaf path `obj` sets, for kind `kind`. */
function visitFields(obj: KubeObject | Obj, kind: string | undefined, opts: FieldSetOptions, emit: (path: FieldPath) => void): void {
  const walk = (v: Obj, type: string | undefined, prefix: FieldPath, root: boolean): void => {
    for (const [k, child] of Object.entries(v)) {
      if (child === undefined) continue;
      if (root) {
        if (k === 'apiVersion' || k === 'kind') continue;
        if (opts.subresource === 'status' ? k !== 'status' : k === 'status') continue;
      }
      if (prefix.length === 1 && prefix[0] === 'f:metadata' && IGNORED_META.has(k)) continue;
      const path = [...prefix, `f:${k}`];
      const rule = fieldRule(type, k);
      if (isObj(child) && Object.keys(child).length > 0) {
        walk(child, rule?.type, path, false);
      } else if (Array.isArray(child) && rule?.strategy === 'merge' && child.length > 0) {
        if (rule.mergeKeys) {
          for (const el of child) {
            const seg = keySegment(el, rule.mergeKeys);
            if (!seg || !isObj(el)) continue;
            emit([...path, seg, '.']);
            walk(el, rule.type, [...path, seg], false);
          }
        } else {
          for (const el of child) emit([...path, `v:${JSON.stringify(el)}`]);
        }
      } else {
        emit(path);
      }
    }
  };
  if (isObj(obj)) walk(obj, rootType(kind ?? (obj.kind as string | undefined)), [], true);
}

/** The set of leaf paths `obj` sets, for kind `kind`. */
export function fieldSetOf(obj: KubeObject | Obj, kind?: string, opts: FieldSetOptions = {}): FieldSet {
  const out: FieldSet = new Set();
  visitFields(obj, kind, opts, (path) => out.add(JSON.stringify(path)));
  return out;
}

/**
 * The FieldsV1 tree of everything `obj` sets: toFieldsV1(fieldSetOf(obj)), built directly —
 * the create path runs this for every object, so no path arrays or string round trips.
 */
export function fieldsV1Of(obj: KubeObject | Obj, kind?: string, opts: FieldSetOptions = {}): Record<string, unknown> {
  if (!isObj(obj)) return {};
  return treeOf(obj, rootType(kind ?? (obj.kind as string | undefined)), opts, 'root');
}

type Level = 'root' | 'meta' | 'inner';

/** Own enumerable keys exist (Object.keys(o).length > 0 without building the array). */
function hasKeys(o: Obj): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

/** Keys sorted as Array.prototype.sort() sorts strings; insertion sort is much faster for the few keys of an object. */
function sortedKeysOf(o: Obj): string[] {
  const keys = Object.keys(o);
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > k; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = k;
  }
  return keys;
}

/*
 * Storing a freshly built string as a property key makes V8 look it up in its
 * string table (a slow runtime call) every time; a cached, already internalized
 * key skips that. It is most of the cost of building the tree. Field names are
 * mostly schema names, but user data keys (labels, ConfigMap data, container
 * names) are not, so the caches are bounded.
 */
const MAX_CACHED_SEGMENTS = 4096;
const FIELD_SEGMENTS = new Map<string, string>();
const KEY_SEGMENTS = new Map<string, string>();

function internalized(s: string): string {
  return Object.keys({ [s]: true })[0];
}

/** `f:<name>`, cached by name. */
function fieldSegment(name: string): string {
  let seg = FIELD_SEGMENTS.get(name);
  if (seg === undefined) {
    seg = `f:${name}`;
    if (FIELD_SEGMENTS.size < MAX_CACHED_SEGMENTS) FIELD_SEGMENTS.set(name, (seg = internalized(seg)));
  }
  return seg;
}

/** The cached internalized copy of a `k:{...}` segment. */
function cachedKeySegment(seg: string): string {
  const cached = KEY_SEGMENTS.get(seg);
  if (cached !== undefined) return cached;
  if (KEY_SEGMENTS.size >= MAX_CACHED_SEGMENTS) return seg;
  const key = internalized(seg);
  KEY_SEGMENTS.set(key, key);
  return key;
}

/**
 * Same traversal as visitFields; keys come out sorted because they are visited sorted.
 * `dot` starts the tree with the `".": {}` of a list element ("." sorts before every "f:" key).
 */
function treeOf(v: Obj, type: string | undefined, opts: FieldSetOptions, level: Level, dot = false): Obj {
  const out: Obj = dot ? { '.': {} } : {};
  const rules = typeRules(type);
  const statusOnly = opts.subresource === 'status';
  for (const k of sortedKeysOf(v)) {
    const child = v[k];
    if (child === undefined) continue;
    if (level === 'root') {
      if (k === 'apiVersion' || k === 'kind') continue;
      if (statusOnly ? k !== 'status' : k === 'status') continue;
    } else if (level === 'meta' && IGNORED_META.has(k)) continue;
    const rule = rules?.get(k);
    if (isObj(child) && hasKeys(child)) {
      const sub = treeOf(child, rule?.type, opts, level === 'root' && k === 'metadata' ? 'meta' : 'inner');
      if (hasKeys(sub)) out[fieldSegment(k)] = sub;
    } else if (Array.isArray(child) && rule?.strategy === 'merge' && child.length > 0) {
      const items = rule.mergeKeys ? keyedItems(child, rule.mergeKeys, rule.type, opts) : setItems(child);
      if (hasKeys(items)) out[fieldSegment(k)] = sortedKeys(items);
    } else {
      out[fieldSegment(k)] = {};
    }
  }
  return out;
}

/** `k:{...}` entries of a keyed list, each `{".": {}, ...fields}`; repeated keys merge. */
function keyedItems(list: unknown[], keys: MergeKey[], type: string | undefined, opts: FieldSetOptions): Obj {
  const items: Obj = {};
  let empty = true;
  for (const el of list) {
    const found = keySegment(el, keys);
    if (!found || !isObj(el)) continue;
    const seg = cachedKeySegment(found);
    const prev = empty ? undefined : (items[seg] as Obj | undefined);
    empty = false;
    // The first occurrence of a key is what mergeTrees({ '.': {} }, tree) would give.
    items[seg] = prev ? mergeTrees({ '.': {} }, mergeTrees(prev, treeOf(el, type, opts, 'inner'))) : treeOf(el, type, opts, 'inner', true);
  }
  return items;
}

/** `v:<json>` entries of a primitive set. */
function setItems(list: unknown[]): Obj {
  const items: Obj = {};
  for (const el of list) items[`v:${JSON.stringify(el)}`] = {};
  return items;
}

/** `o` itself when its keys are already in sort order (the usual case), else a sorted copy. */
function sortedKeys(o: Obj): Obj {
  const keys = Object.keys(o);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1] < keys[i];
  return sorted ? o : Object.fromEntries(keys.sort().map((s) => [s, o[s]]));
}

/** Union of two sorted FieldsV1 trees (two list elements with the same key), kept sorted. */
function mergeTrees(a: Obj | undefined, b: Obj): Obj {
  if (!a) return b;
  const out: Obj = {};
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    out[k] = a[k] && b[k] ? mergeTrees(a[k] as Obj, b[k] as Obj) : (a[k] ?? b[k]);
  }
  return out;
}

/** FieldsV1 tree (as stored in managedFields) from a field set. */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: Obj = {};
  for (const enc of [...set].sort()) {
    let node = root;
    for (const seg of JSON.parse(enc) as FieldPath) {
      let next = getOwn(node, seg) as Obj | undefined;
      if (next === undefined) setOwn(node, seg, (next = {}));
      node = next;
    }
  }
  return root;
}

/** Field set from a FieldsV1 tree. */
export function fromFieldsV1(tree: Record<string, unknown> | undefined): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: Obj, prefix: FieldPath): void => {
    for (const [seg, child] of Object.entries(node)) {
      const path = [...prefix, seg];
      if (isObj(child) && Object.keys(child).length > 0) walk(child, path);
      else out.add(JSON.stringify(path));
    }
  };
  if (isObj(tree)) walk(tree, []);
  return out;
}

/** The JSON of a `k:` or `v:` segment; undefined when malformed (managedFields come from clients too). */
function parseSegment(seg: string): unknown {
  try {
    return JSON.parse(seg.slice(2));
  } catch {
    return undefined;
  }
}

/** Navigate a path; returns {parent, key/index} of the last segment, or undefined if absent. */
function locate(obj: unknown, path: FieldPath): { container: Obj | unknown[]; at: string | number } | undefined {
  let cur: unknown = obj;
  let container: Obj | unknown[] | undefined;
  let at: string | number | undefined;
  for (const seg of path) {
    if (seg === '.') return container && at !== undefined ? { container, at } : undefined;
    if (seg.startsWith('f:')) {
      if (!isObj(cur)) return undefined;
      const k = seg.slice(2);
      if (!hasOwnKey(cur, k)) return undefined;
      container = cur;
      at = k;
      cur = cur[k];
    } else if (seg.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = parseSegment(seg);
      if (!isObj(want)) return undefined;
      const i = cur.findIndex((el) => isObj(el) && sameIdentity(want, Object.fromEntries(Object.keys(want).map((k) => [k, getOwn(el, k)]))));
      // Fall back to defaulted keys (e.g. protocol omitted means TCP).
      const j = i >= 0 ? i : cur.findIndex((el) => isObj(el) && Object.keys(want).every((k) => (getOwn(el, k) ?? (k === 'protocol' ? 'TCP' : undefined)) === want[k]));
      if (j < 0) return undefined;
      container = cur;
      at = j;
      cur = cur[j];
    } else if (seg.startsWith('v:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = parseSegment(seg);
      if (want === undefined) return undefined;
      const i = cur.findIndex((el) => deepEqual(el, want));
      if (i < 0) return undefined;
      container = cur;
      at = i;
      cur = cur[i];
    } else {
      return undefined;
    }
  }
  return container && at !== undefined ? { container, at } : undefined;
}

function valueAt(obj: unknown, path: FieldPath): unknown {
  const loc = locate(obj, path);
  if (!loc) return undefined;
  return Array.isArray(loc.container) ? loc.container[loc.at as number] : (loc.container)[loc.at as string];
}

/** Remove the value at `path` from `obj` (in place), pruning maps the removal left empty. */
function removePath(obj: Obj, path: FieldPath): void {
  const loc = locate(obj, path);
  if (!loc) return;
  if (Array.isArray(loc.container)) loc.container.splice(loc.at as number, 1);
  else delete (loc.container)[loc.at as string];
  // Prune now-empty parents (but never the top-level metadata).
  for (let n = path.length - 1; n >= 2; n--) {
    const parentPath = path.slice(0, n).filter((s) => s !== '.');
    const v = valueAt(obj, parentPath);
    const empty = (isObj(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);
    if (!empty) break;
    const ploc = locate(obj, parentPath);
    if (!ploc) break;
    if (Array.isArray(ploc.container)) ploc.container.splice(ploc.at as number, 1);
    else delete (ploc.container)[ploc.at as string];
  }
}

/** Human form of a path, as in conflict messages: `.spec.containers[name="c"].image`. */
export function formatFieldPath(path: FieldPath): string {
  let s = '';
  for (const seg of path) {
    if (seg === '.') continue;
    if (seg.startsWith('f:')) s += `.${seg.slice(2)}`;
    else if (seg.startsWith('k:')) {
      const id = (parseSegment(seg) ?? {}) as Obj;
      s += `[${Object.entries(id).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (seg.startsWith('v:')) s += `[=${seg.slice(2)}]`;
  }
  return s;
}

interface Owner {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

function owners(entries: ManagedFieldsEntry[] | undefined): Owner[] {
  return (entries ?? []).map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
}

function sameSlot(e: ManagedFieldsEntry, manager: string, operation: 'Apply' | 'Update', subresource?: string): boolean {
  return e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');
}

function finish(list: Owner[]): ManagedFieldsEntry[] {
  return list
    .filter((o) => o.set.size > 0)
    .map((o) => ({ ...o.entry, fieldsType: 'FieldsV1' as const, fieldsV1: toFieldsV1(o.set) }));
}

export interface ApplyOptions {
  force?: boolean;
  /** Kind for the merge rules; defaults to applied.kind. */
  kind?: string;
  subresource?: string;
  /** RFC 3339 time recorded in the entry. */
  now?: string;
}

let memoSecond = NaN;
let memoText = '';

/**
 * The current time in RFC 3339 with whole seconds, as managedFields record it.
 * Formatting a Date costs microseconds and the text only changes once a second, so it is memoised.
 */
export function nowRFC3339(ms = Date.now()): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== memoSecond) {
    memoSecond = sec;
    memoText = new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return memoText;
}

/**
 * Server-side apply of a full object configuration. Returns the new object
 * (input objects are not mutated). Fields this manager applied before but no
 * longer applies are removed unless someone else also owns them. Changing a
 * value another manager owns is a conflict (PatchError 409 with
 * FieldManagerConflict causes) unless `force`, which takes ownership.
 */
export function applyPatch(live: KubeObject | undefined, applied: KubeObject, manager: string, opts: ApplyOptions = {}): KubeObject {
  if (!manager) throw new PatchError('PATCH request of type apply requires a fieldManager', 400);
  if (!isObj(applied)) throw new PatchError('apply patch must be an object');
  const kind = opts.kind ?? applied.kind ?? live?.kind;
  const sub = opts.subresource;
  const newSet = fieldSetOf(applied, kind, { subresource: sub });
  const base: KubeObject = live ? structuredClone(live) : { metadata: {} };
  const list = owners(base.metadata?.managedFields);
  const mine = list.find((o) => sameSlot(o.entry, manager, 'Apply', sub));
  const others = list.filter((o) => o !== mine);

  // Conflicts: a path another manager owns, whose value this apply would change.
  const conflicts: { mgr: ManagedFieldsEntry; path: FieldPath }[] = [];
  for (const enc of newSet) {
    const path = JSON.parse(enc) as FieldPath;
    if (path[path.length - 1] === '.' || path[path.length - 1].startsWith('v:')) continue;
    const before = valueAt(base, path);
    const after = valueAt(applied, path);
    if (before === undefined || deepEqual(before, after)) continue;
    for (const o of others) {
      if (o.entry.manager !== manager && o.set.has(enc)) conflicts.push({ mgr: o.entry, path });
    }
  }
  if (conflicts.length && !opts.force && manager === 'kubectl') {
    // Moving from client-side to server-side apply (as kube-apiserver's lastAppliedManager):
    // kubectl may take over what its last client-side apply set, where that is still the value.
    const allowed = lastAppliedFields(base, applied.apiVersion, kind);
    const left = conflicts.filter((c) => !allowed.has(JSON.stringify(c.path)));
    if (left.length) throw conflictError(left);
  } else if (conflicts.length && !opts.force) throw conflictError(conflicts);
  for (const c of conflicts) for (const o of others) o.set.delete(JSON.stringify(c.path));

  // Fields dropped from this manager's configuration, owned by nobody else.
  const obj = base as unknown as Obj;
  const stillOwned = (enc: string): boolean => others.some((o) => o.set.has(enc));
  const dropped = [...(mine?.set ?? [])].filter((p) => !newSet.has(p) && !stillOwned(p));
  // Remove deepest first so element removals ("." paths) happen after their fields.
  dropped.sort((a, b) => (JSON.parse(b) as FieldPath).length - (JSON.parse(a) as FieldPath).length);
  for (const enc of dropped) removePath(obj, JSON.parse(enc) as FieldPath);

  const body = structuredClone(applied) as Obj;
  delete (body.metadata as Obj | undefined)?.managedFields;
  const merged = applyStrategicMergePatch(obj, body, kind) as KubeObject;
  merged.metadata ??= {};
  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: (applied.apiVersion) ?? (live?.apiVersion) ?? 'v1',
    time: opts.now ?? nowRFC3339(),
    fieldsType: 'FieldsV1',
    ...(sub ? { subresource: sub } : {}),
  };
  const next: Owner[] = others.map((o) => o);
  const at = mine ? list.indexOf(mine) : list.length;
  next.splice(Math.min(at, next.length), 0, { entry, set: newSet });
  merged.metadata.managedFields = finish(next);
  return merged;
}

/** The fields of the live object's last-applied-configuration (client-side apply's record)
 *  whose value the live object still has; none when there is no such record for this version. */
function lastAppliedFields(live: KubeObject, apiVersion: string | undefined, kind: string | undefined): FieldSet {
  const text = live.metadata?.annotations?.[LAST_APPLIED];
  if (typeof text !== 'string' || !text) return new Set();
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return new Set();
  }
  if (!isObj(last) || last.apiVersion !== apiVersion) return new Set();
  const out: FieldSet = new Set();
  for (const enc of fieldSetOf(last, kind)) {
    const path = JSON.parse(enc) as FieldPath;
    const was = valueAt(last, path);
    if (was !== undefined && deepEqual(was, valueAt(live, path))) out.add(enc);
  }
  return out;
}

function conflictError(conflicts: { mgr: ManagedFieldsEntry; path: FieldPath }[]): PatchError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${JSON.stringify(c.mgr.manager ?? '')}${c.mgr.apiVersion ? ` using ${c.mgr.apiVersion}` : ''}`,
    field: formatFieldPath(c.path),
  }));
  const n = conflicts.length;
  let message: string;
  if (n === 1) message = `Apply failed with 1 conflict: ${causes[0].message}: ${causes[0].field}`;
  else message = `Apply failed with ${n} conflicts: ${causes.map((c) => `${c.message}: ${c.field}`).join('\n')}`;
  return new PatchError(message, 409, causes);
}

export interface UpdateManagerOptions {
  subresource?: string;
  now?: string;
  kind?: string;
}

/**
 * Record an ordinary write (create/update/patch) by `manager` in obj.metadata.managedFields,
 * in place. The writer takes the fields whose value it changed (others lose them);
 * fields that no longer exist leave every set. When the request body carried no
 * managedFields, the previous object's entries are the starting point.
 */
export function recordUpdateManager(
  obj: KubeObject,
  manager: string,
  operation: 'Update' | 'Apply' = 'Update',
  old?: KubeObject,
  opts: UpdateManagerOptions = {},
): KubeObject {
  const kind = opts.kind ?? obj.kind ?? old?.kind;
  const sub = opts.subresource;
  obj.metadata ??= {};
  const start = obj.metadata.managedFields ?? old?.metadata?.managedFields ?? [];
  const entry = (): ManagedFieldsEntry => ({
    manager,
    operation,
    apiVersion: (obj.apiVersion) ?? 'v1',
    time: opts.now ?? nowRFC3339(),
    fieldsType: 'FieldsV1',
    ...(sub ? { subresource: sub } : {}),
  });
  if (!old && start.length === 0) {
    // A create: the writer owns every field it set, and nobody else owns anything.
    const fieldsV1 = fieldsV1Of(obj, kind, { subresource: sub });
    obj.metadata.managedFields = hasKeys(fieldsV1) ? [createEntry(obj, manager, operation, opts.now, sub, fieldsV1)] : [];
    return obj;
  }
  const list = owners(start);
  const nowSet = fieldSetOf(obj, kind, { subresource: sub });
  const allNow = new Set([...nowSet, ...fieldSetOf(obj, kind, { subresource: sub === 'status' ? undefined : 'status' })]);
  const changed = new Set<string>();
  for (const enc of nowSet) {
    if (!old) {
      changed.add(enc);
      continue;
    }
    const path = JSON.parse(enc) as FieldPath;
    if (path[path.length - 1] === '.') {
      if (valueAt(old, path) === undefined) changed.add(enc);
      continue;
    }
    if (!deepEqual(valueAt(old, path), valueAt(obj, path))) changed.add(enc);
  }
  let mine = list.find((o) => sameSlot(o.entry, manager, operation, sub));
  for (const o of list) {
    for (const enc of [...o.set]) {
      if (!allNow.has(enc)) o.set.delete(enc);
      else if (o !== mine && changed.has(enc) && !enc.endsWith('"."]')) o.set.delete(enc);
    }
  }
  if (!mine) {
    mine = { entry: { manager, operation }, set: new Set() };
    list.push(mine);
  }
  for (const enc of changed) mine.set.add(enc);
  mine.entry = entry();
  obj.metadata.managedFields = finish(list);
  return obj;
}

/** `{ ...entry(), fieldsV1 }` of recordUpdateManager without the intermediate objects (same key order). */
function createEntry(
  obj: KubeObject,
  manager: string,
  operation: 'Update' | 'Apply',
  now: string | undefined,
  subresource: string | undefined,
  fieldsV1: Record<string, unknown>,
): ManagedFieldsEntry {
  const apiVersion = (obj.apiVersion) ?? 'v1';
  const time = now ?? nowRFC3339();
  if (subresource) return { manager, operation, apiVersion, time, fieldsType: 'FieldsV1', subresource, fieldsV1 };
  return { manager, operation, apiVersion, time, fieldsType: 'FieldsV1', fieldsV1 };
}
