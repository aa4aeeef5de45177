// Eviction signals from a Summary reading, and the threshold bookkeeping of upstream's
// eviction manager (pkg/kubelet/eviction/helpers.go): which thresholds are met (with the
// minimum reclaim while one is being resolved), since when, whether a soft one's grace
// period has passed, and which node conditions they raise, held for the pressure
// transition period. Pure: the manager feeds it readings and the clock.
import type { Summary } from '../api/stats.js';
import { thresholdQuantity, type Signal, type Threshold } from './eviction-thresholds.js';

export interface Observation {
  available: number;
  capacity: number;
}
export type Observations = Map<Signal, Observation>;

export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';

export const SIGNAL_CONDITION: Record<Signal, PressureCondition> = {
  'memory.available': 'MemoryPressure',
  'allocatableMemory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'nodefs.inodesFree': 'DiskPressure',
  'imagefs.available': 'DiskPressure',
  'imagefs.inodesFree': 'DiskPressure',
  'pid.available': 'PIDPressure',
};

/** The resource a signal's eviction reclaims, as named in the Evicted message. */
export const SIGNAL_RESOURCE: Record<Signal, 'memory' | 'ephemeral-storage' | 'inodes' | 'pids'> = {
  'memory.available': 'memory',
  'allocatableMemory.available': 'memory',
  'nodefs.available': 'ephemeral-storage',
  'nodefs.inodesFree': 'inodes',
  'imagefs.available': 'ephemeral-storage',
  'imagefs.inodesFree': 'inodes',
  'pid.available': 'pids',
};

/**
 * The signals a Summary shows. `allocatableMemory` is the node's allocatable memory before the
 * eviction threshold (capacity − reserved): what the pods together may use.
 */
export function observe(s: Summary, allocatableMemory?: number): Observations {
  const out: Observations = new Map();
  const n = s.node;
  const mem = n.memory;
  if (mem?.availableBytes !== undefined && mem.workingSetBytes !== undefined) out.set('memory.available', { available: mem.availableBytes, capacity: mem.availableBytes + mem.workingSetBytes });
  if (allocatableMemory !== undefined) {
    const used = s.pods.reduce((a, p) => a + (p.memory?.workingSetBytes ?? 0), 0);
    out.set('allocatableMemory.available', { available: allocatableMemory - used, capacity: allocatableMemory });
  }
  const fs = (bytesSig: Signal, inodeSig: Signal, f: { availableBytes?: number; capacityBytes?: number; inodesFree?: number; inodes?: number } | undefined) => {
    if (f?.availableBytes !== undefined && f.capacityBytes !== undefined) out.set(bytesSig, { available: f.availableBytes, capacity: f.capacityBytes });
    if (f?.inodesFree !== undefined && f.inodes !== undefined) out.set(inodeSig, { available: f.inodesFree, capacity: f.inodes });
  };
  fs('nodefs.available', 'nodefs.inodesFree', n.fs);
  fs('imagefs.available', 'imagefs.inodesFree', n.runtime?.imageFs);
  if (n.rlimit?.maxpid !== undefined && n.rlimit.curproc !== undefined) out.set('pid.available', { available: n.rlimit.maxpid - n.rlimit.curproc, capacity: n.rlimit.maxpid });
  return out;
}

/** Thresholds whose signal is below them; with enforceMinReclaim, below threshold + minimum reclaim (one being resolved). */
export function thresholdsMet(thresholds: Threshold[], obs: Observations, enforceMinReclaim: boolean): Threshold[] {
  return thresholds.filter((t) => {
    const o = obs.get(t.signal);
    if (!o) return false;
    let q = thresholdQuantity(t.value, o.capacity);
    if (enforceMinReclaim && t.minReclaim) q += thresholdQuantity(t.minReclaim, o.capacity);
    return o.available < q;
  });
}

const key = (t: Threshold) => `${t.signal}/${t.gracePeriodMs}`;

export function mergeThresholds(a: Threshold[], b: Threshold[]): Threshold[] {
  const seen = new Set(a.map(key));
  return [...a, ...b.filter((t) => !seen.has(key(t)))];
}

/** When each met threshold was first seen met (kept from the last round; new ones now). */
export function firstObserved(met: Threshold[], last: Map<string, number>, now: number): Map<string, number> {
  return new Map(met.map((t) => [key(t), last.get(key(t)) ?? now]));
}

/** The met thresholds whose grace period has passed (hard ones at once). */
export function metGracePeriod(met: Threshold[], first: Map<string, number>, now: number): Threshold[] {
  return met.filter((t) => now - (first.get(key(t)) ?? now) >= t.gracePeriodMs);
}

/** The conditions met thresholds raise, with when each was last observed; a condition stays for `transitionMs` after. */
export function pressureConditions(met: Threshold[], lastObserved: Map<PressureCondition, number>, now: number, transitionMs: number): { conditions: Set<PressureCondition>; lastObserved: Map<PressureCondition, number> } {
  const next = new Map(lastObserved);
  for (const t of met) next.set(SIGNAL_CONDITION[t.signal], now);
  const conditions = new Set<PressureCondition>();
  for (const [c, at] of next) {
    if (now - at < transitionMs || met.some((t) => SIGNAL_CONDITION[t.signal] === c)) conditions.add(c);
    else next.delete(c);
  }
  return { conditions, lastObserved: next };
}

/** Memory before anything else (upstream's byEvictionPriority), then disk, then pids. */
export function byEvictionPriority(a: Threshold, b: Threshold): number {
  const rank = (t: Threshold) => (SIGNAL_RESOURCE[t.signal] === 'memory' ? 0 : SIGNAL_CONDITION[t.signal] === 'DiskPressure' ? 1 : 2);
  return rank(a) - rank(b);
}
