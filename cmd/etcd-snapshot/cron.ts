// Cron schedules for `up --etcd-snapshot-schedule-cron`, as k3s reads them (robfig/cron's
// standard parser): five fields `minute hour day-of-month month day-of-week`, names for months
// and days (JAN, MON), `*`, ranges, steps and lists, and the descriptors @yearly/@annually,
// @monthly, @weekly, @daily/@midnight, @hourly. Also accepted, for tests and short intervals:
// six fields with seconds first (robfig's WithSeconds) and `@every <duration>` (e.g. `@every 2s`).
// Times are local, as robfig/cron's default.

export interface Schedule {
  /** The first time strictly after `from` the schedule fires. */
  next(from: Date): Date;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of names[0] (months start at 1). */
  namesBase?: number;
}

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DOM: FieldSpec = { name: 'day of month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTHS, namesBase: 1 };
// 7 is Sunday too, as in most crons.
const DOW: FieldSpec = { name: 'day of week', min: 0, max: 7, names: DAYS, namesBase: 0 };

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

export class CronError extends Error {}

function value(text: string, f: FieldSpec, expr: string): number {
  const i = f.names?.indexOf(text.toUpperCase()) ?? -1;
  if (i >= 0) return i + (f.namesBase ?? 0);
  if (!/^\d{1,2}$/.test(text)) throw new CronError(`cron "${expr}": ${f.name} "${text}" is not a number${f.names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < f.min || n > f.max) throw new CronError(`cron "${expr}": ${f.name} ${n} is out of range ${f.min}-${f.max}`);
  return n;
}

/** The set of values a field allows, and whether it was `*` (or `?`), which matters for the day fields. */
function parseField(text: string, f: FieldSpec, expr: string): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') throw new CronError(`cron "${expr}": ${f.name} "${part}" is malformed`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,2}$/.test(stepText) || Number(stepText) === 0) throw new CronError(`cron "${expr}": ${f.name} step "${stepText}" must be a positive number`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = f.min;
      hi = f.max === 7 ? 6 : f.max;
      if (stepText === undefined) star = true;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || !a || !b) throw new CronError(`cron "${expr}": ${f.name} range "${range}" is malformed`);
      lo = value(a, f, expr);
      hi = value(b, f, expr);
      if (lo > hi) throw new CronError(`cron "${expr}": ${f.name} range "${range}" runs backwards`);
    } else {
      lo = value(range, f, expr);
      // `5/15` means 5, 20, 35, 50, as robfig/cron reads it.
      hi = stepText === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(f === DOW && v === 7 ? 0 : v);
  }
  return { values, star };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration such as `2s`, `1m30s`, `1h`, in milliseconds. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let ms = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new CronError(`duration "${text}" is malformed (e.g. 2s, 5m, 1h30m)`);
    ms += Number(m[1]) * DURATION_UNITS[m[2]];
    pos = re.lastIndex;
  }
  if (text.length === 0) throw new CronError('duration is empty');
  return ms;
}

class EverySchedule implements Schedule {
  constructor(readonly ms: number) {}
  next(from: Date): Date {
    // robfig/cron rounds `@every` to whole seconds from the time it is asked.
    return new Date(Math.floor(from.getTime() / 1000) * 1000 + this.ms);
  }
}

class FieldSchedule implements Schedule {
  constructor(
    readonly seconds: Set<number>,
    readonly minutes: Set<number>,
    readonly hours: Set<number>,
    readonly dom: { values: Set<number>; star: boolean },
    readonly months: Set<number>,
    readonly dow: { values: Set<number>; star: boolean },
  ) {}

  /** Standard cron: when both day fields are restricted a day matching either fires. */
  private dayMatches(d: Date): boolean {
    const inDom = this.dom.values.has(d.getDate());
    const inDow = this.dow.values.has(d.getDay());
    if (this.dom.star || this.dow.star) return inDom && inDow;
    return inDom || inDow;
  }

  next(from: Date): Date {
    const t = new Date(from.getTime());
    t.setMilliseconds(0);
    t.setSeconds(t.getSeconds() + 1);
    // Five years bounds the search (Feb 29 on a given weekday can take years); impossible dates (Feb 30) end it.
    const limit = from.getFullYear() + 5;
    while (t.getFullYear() <= limit) {
      if (!this.months.has(t.getMonth() + 1)) {
        t.setMonth(t.getMonth() + 1, 1);
        t.setHours(0, 0, 0);
        continue;
      }
      if (!this.dayMatches(t)) {
        t.setDate(t.getDate() + 1);
        t.setHours(0, 0, 0);
        continue;
      }
      if (!this.hours.has(t.getHours())) {
        t.setHours(t.getHours() + 1, 0, 0);
        continue;
      }
      if (!this.minutes.has(t.getMinutes())) {
        t.setMinutes(t.getMinutes() + 1, 0);
        continue;
      }
      if (!this.seconds.has(t.getSeconds())) {
        t.setSeconds(t.getSeconds() + 1);
        continue;
      }
      return t;
    }
    throw new CronError('the schedule never fires');
  }
}

export function parseCron(expr: string): Schedule {
  const text = expr.trim();
  if (text.startsWith('@every')) {
    const ms = parseDuration(text.slice('@every'.length).trim());
    if (ms < 1000) throw new CronError(`cron "${expr}": @every needs at least 1s`);
    return new EverySchedule(ms);
  }
  const fields = (DESCRIPTORS[text.toLowerCase()] ?? text).split(/\s+/);
  if (text.startsWith('@') && !DESCRIPTORS[text.toLowerCase()]) throw new CronError(`cron "${expr}": unknown descriptor (one of ${Object.keys(DESCRIPTORS).join(', ')}, @every <duration>)`);
  if (fields.length === 5) fields.unshift('0');
  if (fields.length !== 6) throw new CronError(`cron "${expr}": expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, got ${fields.length}`);
  const [s, mi, h, dom, mo, dow] = fields as [string, string, string, string, string, string];
  const sched = new FieldSchedule(
    parseField(s, SECOND, expr).values,
    parseField(mi, MINUTE, expr).values,
    parseField(h, HOUR, expr).values,
    parseField(dom, DOM, expr),
    parseField(mo, MONTH, expr).values,
    parseField(dow, DOW, expr),
  );
  sched.next(new Date()); // an impossible date (30 2 *) is refused now, not at the first tick
  return sched;
}
