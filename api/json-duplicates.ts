// Duplicate keys in a JSON body. JSON.parse keeps the last of two equal keys without a word;
// Kubernetes' strict decoder reports each as `duplicate field "<path>"` (fieldValidation=Strict
// refuses the body, Warn warns). One pass over the text, after JSON.parse has accepted it.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

interface Frame {
  /** Keys seen in this object; undefined for an array. */
  keys?: Set<string>;
  /** Path of this container ("" at the root). */
  path: string;
  /** Next element index (arrays) . */
  index: number;
  /** In an object: the next string is a key. */
  expectKey: boolean;
  /** Path of the value being read (set by a key or an array slot). */
  child: string;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Paths of duplicated keys in a well-formed JSON text ("metadata.name", "spec.containers[0].image"), in order of appearance. */
export function duplicateFields(text: string): string[] {
  const out: string[] = [];
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  const valueStart = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (!top.keys) return `${top.path}[${top.index}]`;
    return top.child;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        j = text.indexOf('"', j);
        if (j < 0) return out;
        let k = j - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
        escaped = true;
        j++;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const raw = text.slice(i + 1, j);
        const key = escaped || raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        top.child = join(top.path, key);
        if (top.keys.has(key)) out.push(top.child);
        else top.keys.add(key);
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const path = valueStart();
      stack.push({ keys: c === 0x7b ? new Set() : undefined, path, index: 0, expectKey: c === 0x7b, child: '' });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
      else if (top) top.index++;
    }
    i++;
  }
  return out;
}
