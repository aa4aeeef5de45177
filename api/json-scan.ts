// One pass over a JSON request body before JSON.parse, for what JSON.parse hides:
// - nesting depth: a body nested 10^5 deep parses, but every recursive walk after it
//   (clone, merge, validation, JSON.stringify) would overflow the stack. Go's decoder
//   refuses nesting beyond 10000; we refuse beyond MAX_JSON_DEPTH, far above any object.
// - number literals: `1e3` and `1000` parse to the same double, but Go refuses `1e3`
//   (and `1.0`) for an integer field ("cannot unmarshal number 1e3 into Go struct field
//   ... of type int32"). The scan remembers integral literals written with a fraction
//   or exponent, by the name of the field they were written under, so the structure
//   check can refuse them where an integer belongs.

/** Deepest nesting of objects/arrays accepted in a body. */
export const MAX_JSON_DEPTH = 1000;

export class JSONDepthError extends Error {
  constructor(readonly limit: number) {
    super(`exceeded max depth of ${limit} nested objects and arrays`);
    this.name = 'JSONDepthError';
  }
}

export interface JSONScan {
  /** Field name → the literal text of an integral number written as a float there (e.g. replicas → "1e3"). */
  floatIntegers?: Map<string, string>;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

const isNumberChar = (c: number) => (c >= 0x30 && c <= 0x39) || c === MINUS || c === 0x2b || c === DOT || c === LOWER_E || c === UPPER_E;

/** Throws JSONDepthError when nesting exceeds `maxDepth`. Malformed text is left to JSON.parse. */
export function scanJSON(text: string, maxDepth = MAX_JSON_DEPTH): JSONScan {
  const out: JSONScan = {};
  let depth = 0;
  let strStart = -1;
  let strEnd = -1;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      let j = i + 1;
      for (;;) {
        j = text.indexOf('"', j);
        if (j < 0) return out; // unterminated: JSON.parse reports it
        let k = j - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j++;
      }
      strStart = i + 1;
      strEnd = j;
      i = j + 1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) throw new JSONDepthError(maxDepth);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if ((c >= 0x30 && c <= 0x39) || c === MINUS) {
      let j = i + 1;
      let float = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (!isNumberChar(d)) break;
        if (d === DOT || d === LOWER_E || d === UPPER_E) float = true;
        j++;
      }
      if (float) {
        const literal = text.slice(i, j);
        if (Number.isInteger(Number(literal)) && strStart >= 0) {
          (out.floatIntegers ??= new Map()).set(text.slice(strStart, strEnd), literal);
        }
      }
      i = j;
      continue;
    }
    i++;
  }
  return out;
}

/** Depth of a decoded value, walked without recursion; stops counting past `limit`. */
export function depthExceeds(v: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [cur, d] = stack.pop()!;
    if (cur === null || typeof cur !== 'object') continue;
    if (d + 1 > limit) return true;
    for (const child of Array.isArray(cur) ? cur : Object.values(cur)) {
      if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
    }
  }
  return false;
}
