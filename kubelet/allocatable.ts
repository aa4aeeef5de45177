// Node allocatable, as upstream's container manager computes it:
//   allocatable = capacity − kube-reserved − system-reserved − hard eviction threshold
// (memory.available for memory, nodefs.available for ephemeral-storage), never below zero.
// The reservations are --kube-reserved / --system-reserved "cpu=100m,memory=1Gi,…". Pure.
import { formatQuantity, milliValue, parseQuantity } from '../api/quantity.js';
import { thresholdQuantity, type Threshold } from './eviction-thresholds.js';

export const RESERVABLE = ['cpu', 'memory', 'ephemeral-storage', 'pid'] as const;
export type Reservation = Partial<Record<(typeof RESERVABLE)[number], number>>;

/** "cpu=200m,memory=512Mi" → amounts (cpu in millicores, the rest in units); throws on anything else. */
export function parseReservation(flag: string, list: string): Reservation {
  const out: Reservation = {};
  for (const item of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    const i = item.indexOf('=');
    const name = item.slice(0, i);
    if (i < 0 || !(RESERVABLE as readonly string[]).includes(name)) throw new Error(`--${flag}: cannot reserve ${JSON.stringify(i < 0 ? item : name)}: only cpu, memory, ephemeral-storage and pid`);
    const k = name as (typeof RESERVABLE)[number];
    if (Object.hasOwn(out, k)) throw new Error(`--${flag}: ${k} given twice`);
    let v: number;
    try {
      v = k === 'cpu' ? milliValue(item.slice(i + 1)) : Math.ceil(parseQuantity(item.slice(i + 1)).value);
    } catch {
      throw new Error(`--${flag}: invalid quantity ${JSON.stringify(item.slice(i + 1))} for ${k}`);
    }
    if (v < 0) throw new Error(`--${flag}: ${k} must not be negative`);
    out[k] = v;
  }
  return out;
}

export interface Capacity {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
}

/** Capacity less the reservations (the pods' cgroup size upstream), before eviction thresholds. */
export function reservedAbsolute(cap: Capacity, reserved: Reservation[]): Capacity {
  const sum = (k: keyof Reservation) => reserved.reduce((a, r) => a + (r[k] ?? 0), 0);
  return {
    milliCPU: Math.max(0, cap.milliCPU - sum('cpu')),
    memory: Math.max(0, cap.memory - sum('memory')),
    ephemeralStorage: Math.max(0, cap.ephemeralStorage - sum('ephemeral-storage')),
  };
}

/** What the node reports as allocatable: also less the hard eviction thresholds on memory and nodefs. */
export function allocatable(cap: Capacity, reserved: Reservation[], hard: Threshold[]): Capacity {
  const abs = reservedAbsolute(cap, reserved);
  const hardOf = (signal: string, capacity: number) => {
    const t = hard.find((x) => x.signal === signal && x.gracePeriodMs === 0);
    return t ? thresholdQuantity(t.value, capacity) : 0;
  };
  return {
    milliCPU: abs.milliCPU,
    memory: Math.max(0, abs.memory - hardOf('memory.available', cap.memory)),
    ephemeralStorage: Math.max(0, abs.ephemeralStorage - hardOf('nodefs.available', cap.ephemeralStorage)),
  };
}

/** The node status strings: cpu in whole cores or millicores, bytes in binary suffixes where exact. */
export function allocatableStrings(a: Capacity): { cpu: string; memory: string; 'ephemeral-storage': string } {
  return { cpu: formatQuantity(a.milliCPU / 1000), memory: formatQuantity(a.memory, 'BinarySI'), 'ephemeral-storage': formatQuantity(a.ephemeralStorage, 'BinarySI') };
}
