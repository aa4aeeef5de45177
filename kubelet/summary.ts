// The Summary API (/stats/summary): node stats from /proc and statfs, pod and container
// stats from the runtime's cgroup readings (CRI ContainerStats), pod network from the
// sandbox's network namespace (/proc/<pause pid>/net/dev). Pod CPU and memory are the sums
// of their running containers, as upstream's CRI stats provider does when it has no pod
// cgroup reading. usageNanoCores comes from the CpuRate samples (collect() also runs in the
// background, so the first request already has a window).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import type { Container, ContainerStats as CriStats, RuntimeService } from '../runtime/cri.js';
import { CpuRate } from './cpu-rate.js';
import { logDirectory } from './container-config.js';
import { podDir } from './volumes.js';
import { L_CONTAINER_NAME, L_POD_NAME, L_POD_NAMESPACE, L_POD_UID, apiTime } from './labels.js';
import { parseNetDev, parseNodeMemory, parseProcStatCpuNs, readText, statFs, type FsReading, type IfaceCounters } from './node-proc.js';
import type { ContainerStats, CPUStats, FsStats, MemoryStats, NetworkStats, PodStats, Summary } from '../api/stats.js';

export interface SummaryDeps {
  nodeName: string;
  runtime: RuntimeService;
  /** The kubelet's root directory: its filesystem is the node's (nodefs). */
  rootDir: string;
  /** Where images live (imagefs). */
  imagesRoot: string;
  logDir: string;
  /** Where /proc is (tests point it at fixtures). */
  procRoot?: string;
}

/** Seconds-precision timestamps, as metav1.Time in the Summary. */
const t = (ms: number) => apiTime(ms);

/** A filesystem's figures; `usedBytes` null leaves it out (not measured), undefined takes the filesystem's. */
function fsStats(at: string, r: FsReading | undefined, usedBytes?: number | null): FsStats | undefined {
  if (!r) return undefined;
  const { capacityBytes, availableBytes, inodes, inodesFree } = r;
  const used = usedBytes === null ? {} : { usedBytes: usedBytes ?? r.usedBytes };
  return { time: at, availableBytes, capacityBytes, ...used, inodesFree, inodes, inodesUsed: r.inodesUsed };
}

/** Network stats: the first interface named eth0 (the pod's default) on top, all of them listed. */
export function networkStats(at: string, ifaces: IfaceCounters[]): NetworkStats | undefined {
  if (!ifaces.length) return undefined;
  const main = ifaces.find((i) => i.name === 'eth0') ?? ifaces[0];
  return { time: at, ...main, interfaces: ifaces };
}

/** Bytes of the files under dir (not following links), 0 when absent. */
function duFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += duFiles(p);
    else if (e.isFile()) n += statSync(p, { throwIfNoEntry: false })?.size ?? 0;
  }
  return n;
}

/** Bytes of a pod's disk-backed emptyDir volumes (memory-backed ones are other mounts: their memory is the pod's, not the node's disk). */
function emptyDirBytes(rootDir: string, uid: string): number {
  const base = join(podDir(rootDir, uid), 'volumes', 'kubernetes.io~empty-dir');
  if (!existsSync(base)) return 0;
  const dev = statSync(base).dev;
  let n = 0;
  for (const e of readdirSync(base, { withFileTypes: true })) {
    const p = join(base, e.name);
    if (e.isDirectory() && statSync(p, { throwIfNoEntry: false })?.dev === dev) n += duFiles(p);
  }
  return n;
}

export class SummaryProvider {
  readonly rate = new CpuRate();
  private readonly proc: string;
  private readonly bootMs: number;

  constructor(private readonly d: SummaryDeps) {
    this.proc = d.procRoot ?? '/proc';
    const btime = /^btime (\d+)$/m.exec(readText(join(this.proc, 'stat')))?.[1];
    this.bootMs = btime ? Number(btime) * 1000 : Date.now();
  }

  private cpu(key: string, usageNs: number, atMs: number): CPUStats {
    const nano = this.rate.observe(key, usageNs, atMs);
    return { time: t(atMs), ...(nano !== undefined ? { usageNanoCores: nano } : {}), usageCoreNanoSeconds: usageNs };
  }

  /** One reading of everything; `pods` are the kubelet's pods (for names of sandboxes it knows). */
  async collect(pods: Pod[]): Promise<Summary> {
    const now = Date.now();
    const at = t(now);
    const nodeStats = this.node(now);
    const [sandboxes, containers, stats] = await Promise.all([
      this.d.runtime.listPodSandbox({ state: 'SANDBOX_READY' }),
      this.d.runtime.listContainers({ state: 'CONTAINER_RUNNING' }),
      // A container that exits between the list and its reading has no stats: the list is simply shorter.
      this.d.runtime.listContainerStats().catch(() => [] as CriStats[]),
    ]);
    const byId = new Map(stats.map((s) => [s.containerId, s]));
    const byUid = new Map(pods.map((p) => [p.metadata.uid ?? '', p]));
    const nodeFs = statFs(this.d.rootDir);
    const out: PodStats[] = [];
    for (const sb of sandboxes) {
      const uid = sb.labels[L_POD_UID] ?? sb.metadata.uid;
      const pod = byUid.get(uid);
      const name = sb.labels[L_POD_NAME] ?? sb.metadata.name;
      const namespace = sb.labels[L_POD_NAMESPACE] ?? sb.metadata.namespace;
      const mine = containers.filter((c: Container) => c.podSandboxId === sb.id);
      const cs: ContainerStats[] = [];
      let cpuNs = 0, ws = 0, usage = 0, rss = 0, procs = 0, logs = 0, rootfs = 0;
      for (const c of mine) {
        const s = byId.get(c.id);
        if (!s) continue;
        const cname = c.labels[L_CONTAINER_NAME] ?? c.metadata.name;
        const logBytes = pod ? duFiles(join(logDirectory(this.d.logDir, pod), cname)) : 0;
        cpuNs += s.cpu.usageCoreNanoSeconds;
        ws += s.memory.workingSetBytes;
        usage += s.memory.usageBytes;
        rss += s.memory.rssBytes;
        procs += s.pids.current;
        logs += logBytes;
        rootfs += s.writableLayer?.usedBytes ?? 0;
        cs.push({
          name: cname,
          startTime: t(c.createdAt),
          cpu: this.cpu(`c/${c.id}`, s.cpu.usageCoreNanoSeconds, s.timestamp),
          memory: { time: t(s.timestamp), usageBytes: s.memory.usageBytes, workingSetBytes: s.memory.workingSetBytes, rssBytes: s.memory.rssBytes },
          ...(nodeFs ? { rootfs: fsStats(at, nodeFs, s.writableLayer ? s.writableLayer.usedBytes : null) } : {}),
          ...(nodeFs ? { logs: fsStats(at, nodeFs, logBytes) } : {}),
        });
      }
      cs.sort((a, b) => a.name.localeCompare(b.name));
      const memory: MemoryStats = { time: at, usageBytes: usage, workingSetBytes: ws, rssBytes: rss };
      const network = await this.podNetwork(sb.id, at);
      out.push({
        podRef: { name, namespace, uid },
        startTime: t(sb.createdAt),
        containers: cs,
        cpu: this.cpu(`p/${uid}`, cpuNs, now),
        memory,
        ...(network ? { network } : {}),
        // Writable layers, logs and disk-backed emptyDirs (upstream's pod ephemeral storage when images share the node's filesystem).
        ...(nodeFs ? { 'ephemeral-storage': fsStats(at, nodeFs, rootfs + logs + (pod ? emptyDirBytes(this.d.rootDir, uid) : 0)) } : {}),
        process_stats: { process_count: procs },
      });
    }
    this.rate.prune(now - 120_000);
    return { node: nodeStats, pods: out };
  }

  private async podNetwork(sandboxId: string, at: string): Promise<NetworkStats | undefined> {
    const st = await this.d.runtime.podSandboxStatus(sandboxId).catch(() => undefined);
    if (!st || st.hostNetwork || !st.pid) return undefined;
    return networkStats(at, parseNetDev(readText(join(this.proc, String(st.pid), 'net', 'dev'))));
  }

  private node(now: number): Summary['node'] {
    const at = t(now);
    const cpuNs = parseProcStatCpuNs(readText(join(this.proc, 'stat')));
    const mem = parseNodeMemory(readText(join(this.proc, 'meminfo')), readText(join(this.proc, 'vmstat')));
    const network = networkStats(at, parseNetDev(readText(join(this.proc, 'net', 'dev'))));
    const fs = fsStats(at, statFs(this.d.rootDir));
    const imageFs = fsStats(at, statFs(this.d.imagesRoot));
    const maxpid = parseInt(readText(join(this.proc, 'sys', 'kernel', 'pid_max')), 10);
    const curproc = parseInt(readText(join(this.proc, 'loadavg')).split(' ')[3]?.split('/')[1] ?? '', 10);
    return {
      nodeName: this.d.nodeName,
      startTime: t(this.bootMs),
      ...(cpuNs !== undefined ? { cpu: this.cpu('node', cpuNs, now) } : {}),
      ...(mem ? { memory: { time: at, availableBytes: mem.availableBytes, usageBytes: mem.usageBytes, workingSetBytes: mem.workingSetBytes, rssBytes: mem.rssBytes, pageFaults: mem.pageFaults, majorPageFaults: mem.majorPageFaults } } : {}),
      ...(network ? { network } : {}),
      ...(fs ? { fs } : {}),
      ...(imageFs ? { runtime: { imageFs, containerFs: imageFs } } : {}),
      rlimit: { time: at, ...(Number.isFinite(maxpid) ? { maxpid } : {}), ...(Number.isFinite(curproc) ? { curproc } : {}) },
    };
  }
}
