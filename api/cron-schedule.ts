// CronJob schedules as upstream parses them (robfig/cron v3's ParseStandard:
// five fields minute hour day-of-month month day-of-week, names for months and
// weekdays, ranges, steps, lists, plus the @yearly/@annually/@monthly/@weekly/
// @daily/@midnight/@hourly/@every <duration> descriptors) and the next run time
// after an instant, computed on the wall clock of an IANA time zone. The
// validation of CronJob.spec.schedule and the CronJob controller both use it;
// error messages are robfig's, which the apiserver returns verbatim.

export interface FieldSchedule {
  kind: 'fields';
  /** Bit i set: value i matches. Seconds are always {0} in the standard form. */
  minute: bigint;
  hour: bigint;
  dom: bigint;
  month: bigint;
  dow: bigint;
  /** Day-of-month or day-of-week was "*" or "?" (robfig's starBit): days then match when both fields match. */
  domStar: boolean;
  dowStar: boolean;
  /** From a TZ= / CRON_TZ= prefix (refused by CronJob validation, kept so the parse itself is faithful). */
  timeZone?: string;
}

export interface EverySchedule {
  kind: 'every';
  /** Whole seconds, at least 1. */
  delaySeconds: number;
}

export type CronSchedule = FieldSchedule | EverySchedule;

export class CronParseError extends Error {}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

const bits = (lo: number, hi: number, step = 1): bigint => {
  let b = 0n;
  for (let i = lo; i <= hi; i += step) b |= 1n << BigInt(i);
  return b;
};
const all = (r: Bounds): bigint => bits(r.min, r.max);

/** Go's strconv.Atoi as robfig's mustParseInt uses it, with its messages. */
function mustParseInt(expr: string): number {
  const m = /^[+-]?[0-9]+$/.exec(expr);
  const fail = (why: string) => new CronParseError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: ${why}`);
  if (!m) throw fail('invalid syntax');
  const n = Number(expr);
  // Atoi is 64-bit on the platforms upstream runs on.
  if (!Number.isSafeInteger(n) && (n > 9223372036854775807 || n < -9223372036854775808)) throw fail('value out of range');
  if (n < 0) throw new CronParseError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, r: Bounds): number {
  const lower = expr.toLowerCase();
  if (r.names && Object.prototype.hasOwnProperty.call(r.names, lower)) return r.names[lower];
  return mustParseInt(expr);
}

/** One comma-separated term: "*", "5", "1-5", "*\/15", "3/10", "mon-fri". Returns its bits and whether it was a star. */
function getRange(expr: string, r: Bounds): { bits: bigint; star: boolean } {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], r);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    if (singleDigit) end = r.max; // "N/step" means "N-max/step"
    if (step > 1) star = false;
  } else throw new CronParseError(`too many slashes: ${expr}`);
  if (start < r.min) throw new CronParseError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronParseError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  return { bits: bits(start, end, step), star };
}

function getField(field: string, r: Bounds): { bits: bigint; star: boolean } {
  let b = 0n;
  let star = false;
  for (const expr of field.split(',').filter((s) => s !== '')) {
    const g = getRange(expr, r);
    b |= g.bits;
    star ||= g.star;
  }
  return { bits: b, star };
}

/** Go's time.ParseDuration, for "@every <duration>"; returns nanoseconds. */
export function parseGoDuration(s: string): number {
  const orig = s;
  const bad = () => new CronParseError(`time: invalid duration ${JSON.stringify(orig)}`);
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  while (s !== '') {
    const m = /^([0-9]*)(\.[0-9]*)?/.exec(s)!;
    if (m[0] === '' || m[0] === '.') throw bad();
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === '') throw new CronParseError(`time: missing unit in duration ${JSON.stringify(orig)}`);
    if (!Object.prototype.hasOwnProperty.call(units, u)) throw new CronParseError(`time: unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(orig)}`);
    s = s.slice(u.length);
    total += Number(`${m[1] || '0'}${m[2] && m[2] !== '.' ? m[2] : ''}`) * units[u];
    if (total > 9223372036854775807) throw bad();
  }
  return neg ? -total : total;
}

function parseDescriptor(d: string, timeZone: string | undefined): CronSchedule {
  const z = (o: Partial<FieldSchedule>): FieldSchedule => ({
    kind: 'fields',
    minute: 1n,
    hour: 1n,
    dom: all(DOM),
    month: all(MONTHS),
    dow: all(DOW),
    domStar: true,
    dowStar: true,
    ...o,
    ...(timeZone ? { timeZone } : {}),
  });
  switch (d) {
    case '@yearly':
    case '@annually':
      return z({ dom: 1n << 1n, month: 1n << 1n, domStar: false });
    case '@monthly':
      return z({ dom: 1n << 1n, domStar: false });
    case '@weekly':
      return z({ dow: 1n, dowStar: false });
    case '@daily':
    case '@midnight':
      return z({});
    case '@hourly':
      return z({ hour: all(HOURS) });
  }
  const every = '@every ';
  if (d.startsWith(every)) {
    let ns: number;
    try {
      ns = parseGoDuration(d.slice(every.length));
    } catch (err) {
      throw new CronParseError(`failed to parse duration ${d}: ${(err as Error).message}`);
    }
    // robfig's Every: at least one second, truncated to whole seconds.
    return { kind: 'every', delaySeconds: Math.max(1, Math.floor(ns / 1e9)) };
  }
  throw new CronParseError(`unrecognized descriptor: ${d}`);
}

/** Is `tz` an IANA time zone name Node's Intl can resolve? */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === '' || tz.toLowerCase() === 'local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Go's strings.Fields: split on runs of white space. */
const fields = (s: string): string[] => s.split(/[\s]+/u).filter((f) => f !== '');

/** robfig/cron's ParseStandard. Throws CronParseError with robfig's message. */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronParseError('empty spec string');
  let timeZone: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    // Go slices spec[eq+1:i]; with no space, i is -1 and Go panics (recovered as an error upstream).
    const name = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i);
    if (i < 0 || !isKnownTimeZone(name)) throw new CronParseError(`provided bad location ${name}: unknown time zone ${name}`);
    timeZone = name;
    spec = spec.slice(i).trim();
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, timeZone);
  const f = fields(spec);
  if (f.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${f.length}: [${f.join(' ')}]`);
  const minute = getField(f[0], MINUTES);
  const hour = getField(f[1], HOURS);
  const dom = getField(f[2], DOM);
  const month = getField(f[3], MONTHS);
  const dow = getField(f[4], DOW);
  return {
    kind: 'fields',
    minute: minute.bits,
    hour: hour.bits,
    dom: dom.bits,
    month: month.bits,
    dow: dow.bits,
    domStar: dom.star,
    dowStar: dow.star,
    ...(timeZone ? { timeZone } : {}),
  };
}

// ---------------------------------------------------------------- wall clock of a zone

interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The zone's UTC offset at instant `ms`, in milliseconds. */
function offsetAt(ms: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wallAsUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

function wallOf(ms: number, tz: string): Wall {
  const d = new Date(ms + offsetAt(ms, tz));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() };
}

/** Go's time.Date in a zone: fields normalised, and in a gap or overlap the offset chosen as Go chooses it. */
function fromWall(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, 0);
  const off = offsetAt(wall, tz);
  const utc = wall - off;
  const off2 = offsetAt(utc, tz);
  return off2 === off ? utc : wall - off2;
}

/** The zone of the process (what upstream's time.Local is to kube-controller-manager). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const has = (b: bigint, i: number): boolean => ((b >> BigInt(i)) & 1n) === 1n;

function dayMatches(s: FieldSchedule, w: Wall): boolean {
  const domMatch = has(s.dom, w.day);
  const dowMatch = has(s.dow, w.weekday);
  return s.domStar || s.dowStar ? domMatch && dowMatch : domMatch || dowMatch;
}

/**
 * The first activation strictly after `after` (robfig's SpecSchedule.Next), on the wall clock
 * of `timeZone` (the schedule's own TZ= prefix wins, as in robfig; default: the process's zone).
 * Undefined when nothing matches within five years (e.g. "0 0 30 2 *").
 */
export function nextCronTime(schedule: CronSchedule, after: Date, timeZone?: string): Date | undefined {
  const start = after.getTime();
  if (schedule.kind === 'every') return new Date(Math.floor(start / 1000) * 1000 + schedule.delaySeconds * 1000);
  // A field that matches nothing (robfig accepts "," as a field) would search five years minute by minute.
  if (!schedule.minute || !schedule.hour || !schedule.month || (!schedule.dom && !schedule.dow)) return undefined;
  const tz = schedule.timeZone ?? timeZone ?? localTimeZone();
  // Start at the next whole minute (seconds are always 0 in the standard form).
  let t = Math.floor(start / 60000) * 60000 + 60000;
  let w = wallOf(t, tz);
  const yearLimit = w.year + 5;
  let added = false;
  wrap: for (;;) {
    if (w.year > yearLimit) return undefined;
    while (!has(schedule.month, w.month)) {
      if (!added) {
        added = true;
        t = fromWall(w.year, w.month, 1, 0, 0, tz);
      }
      w = wallOf(t, tz);
      t = fromWall(w.year, w.month + 1, w.day, w.hour, w.minute, tz);
      w = wallOf(t, tz);
      if (w.month === 1) continue wrap;
    }
    while (!dayMatches(schedule, w)) {
      if (!added) {
        added = true;
        t = fromWall(w.year, w.month, w.day, 0, 0, tz);
        w = wallOf(t, tz);
      }
      t = fromWall(w.year, w.month, w.day + 1, w.hour, w.minute, tz);
      w = wallOf(t, tz);
      // Across a DST change midnight may be skipped: robfig re-aligns to the start of the day.
      if (w.hour !== 0) {
        if (w.hour > 12) t += (24 - w.hour) * 3600_000;
        else t -= w.hour * 3600_000;
        w = wallOf(t, tz);
      }
      if (w.day === 1) continue wrap;
    }
    while (!has(schedule.hour, w.hour)) {
      if (!added) {
        added = true;
        t = fromWall(w.year, w.month, w.day, w.hour, 0, tz);
      }
      t += 3600_000; // absolute hours, as robfig: a wall hour skipped by DST never matches
      w = wallOf(t, tz);
      if (w.hour === 0) continue wrap;
    }
    while (!has(schedule.minute, w.minute)) {
      if (!added) {
        added = true;
        t = Math.floor(t / 60000) * 60000;
      }
      t += 60_000;
      w = wallOf(t, tz);
      if (w.minute === 0) continue wrap;
    }
    return new Date(t);
  }
}
