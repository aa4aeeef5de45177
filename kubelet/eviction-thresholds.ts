// Eviction thresholds as the kubelet's flags give them (--eviction-hard, --eviction-soft,
// --eviction-soft-grace-period, --eviction-minimum-reclaim), parsed into one list. Pure.
// Facts from upstream's pkg/kubelet/eviction/api and helpers.go: the signals, the "<"
// operator only, quantities or percentages, the defaults applied only when --eviction-hard
// is not given at all, and allocatableMemory.available shadowing memory.available's hard
// threshold when --enforce-node-allocatable includes "pods".
import { parseGoDuration } from '../api/cron-schedule.js';
import { parseQuantity } from '../api/quantity.js';

export const SIGNALS = ['memory.available', 'allocatableMemory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree', 'pid.available'] as const;
export type Signal = (typeof SIGNALS)[number];

/** A threshold's value: an absolute quantity (bytes, inodes, pids) or a fraction of capacity (0..1). */
export type ThresholdValue = { quantity: number; text: string } | { percentage: number };

export interface Threshold {
  signal: Signal;
  value: ThresholdValue;
  /** 0 for hard thresholds; how long a soft one must hold before it counts. */
  gracePeriodMs: number;
  minReclaim?: ThresholdValue;
}

/** Upstream's DefaultEvictionHard (Linux). */
export const DEFAULT_EVICTION_HARD = 'memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%';

export class ThresholdError extends Error {}

function parseValue(signal: string, v: string, what: string): ThresholdValue {
  if (v.endsWith('%')) {
    const n = Number(v.slice(0, -1));
    if (!(v.length > 1 && Number.isFinite(n) && n >= 0 && n <= 100)) throw new ThresholdError(`invalid percentage ${JSON.stringify(v)} for ${what} ${signal}`);
    return { percentage: n / 100 };
  }
  let q: number;
  try {
    q = parseQuantity(v).value;
  } catch {
    throw new ThresholdError(`invalid quantity ${JSON.stringify(v)} for ${what} ${signal}`);
  }
  if (q < 0) throw new ThresholdError(`eviction threshold ${signal} must be positive: ${v}`);
  return { quantity: Math.ceil(q), text: v };
}

function isSignal(s: string): s is Signal {
  return (SIGNALS as readonly string[]).includes(s) && s !== 'allocatableMemory.available';
}

function splitList(list: string): string[] {
  return list.split(',').map((x) => x.trim()).filter(Boolean);
}

/** "memory.available<100Mi,nodefs.available<10%" → signal → value. */
export function parseThresholdStatements(list: string): Map<Signal, ThresholdValue> {
  const out = new Map<Signal, ThresholdValue>();
  for (const stmt of splitList(list)) {
    const m = /^([A-Za-z.]+)\s*(<|>|<=|>=|=)\s*(\S+)$/.exec(stmt);
    if (!m) throw new ThresholdError(`invalid eviction threshold syntax ${JSON.stringify(stmt)}, expected <signal><operator><value>`);
    const [, signal, op, value] = m;
    if (!isSignal(signal)) throw new ThresholdError(`unsupported eviction signal ${signal}`);
    if (op !== '<') throw new ThresholdError(`invalid operator ${op} in eviction threshold ${JSON.stringify(stmt)}: only < is supported`);
    if (out.has(signal)) throw new ThresholdError(`found duplicate eviction threshold for signal ${signal}`);
    out.set(signal, parseValue(signal, value, 'eviction threshold'));
  }
  return out;
}

/** "signal=value,…" (grace periods as Go durations, minimum reclaims as quantities or percentages). */
function parseKeyed<T>(list: string, what: string, parse: (signal: Signal, v: string) => T): Map<Signal, T> {
  const out = new Map<Signal, T>();
  for (const stmt of splitList(list)) {
    const i = stmt.indexOf('=');
    const signal = stmt.slice(0, i).trim();
    if (i < 0 || !isSignal(signal)) throw new ThresholdError(`invalid ${what} ${JSON.stringify(stmt)}`);
    if (out.has(signal)) throw new ThresholdError(`found duplicate ${what} for signal ${signal}`);
    out.set(signal, parse(signal, stmt.slice(i + 1).trim()));
  }
  return out;
}

export interface EvictionFlags {
  /** --eviction-hard; undefined: upstream's defaults. */
  hard?: string;
  soft?: string;
  softGracePeriod?: string;
  minimumReclaim?: string;
  /** --enforce-node-allocatable includes "pods": allocatableMemory.available mirrors memory.available's hard threshold. */
  enforcePods?: boolean;
}

/** Every threshold the flags describe; throws ThresholdError (the kubelet refuses to start) on bad input. */
export function parseThresholds(f: EvictionFlags): Threshold[] {
  const hard = parseThresholdStatements(f.hard ?? DEFAULT_EVICTION_HARD);
  const soft = parseThresholdStatements(f.soft ?? '');
  const grace = parseKeyed(f.softGracePeriod ?? '', 'eviction soft grace period', (s, v) => {
    let ns: number;
    try {
      ns = parseGoDuration(v);
    } catch (e) {
      throw new ThresholdError(`invalid grace period for ${s}: ${(e as Error).message}`);
    }
    if (ns < 0) throw new ThresholdError(`invalid eviction grace period specified: ${v}, must be a positive value`);
    return ns / 1e6;
  });
  const reclaim = parseKeyed(f.minimumReclaim ?? '', 'eviction minimum reclaim', (s, v) => parseValue(s, v, 'minimum reclaim'));
  const out: Threshold[] = [];
  const withReclaim = (t: Threshold): Threshold => (reclaim.has(t.signal) ? { ...t, minReclaim: reclaim.get(t.signal)! } : t);
  for (const [signal, value] of hard) out.push(withReclaim({ signal, value, gracePeriodMs: 0 }));
  for (const [signal, value] of soft) {
    const g = grace.get(signal);
    if (g === undefined) throw new ThresholdError(`no grace period specified for soft eviction threshold ${signal}`);
    if (g === 0) throw new ThresholdError(`invalid eviction grace period specified: 0s, must be a positive value`);
    out.push(withReclaim({ signal, value, gracePeriodMs: g }));
  }
  for (const s of grace.keys()) if (!soft.has(s)) throw new ThresholdError(`grace period specified for non-existent soft eviction threshold ${s}`);
  if (f.enforcePods) {
    const mem = out.find((t) => t.signal === 'memory.available' && t.gracePeriodMs === 0);
    if (mem) out.push({ ...mem, signal: 'allocatableMemory.available' });
  }
  return out;
}

export const isHard = (t: Threshold) => t.gracePeriodMs === 0;

/** The threshold's value in absolute units against a capacity (percentages rounded down, as upstream's int64 conversion). */
export function thresholdQuantity(v: ThresholdValue, capacity: number): number {
  return 'quantity' in v ? v.quantity : Math.floor(capacity * v.percentage);
}
