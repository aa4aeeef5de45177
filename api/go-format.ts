// Values rendered as Go's fmt "%#v" prints them, for the field errors whose
// upstream wording embeds a Go value (`Invalid value: map[string]string{"app":"web"}`,
// `v1.LabelSelector{MatchLabels:...}`, `intstr.IntOrString{Type:1, ...}`).
// Clients and people grep for these strings, so they follow Go exactly.

import type { IntOrString, LabelSelector } from './core.js';

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A Go string literal (%q): JSON's escaping is the same for the printable range. */
const goQuote = (s: string): string => JSON.stringify(s);

/** map[string]string as %#v: keys sorted, `map[string]string(nil)` when unset. */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (!isObj(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`;
}

function goStringSlice(v: unknown): string {
  if (!Array.isArray(v)) return '[]string(nil)';
  return `[]string{${v.map((s) => goQuote(String(s))).join(', ')}}`;
}

/** A metav1.LabelSelector as %#v ("null" for an unset pointer, as field errors print nil). */
export function goLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!isObj(sel)) return 'null';
  const exprs = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e) => {
          const r = isObj(e) ? e : {};
          const str = (v: unknown) => (typeof v === 'string' ? v : '');
          return `v1.LabelSelectorRequirement{Key:${goQuote(str(r.key))}, Operator:${goQuote(str(r.operator))}, Values:${goStringSlice(r.values)}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels as Record<string, string> | undefined)}, MatchExpressions:${exprs}}`;
}

/** An intstr.IntOrString value as %#v (Type 0 = Int, 1 = String; unset is the zero Int). */
export function goIntOrString(v: IntOrString | undefined | null): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}
