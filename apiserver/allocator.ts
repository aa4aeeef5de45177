// Allocators for Service ClusterIPs and NodePorts. Each allocated value is a key in
// storage (created only if absent), so two apiservers or a crash mid-create can never
// hand one value out twice, and allocations survive restarts with etcd itself.

import type { Storage } from './storage/interface.js';
import { StorageError } from './storage/interface.js';
import type { KubeObject } from '../api/meta.js';

export interface AllocationRange {
  /** Number of values in the range. */
  size: number;
  /** The i-th value (0 <= i < size). */
  at(i: number): string;
  /** Index of a value, or -1 when it lies outside the range. */
  indexOf(value: string): number;
  /** Human description for errors, e.g. "10.96.0.0/12". */
  describe: string;
}

export class AllocationError extends Error {
  constructor(
    readonly kind: 'OutOfRange' | 'Taken' | 'Full',
    message: string,
  ) {
    super(message);
  }
}

export class KeyAllocator {
  /** Values known to be taken; a cache to avoid probing storage for them. */
  private readonly used = new Set<string>();
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly store: Storage,
    /** e.g. "/registry/serviceips/" */
    private readonly prefix: string,
    readonly range: AllocationRange,
  ) {}

  private load(): Promise<void> {
    this.loaded ??= this.store.list(this.prefix).then((res) => {
      for (const item of res.items) this.used.add(item.key.slice(this.prefix.length));
    }).catch((err) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  private record(value: string, owner: string): KubeObject {
    return { apiVersion: 'v1', kind: 'Allocation', metadata: { name: value }, owner };
  }

  /** Reserve `value` for `owner`; fails if it is outside the range or taken. */
  async allocateSpecific(value: string, owner: string): Promise<string> {
    if (this.range.indexOf(value) < 0) {
      throw new AllocationError('OutOfRange', `provided value ${value} is not in the valid range. The range of valid values is ${this.range.describe}`);
    }
    try {
      await this.store.create(this.prefix + value, this.record(value, owner));
    } catch (err) {
      if (err instanceof StorageError && err.code === 'AlreadyExists') {
        this.used.add(value);
        throw new AllocationError('Taken', `provided value ${value} is already allocated`);
      }
      throw err;
    }
    this.used.add(value);
    return value;
  }

  /** Reserve any free value, probing from a random start. */
  async allocateNext(owner: string): Promise<string> {
    await this.load();
    const { size } = this.range;
    if (this.used.size >= size) throw new AllocationError('Full', `range ${this.range.describe} is full`);
    const start = Math.floor(Math.random() * size);
    for (let n = 0; n < size; n++) {
      const value = this.range.at((start + n) % size);
      if (this.used.has(value)) continue;
      try {
        await this.store.create(this.prefix + value, this.record(value, owner));
        this.used.add(value);
        return value;
      } catch (err) {
        if (err instanceof StorageError && err.code === 'AlreadyExists') {
          this.used.add(value);
          continue;
        }
        throw err;
      }
    }
    throw new AllocationError('Full', `range ${this.range.describe} is full`);
  }

  async release(value: string): Promise<void> {
    this.used.delete(value);
    try {
      await this.store.delete(this.prefix + value);
    } catch (err) {
      if (!(err instanceof StorageError && err.code === 'NotFound')) throw err;
    }
  }

  async isAllocated(value: string): Promise<boolean> {
    try {
      await this.store.get(this.prefix + value);
      return true;
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound') return false;
      throw err;
    }
  }
}

function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) return NaN;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return NaN;
    n = n * 256 + Number(p);
  }
  return n;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The usable addresses of an IPv4 CIDR (network and broadcast addresses excluded). */
export function cidrRange(cidr: string): AllocationRange & { base: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${cidr}`);
  const bits = Number(m[2]);
  if (bits < 8 || bits > 30) throw new Error(`CIDR ${cidr}: prefix length must be between 8 and 30`);
  const total = 2 ** (32 - bits);
  const base = (ipToInt(m[1]) & ~(total - 1)) >>> 0;
  return {
    base,
    size: total - 2,
    at: (i) => intToIp(base + 1 + i),
    indexOf: (v) => {
      const n = ipToInt(v);
      if (Number.isNaN(n)) return -1;
      const i = n - base - 1;
      return i >= 0 && i < total - 2 ? i : -1;
    },
    describe: cidr,
  };
}

/** An inclusive port range like 30000-32767. */
export function portRange(spec: string): AllocationRange {
  const m = /^(\d+)-(\d+)$/.exec(spec);
  if (!m) throw new Error(`invalid port range ${spec}`);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (!(lo >= 1 && hi <= 65535 && lo <= hi)) throw new Error(`invalid port range ${spec}`);
  return {
    size: hi - lo + 1,
    at: (i) => String(lo + i),
    indexOf: (v) => (/^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi ? Number(v) - lo : -1),
    describe: spec,
  };
}
