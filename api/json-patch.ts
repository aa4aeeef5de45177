// RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over RFC 6901
// JSON Pointers, and RFC 7386 JSON Merge Patch. Inputs are never mutated.

import { PatchError } from './patch-error.js';
import { deepEqual } from './deep-equal.js';
import { getOwn, hasOwnKey, setOwn } from './own-keys.js';

export interface JSONPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

type Container = Record<string, unknown> | unknown[];

/** Split a JSON Pointer into unescaped tokens ("~1" → "/", "~0" → "~"). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: must start with '/'`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: bad escape`);
      return t.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** Build a pointer from raw tokens. */
export function formatPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((t) => `/${String(t).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

const isContainer = (v: unknown): v is Container => v !== null && typeof v === 'object';

function arrayIndex(tok: string, arr: unknown[], forAdd: boolean, path: string, op: string): number {
  if (forAdd && tok === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(tok)) throw new PatchError(`${op} operation does not apply: invalid array index ${JSON.stringify(tok)} in ${path}`, 422);
  const i = Number(tok);
  if (i > arr.length || (!forAdd && i === arr.length)) {
    throw new PatchError(`${op} operation does not apply: array index ${i} out of bounds in ${path}`, 422);
  }
  return i;
}

/** Walk to the parent of the pointer's last token. */
function parentOf(doc: unknown, tokens: string[], path: string, op: string): Container {
  let cur: unknown = doc;
  for (const tok of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(tok, cur, false, path, op)];
    else if (isContainer(cur) && Object.prototype.hasOwnProperty.call(cur, tok)) cur = (cur as Record<string, unknown>)[tok];
    else throw new PatchError(`${op} operation does not apply: doc is missing path: ${path}`, 422);
  }
  if (!isContainer(cur)) throw new PatchError(`${op} operation does not apply: doc is missing path: ${path}`, 422);
  return cur;
}

/** Read the value at a pointer; throws 422 if absent. */
export function getPointer(doc: unknown, pointer: string, op = 'get'): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, pointer, op);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent, false, pointer, op)];
  if (!Object.prototype.hasOwnProperty.call(parent, last)) throw new PatchError(`${op} operation does not apply: doc is missing key: ${pointer}`, 422);
  return (parent)[last];
}

function add(doc: unknown, pointer: string, value: unknown, op = 'add'): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, pointer, op);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent, true, pointer, op), 0, value);
  else setOwn(parent, last, value);
  return doc;
}

function remove(doc: unknown, pointer: string, op = 'remove'): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError(`${op} operation does not apply: cannot remove the whole document`, 422);
  const parent = parentOf(doc, tokens, pointer, op);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent, false, pointer, op), 1);
  else {
    if (!Object.prototype.hasOwnProperty.call(parent, last)) throw new PatchError(`${op} operation does not apply: doc is missing key: ${pointer}`, 422);
    delete parent[last];
  }
  return doc;
}

/** Apply an RFC 6902 patch to a copy of `doc`. Malformed ops → 400, inapplicable ones → 422. */
export function applyJSONPatch<T>(doc: T, ops: unknown): T {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be a JSON array of operations');
  let out: unknown = structuredClone(doc);
  ops.forEach((raw, i) => {
    if (!isContainer(raw) || Array.isArray(raw)) throw new PatchError(`json patch operation ${i} must be an object`);
    const o = raw as Partial<JSONPatchOp>;
    if (typeof o.path !== 'string') throw new PatchError(`json patch operation ${i} (${String(o.op)}) is missing "path"`);
    const needsValue = o.op === 'add' || o.op === 'replace' || o.op === 'test';
    if (needsValue && !('value' in o)) throw new PatchError(`json patch operation ${i} (${o.op}) is missing "value"`);
    switch (o.op) {
      case 'add':
        out = add(out, o.path, structuredClone(o.value));
        break;
      case 'remove':
        out = remove(out, o.path);
        break;
      case 'replace':
        getPointer(out, o.path, 'replace');
        out = parsePointer(o.path).length === 0 ? structuredClone(o.value) : add(remove(out, o.path, 'replace'), o.path, structuredClone(o.value), 'replace');
        break;
      case 'move': {
        if (typeof o.from !== 'string') throw new PatchError(`json patch operation ${i} (move) is missing "from"`);
        if (o.path.startsWith(`${o.from}/`)) throw new PatchError(`move operation does not apply: ${o.path} is inside ${o.from}`, 422);
        const v = getPointer(out, o.from, 'move');
        out = add(remove(out, o.from, 'move'), o.path, v, 'move');
        break;
      }
      case 'copy': {
        if (typeof o.from !== 'string') throw new PatchError(`json patch operation ${i} (copy) is missing "from"`);
        out = add(out, o.path, structuredClone(getPointer(out, o.from, 'copy')), 'copy');
        break;
      }
      case 'test': {
        let actual: unknown;
        try {
          actual = getPointer(out, o.path, 'test');
        } catch {
          throw new PatchError(`testing value ${o.path} failed: path does not exist`, 422);
        }
        if (!deepEqual(actual, o.value)) throw new PatchError(`testing value ${o.path} failed: test failed`, 422);
        break;
      }
      default:
        throw new PatchError(`Unexpected kind: ${String(o.op)}`);
    }
  });
  return out as T;
}

/** RFC 7386 JSON Merge Patch: objects merge recursively, null deletes, anything else replaces. */
export function applyMergePatch<T>(target: T, patch: unknown): T {
  return mergeValue(structuredClone(target), patch) as T;
}

function mergeValue(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? (target as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else setOwn(out, k, mergeValue(getOwn(out, k), v));
  }
  return out;
}

/** A merge patch that turns `from` into `to` (for clients computing patches). */
export function createMergePatch(from: unknown, to: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(from) || !isObj(to)) return structuredClone(to);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(from)) if (getOwn(to, k) === undefined) setOwn(out, k, null);
  for (const [k, v] of Object.entries(to)) {
    if (v === undefined) continue;
    const f = getOwn(from, k);
    if (!hasOwnKey(from, k)) setOwn(out, k, structuredClone(v));
    else if (!deepEqual(f, v)) setOwn(out, k, isObj(f) && isObj(v) ? createMergePatch(f, v) : structuredClone(v));
  }
  return out;
}
