// ResourceList arithmetic as upstream's quota helpers (Add, Subtract, Mask,
// LessThanOrEqual) and its printing: sums keep the first operand's format, so
// 64Mi + 64Mi is 128Mi and 500m + 1 is 1500m.

import type { ResourceList } from './core.js';
import { formatQuantity, milliValue, parseQuantity, type Quantity } from './quantity.js';

/** A quantity's value, or undefined when it does not parse (validation refuses such objects). */
function parsed(q: string | number | undefined): Quantity | undefined {
  if (q === undefined || q === null) return undefined;
  try {
    return parseQuantity(q);
  } catch {
    return undefined;
  }
}

/** -1, 0 or 1, compared in milli-units (as upstream's Cmp on values in range). */
export function cmpQuantity(a: string | number, b: string | number): number {
  const d = milliValue(a) - milliValue(b);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/** The canonical text of a quantity (its String()). */
export function quantityString(q: string | number): string {
  const p = parsed(q);
  return p ? formatQuantity(p.value, p.format) : String(q);
}

export function addQuantities(a: string | undefined, b: string | undefined): string {
  const pa = parsed(a);
  const pb = parsed(b);
  if (!pa) return pb ? formatQuantity(pb.value, pb.format) : '0';
  if (!pb) return formatQuantity(pa.value, pa.format);
  // A zero first operand carries no format of its own to keep.
  const format = pa.value === 0 ? pb.format : pa.format;
  return formatQuantity(milliValue(pa) / 1000 + milliValue(pb) / 1000, format);
}

export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = addQuantities(out[k], v);
  return out;
}

/** a - b on b's keys (upstream's Subtract keeps a's other keys). */
export function subtract(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const pa = parsed(out[k]);
    const pb = parsed(v)!;
    out[k] = formatQuantity(((pa ? milliValue(pa) : 0) - milliValue(pb)) / 1000, pa?.format ?? pb.format);
  }
  return out;
}

/** Only the named keys of `list`. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (Object.hasOwn(list, n)) out[n] = list[n];
  return out;
}

/** Whether every key of `a` that `b` limits is within it; and the keys that are not. */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): { ok: boolean; exceeded: string[] } {
  const exceeded: string[] = [];
  for (const [k, v] of Object.entries(a)) {
    if (!Object.hasOwn(b, k)) continue;
    if (cmpQuantity(v, b[k]) > 0) exceeded.push(k);
  }
  return { ok: exceeded.length === 0, exceeded };
}

/** `a=1,b=2Gi`, keys sorted, as upstream's quota prettyPrint. */
export function prettyPrint(list: ResourceList): string {
  return Object.keys(list)
    .sort()
    .map((k) => `${k}=${quantityString(list[k])}`)
    .join(',');
}

export function isZero(q: string | undefined): boolean {
  const p = parsed(q);
  return !p || p.value === 0;
}
