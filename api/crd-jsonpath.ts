// The JSONPath subset of CRD printer columns and the scale subresource's paths:
// `.a.b`, `.a[0]`, `.a[*].b`, `.a['k.with.dots']`, and the filter `.a[?(@.type=="Ready")].b`.
// Evaluation is over own properties only (never a prototype's); a path that does not parse
// yields no values, as an absent field does.

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; value: string } };

const cache = new Map<string, Step[] | undefined>();

export function parseJSONPath(path: string): Step[] | undefined {
  if (cache.has(path)) return cache.get(path);
  const steps = parse(path.trim().replace(/^\{(.*)\}$/, '$1'));
  if (cache.size > 1000) cache.clear();
  cache.set(path, steps);
  return steps;
}

function parse(p: string): Step[] | undefined {
  const steps: Step[] = [];
  let i = 0;
  if (p[0] !== '.' && p[0] !== '[') return undefined;
  while (i < p.length) {
    if (p[i] === '.') {
      const m = /^\.([A-Za-z0-9_$-]+)/.exec(p.slice(i));
      if (!m) return undefined;
      steps.push({ field: m[1] });
      i += m[0].length;
    } else if (p[i] === '[') {
      const rest = p.slice(i);
      let m: RegExpExecArray | null;
      if ((m = /^\[(\d+)\]/.exec(rest))) steps.push({ index: Number(m[1]) });
      else if ((m = /^\[\*\]/.exec(rest))) steps.push({ all: true });
      else if ((m = /^\['([^']*)'\]/.exec(rest))) steps.push({ field: m[1] });
      else if ((m = /^\[\?\(@((?:\.[A-Za-z0-9_$-]+)+)\s*==\s*(?:"([^"]*)"|'([^']*)')\)\]/.exec(rest))) {
        steps.push({ filter: { path: m[1].slice(1).split('.'), value: m[2] ?? m[3] } });
      } else return undefined;
      i += m[0].length;
    } else return undefined;
  }
  return steps;
}

const own = (o: unknown, k: string): unknown => (o && typeof o === 'object' && !Array.isArray(o) && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);

/** Every value `path` reaches in `obj` (empty when none, or when the path does not parse). */
export function evalJSONPath(obj: unknown, path: string): unknown[] {
  const steps = parseJSONPath(path);
  if (!steps) return [];
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('field' in s) {
        const x = own(v, s.field);
        if (x !== undefined) next.push(x);
      } else if ('index' in s) {
        if (Array.isArray(v) && s.index < v.length) next.push(v[s.index]);
      } else if ('all' in s) {
        if (Array.isArray(v)) next.push(...(v as unknown[]));
        else if (v && typeof v === 'object') next.push(...Object.values(v as Record<string, unknown>));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item;
          for (const k of s.filter.path) x = own(x, k);
          if (scalarText(x) === s.filter.value) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}

/** A scalar as the filter compares it; objects and absent values match nothing. */
function scalarText(x: unknown): string | undefined {
  return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
}
