// Resource quantities ("100m", "1.5Gi", "2e3"): parsing to numbers the
// scheduler and kubelet can add up (cpu millicores, memory bytes) and the
// canonical string form the apiserver stores, as Kubernetes' resource.Quantity.
// Values are JavaScript numbers (exact to 2^53), ample for one machine.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in base units (cores, bytes); may be fractional. */
  value: number;
  /** The suffix family the quantity was written in (decides canonical form). */
  format: QuantityFormat;
}

export class QuantityError extends Error {
  constructor(input: string) {
    super(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    this.name = 'QuantityError';
    this.input = input;
  }
  readonly input: string;
}

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** Parse a quantity string (or a bare JSON number). Throws QuantityError. */
export function parseQuantity(input: string | number): Quantity {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new QuantityError(String(input));
    return { value: input, format: 'DecimalSI' };
  }
  const s = input.trim();
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(.*)$/.exec(s);
  if (!m) throw new QuantityError(input);
  const num = Number(m[1]);
  const suffix = m[2];
  let q: Quantity | undefined;
  if (Object.hasOwn(BINARY, suffix)) q = { value: num * 2 ** BINARY[suffix], format: 'BinarySI' };
  else if (Object.hasOwn(DECIMAL, suffix)) q = { value: num * 10 ** DECIMAL[suffix], format: 'DecimalSI' };
  else {
    const e = /^[eE]([+-]?\d+)$/.exec(suffix);
    if (e) q = { value: num * 10 ** Number(e[1]), format: 'DecimalExponent' };
  }
  // "1e1000" overflows a double: no resource is that large, and every consumer needs a finite number.
  if (!q || !Number.isFinite(q.value)) throw new QuantityError(input);
  return q;
}

/** Whether a string is a valid quantity. */
export function isQuantity(s: string): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

/** Millicores (or milli-units), rounded up as Kubernetes' MilliValue does. */
export function milliValue(q: string | number | Quantity): number {
  const v = typeof q === 'object' ? q.value : parseQuantity(q).value;
  return Math.ceil(roundTiny(v * 1000));
}

/** Whole units (bytes, pods), rounded up as Kubernetes' Value does. */
export function intValue(q: string | number | Quantity): number {
  const v = typeof q === 'object' ? q.value : parseQuantity(q).value;
  return Math.ceil(roundTiny(v));
}

// Float noise (0.1*3*1000 = 300.00000000000006) must not round up a whole number.
function roundTiny(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-9 * Math.max(1, Math.abs(v)) ? r : v;
}

/** Canonical string for a value in a given format: "500m", "1Gi", "1536Mi", "1500k", "1e3". */
export function formatQuantity(value: number, format: QuantityFormat = 'DecimalSI'): string {
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  const abs = roundTiny(Math.abs(value));
  if (format === 'BinarySI' && Number.isInteger(abs)) {
    if (abs < 1024) return `${sign}${abs}`;
    let best = '';
    let bestDiv = 1;
    for (const [suffix, exp] of Object.entries(BINARY)) {
      const div = 2 ** exp;
      if (abs % div === 0) {
        best = suffix;
        bestDiv = div;
      }
    }
    if (best) return `${sign}${abs / bestDiv}${best}`;
    return `${sign}${abs}`;
  }
  // Decimal: the largest power-of-1000 suffix that leaves an integer mantissa (down to nano, rounding up).
  let nanos = Math.ceil(roundTiny(abs * 1e9));
  let exp = -9;
  while (exp < 18 && nanos % 1000 === 0) {
    nanos /= 1000;
    exp += 3;
  }
  if (format === 'DecimalExponent') return exp === 0 ? `${sign}${nanos}` : `${sign}${nanos}e${exp}`;
  const suffix = Object.entries(DECIMAL).find(([, e]) => e === exp)![0];
  return `${sign}${nanos}${suffix}`;
}

/** The canonical form Kubernetes would store for a quantity string ("0.5" → "500m", "1024Mi" → "1Gi"). */
export function canonicalQuantity(input: string | number): string {
  const q = parseQuantity(input);
  return formatQuantity(q.value, q.format);
}
