// Node-level readings from /proc and statfs for the Summary API: CPU time from /proc/stat,
// memory from /proc/meminfo and /proc/vmstat (the root cgroup's view: usage = total − free,
// working set = usage − inactive file, available = capacity − working set, as the kubelet
// computes from cadvisor), interface counters from a net/dev file, filesystems from statfs.
import { readFileSync, statfsSync } from 'node:fs';

/** USER_HZ: the unit of /proc/stat (100 on every Linux architecture the kernel exports to user space). */
const USER_HZ = 100;

/** Busy CPU time of all cores in nanoseconds from /proc/stat's "cpu" line (idle and iowait excluded; guest is inside user). */
export function parseProcStatCpuNs(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return Math.round((busy * 1e9) / USER_HZ);
}

export interface NodeMemory {
  capacityBytes: number;
  usageBytes: number;
  workingSetBytes: number;
  availableBytes: number;
  rssBytes: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

function kv(text: string, sep: RegExp): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.split(sep);
    if (k && v !== undefined) m.set(k.trim(), parseInt(v.trim(), 10));
  }
  return m;
}

/** Node memory from /proc/meminfo (kB values) and /proc/vmstat. */
export function parseNodeMemory(meminfo: string, vmstat = ''): NodeMemory | undefined {
  const m = kv(meminfo, /:/);
  const kb = (k: string) => (m.get(k) ?? 0) * 1024;
  const total = kb('MemTotal');
  if (!total) return undefined;
  const usage = Math.max(0, total - kb('MemFree'));
  const workingSet = Math.max(0, usage - kb('Inactive(file)'));
  const v = kv(vmstat, / /);
  return {
    capacityBytes: total,
    usageBytes: usage,
    workingSetBytes: workingSet,
    availableBytes: Math.max(0, total - workingSet),
    rssBytes: kb('AnonPages'),
    ...(v.has('pgfault') ? { pageFaults: v.get('pgfault') } : {}),
    ...(v.has('pgmajfault') ? { majorPageFaults: v.get('pgmajfault') } : {}),
  };
}

export interface IfaceCounters {
  name: string;
  rxBytes: number;
  rxErrors: number;
  txBytes: number;
  txErrors: number;
}

/** Interfaces of a /proc/<pid>/net/dev file, loopback left out (as cadvisor). */
export function parseNetDev(text: string): IfaceCounters[] {
  const out: IfaceCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    if (name === 'lo') continue;
    const f = line.slice(i + 1).trim().split(/\s+/).map(Number);
    out.push({ name, rxBytes: f[0], rxErrors: f[2], txBytes: f[8], txErrors: f[10] });
  }
  return out;
}

export interface FsReading {
  capacityBytes: number;
  availableBytes: number;
  usedBytes: number;
  inodes: number;
  inodesFree: number;
  inodesUsed: number;
}

/** statfs of the filesystem holding `path` (undefined when it cannot be read). Used = total − free, as cadvisor. */
export function statFs(path: string): FsReading | undefined {
  try {
    const s = statfsSync(path);
    return {
      capacityBytes: s.blocks * s.bsize,
      availableBytes: s.bavail * s.bsize,
      usedBytes: (s.blocks - s.bfree) * s.bsize,
      inodes: s.files,
      inodesFree: s.ffree,
      inodesUsed: Math.max(0, s.files - s.ffree),
    };
  } catch {
    return undefined;
  }
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
