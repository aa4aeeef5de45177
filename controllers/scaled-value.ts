// Kubernetes' intstr.GetScaledValueFromIntOrPercent: an int as is, or "N%" of a total rounded
// up or down; anything else is an error (the apiserver's validation rejects it first).

import type { IntOrString } from '../api/core.js';

export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return Number.isInteger(v) ? v : Math.trunc(v);
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    // An int given as a string ("1") is what intstr calls an invalid value: tell it.
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const pct = Number(m[1]);
  const raw = (pct * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}
