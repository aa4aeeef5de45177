// cgroups for pods and containers, v1 (per-controller hierarchies, as on
// this machine's hybrid layout) and v2 (unified). Paths handed around are
// relative ("tskube/pod<uid>/<cid>"); each driver maps them to its mounts.
import { existsSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LinuxResources } from './cri.js';
import { asPromise } from './as-promise.js';

export interface CgroupStats {
  cpuUsageNs: number;
  memoryUsageBytes: number;
  /** usage minus inactive file cache, as the kubelet computes it. */
  memoryWorkingSetBytes: number;
  memoryRssBytes: number;
  pids: number;
  nrThrottled: number;
}

export interface CgroupDriver {
  readonly version: 1 | 2;
  /** Creates the cgroup (and its parents) and applies the resources. */
  /** Async: cgroupfs mkdirs take the kernel a while, and a pod start makes a dozen (off the event loop). */
  create(rel: string, res?: LinuxResources): Promise<void>;
  /**
   * Restricts device access to runc's default allow-list (v1 devices cgroup). Returns false where
   * the hierarchy cannot do it (v2 needs an eBPF program; the shim's nodev mounts cover that case).
   */
  restrictDevices(rel: string): boolean;
  update(rel: string, res: LinuxResources): void;
  /** The file and value `update` writes for `cpuShares` (v1 cpu.shares, v2 cpu.weight converted). */
  cpuWeight(rel: string, cpuShares: number): [file: string, value: string];
  /** The cgroup.procs files a process writes "0" into to join (one per hierarchy). */
  procsFiles(rel: string): string[];
  /** The file carrying the "oom_kill N" counter. */
  oomFile(rel: string): string;
  stats(rel: string): CgroupStats;
  /** Host pids in the cgroup (memory/unified hierarchy). */
  pids(rel: string): number[];
  setFrozen(rel: string, frozen: boolean): Promise<void>;
  /** Removes the cgroup and its children (deepest first); waits briefly for exiting tasks. */
  remove(rel: string): Promise<void>;
  /** Removes the cgroup only if it has no sub-cgroups left (a shared parent). */
  removeIfEmpty(rel: string): Promise<void>;
  exists(rel: string): boolean;
  /**
   * What a container's cgroup namespace mounts under /sys/fs/cgroup, as "<dir>\t<fstype>\t<options>":
   * v2 one cgroup2; v1 each hierarchy a container joins (never one it does not: that would show the host's tree).
   */
  nsMounts(): string[];
}

/** v1 controllers a container joins (the rest stay where the monitor was, so they are not shown inside). */
const JOINED_V1 = ['cpu', 'cpuacct', 'memory', 'pids', 'freezer', 'devices'];

/** runc's default device allow-list: mknod of anything, use of the standard character devices only. */
export const DEFAULT_DEVICE_RULES = [
  'c *:* m', 'b *:* m',
  'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', // null zero full random urandom
  'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', // tty console ptmx pts
  'c 10:200 rwm', // tun
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readNum(path: string): number {
  try {
    const v = readFileSync(path, 'utf8').trim();
    return v === 'max' ? Infinity : Number(v);
  } catch {
    return 0;
  }
}

function readKeyed(path: string): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const [k, v] = line.split(' ');
      if (k && v !== undefined) out[k] = Number(v);
    }
  } catch {
    /* missing controller file: zeros */
  }
  return out;
}

function tryWrite(path: string, value: string): void {
  writeFileSync(path, value);
}

/** Removes dir and all sub-directories, deepest first, retrying while tasks are still exiting. */
async function rmTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) await rmTree(join(dir, e.name));
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || i >= 100) throw e;
      await sleep(20);
    }
  }
}

function rmdirIfEmpty(dir: string): void {
  try {
    if (!readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory())) rmdirSync(dir);
  } catch {
    /* gone, or busy with another sandbox's processes */
  }
}

function procsOf(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The cgroup v1 mounts of /proc/self/mountinfo, in order: mount dir and its super options. */
function v1CgroupMounts(): { mountPoint: string; options: string[] }[] {
  const out: { mountPoint: string; options: string[] }[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const [fstype, , superOpts] = post.split(' ');
    if (fstype !== 'cgroup') continue;
    out.push({ mountPoint: pre.split(' ')[4], options: superOpts.split(',') });
  }
  return out;
}

/** Mount dir → the controllers mounted there (cgroup v1 hierarchies). */
function v1Hierarchies(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const known = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc']);
  for (const m of v1CgroupMounts()) if (!out.has(m.mountPoint)) out.set(m.mountPoint, m.options.filter((o) => known.has(o)));
  return out;
}

/** Controller → mount dir (the first mount naming it). */
function v1Mounts(): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of v1CgroupMounts()) for (const o of m.options) if (!out.has(o)) out.set(o, m.mountPoint);
  return out;
}

export class CgroupV1 implements CgroupDriver {
  readonly version = 1 as const;
  private readonly dirs: Record<'cpu' | 'cpuacct' | 'memory' | 'pids' | 'freezer' | 'devices', string>;

  constructor() {
    const m = v1Mounts();
    const need = ['cpu', 'cpuacct', 'memory', 'pids', 'freezer', 'devices'] as const;
    const dirs: Partial<Record<(typeof need)[number], string>> = {};
    for (const c of need) {
      const d = m.get(c);
      if (!d) throw new Error(`cgroup v1 controller ${c} is not mounted`);
      dirs[c] = d;
    }
    this.dirs = dirs as Record<(typeof need)[number], string>;
  }

  private hierarchies(): string[] {
    return [...new Set(Object.values(this.dirs))];
  }

  async create(rel: string, res?: LinuxResources): Promise<void> {
    await Promise.all(this.hierarchies().map((h) => mkdir(join(h, rel), { recursive: true })));
    if (res) this.update(rel, res);
  }

  restrictDevices(rel: string): boolean {
    const d = join(this.dirs.devices, rel);
    tryWrite(join(d, 'devices.deny'), 'a');
    for (const rule of DEFAULT_DEVICE_RULES) tryWrite(join(d, 'devices.allow'), rule);
    return true;
  }

  update(rel: string, r: LinuxResources): void {
    const cpu = join(this.dirs.cpu, rel), mem = join(this.dirs.memory, rel), pids = join(this.dirs.pids, rel);
    if (r.cpuShares) tryWrite(...this.cpuWeight(rel, r.cpuShares));
    if (r.cpuPeriod) tryWrite(join(cpu, 'cpu.cfs_period_us'), String(r.cpuPeriod));
    if (r.cpuQuota !== undefined && r.cpuQuota !== 0) tryWrite(join(cpu, 'cpu.cfs_quota_us'), String(r.cpuQuota > 0 ? Math.max(1000, r.cpuQuota) : -1));
    if (r.memoryLimitBytes) tryWrite(join(mem, 'memory.limit_in_bytes'), String(r.memoryLimitBytes));
    if (r.pidsLimit !== undefined && r.pidsLimit !== 0) tryWrite(join(pids, 'pids.max'), r.pidsLimit > 0 ? String(r.pidsLimit) : 'max');
  }

  cpuWeight(rel: string, cpuShares: number): [string, string] {
    return [join(this.dirs.cpu, rel, 'cpu.shares'), String(Math.max(2, cpuShares))];
  }

  procsFiles(rel: string): string[] {
    return this.hierarchies().map((h) => join(h, rel, 'cgroup.procs'));
  }

  oomFile(rel: string): string {
    return join(this.dirs.memory, rel, 'memory.oom_control');
  }

  stats(rel: string): CgroupStats {
    const mem = join(this.dirs.memory, rel);
    const ms = readKeyed(join(mem, 'memory.stat'));
    const usage = readNum(join(mem, 'memory.usage_in_bytes'));
    const inactive = ms.total_inactive_file ?? 0;
    return {
      cpuUsageNs: readNum(join(this.dirs.cpuacct, rel, 'cpuacct.usage')),
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - inactive),
      memoryRssBytes: ms.total_rss ?? 0,
      pids: readNum(join(this.dirs.pids, rel, 'pids.current')),
      nrThrottled: readKeyed(join(this.dirs.cpu, rel, 'cpu.stat')).nr_throttled ?? 0,
    };
  }

  pids(rel: string): number[] {
    return procsOf(join(this.dirs.memory, rel, 'cgroup.procs'));
  }

  async setFrozen(rel: string, frozen: boolean): Promise<void> {
    const f = join(this.dirs.freezer, rel, 'freezer.state');
    tryWrite(f, frozen ? 'FROZEN' : 'THAWED');
    // FREEZING is transient; wait until the kernel settles.
    for (let i = 0; i < 200 && readFileSync(f, 'utf8').trim() !== (frozen ? 'FROZEN' : 'THAWED'); i++) await sleep(5);
  }

  async remove(rel: string): Promise<void> {
    for (const h of this.hierarchies()) await rmTree(join(h, rel));
  }

  removeIfEmpty(rel: string): Promise<void> {
    return asPromise(() => {
      for (const h of this.hierarchies()) rmdirIfEmpty(join(h, rel));
    });
  }

  exists(rel: string): boolean {
    return existsSync(join(this.dirs.memory, rel));
  }

  nsMounts(): string[] {
    const joined = new Set(this.hierarchies());
    const out: string[] = [];
    for (const [dir, ctrls] of v1Hierarchies()) {
      if (!joined.has(dir) || !ctrls.length || !ctrls.every((c) => JOINED_V1.includes(c))) continue;
      out.push(`${dir.slice(dir.lastIndexOf('/') + 1)}\tcgroup\t${ctrls.join(',')}`);
    }
    return out;
  }
}

export class CgroupV2 implements CgroupDriver {
  readonly version = 2 as const;
  constructor(private readonly root = '/sys/fs/cgroup') {}

  async create(rel: string, res?: LinuxResources): Promise<void> {
    // Enable controllers down the path; the leaf itself only holds processes.
    const parts = rel.split('/').filter(Boolean);
    let dir = this.root;
    for (const p of parts) {
      const avail = (await readFile(join(dir, 'cgroup.controllers'), 'utf8')).trim().split(/\s+/);
      const want = ['cpu', 'memory', 'pids'].filter((c) => avail.includes(c)).map((c) => `+${c}`).join(' ');
      if (want) tryWrite(join(dir, 'cgroup.subtree_control'), want);
      dir = join(dir, p);
      await mkdir(dir, { recursive: true });
    }
    if (res) this.update(rel, res);
  }

  restrictDevices(): boolean {
    return false;
  }

  update(rel: string, r: LinuxResources): void {
    const d = join(this.root, rel);
    if (r.cpuShares) tryWrite(...this.cpuWeight(rel, r.cpuShares));
    if (r.cpuQuota !== undefined && r.cpuQuota !== 0) tryWrite(join(d, 'cpu.max'), `${r.cpuQuota > 0 ? Math.max(1000, r.cpuQuota) : 'max'} ${r.cpuPeriod || 100000}`);
    if (r.memoryLimitBytes) tryWrite(join(d, 'memory.max'), String(r.memoryLimitBytes));
    if (r.pidsLimit !== undefined && r.pidsLimit !== 0) tryWrite(join(d, 'pids.max'), r.pidsLimit > 0 ? String(r.pidsLimit) : 'max');
  }

  cpuWeight(rel: string, cpuShares: number): [string, string] {
    return [join(this.root, rel, 'cpu.weight'), String(Math.round(1 + ((Math.max(2, cpuShares) - 2) * 9999) / 262142))];
  }

  procsFiles(rel: string): string[] {
    return [join(this.root, rel, 'cgroup.procs')];
  }

  oomFile(rel: string): string {
    return join(this.root, rel, 'memory.events');
  }

  stats(rel: string): CgroupStats {
    const d = join(this.root, rel);
    const ms = readKeyed(join(d, 'memory.stat'));
    const cs = readKeyed(join(d, 'cpu.stat'));
    const usage = readNum(join(d, 'memory.current'));
    return {
      cpuUsageNs: (cs.usage_usec ?? 0) * 1000,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - (ms.inactive_file ?? 0)),
      memoryRssBytes: ms.anon ?? 0,
      pids: readNum(join(d, 'pids.current')),
      nrThrottled: cs.nr_throttled ?? 0,
    };
  }

  pids(rel: string): number[] {
    return procsOf(join(this.root, rel, 'cgroup.procs'));
  }

  async setFrozen(rel: string, frozen: boolean): Promise<void> {
    const d = join(this.root, rel);
    tryWrite(join(d, 'cgroup.freeze'), frozen ? '1' : '0');
    for (let i = 0; i < 200 && readKeyed(join(d, 'cgroup.events')).frozen !== (frozen ? 1 : 0); i++) await sleep(5);
  }

  async remove(rel: string): Promise<void> {
    await rmTree(join(this.root, rel));
  }

  removeIfEmpty(rel: string): Promise<void> {
    return asPromise(() => rmdirIfEmpty(join(this.root, rel)));
  }

  exists(rel: string): boolean {
    return existsSync(join(this.root, rel));
  }

  nsMounts(): string[] {
    return ['\tcgroup2\t'];
  }
}

/** v2 when /sys/fs/cgroup itself is the unified hierarchy, else v1 (legacy or hybrid). */
export function detectCgroupDriver(): CgroupDriver {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? new CgroupV2() : new CgroupV1();
}
