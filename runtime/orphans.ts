// What a runtime killed half-way leaves behind with no record: kill -9 of the kubelet
// while runPodSandbox ran leaves a pause process in <root>/pod<uid>/pause-<id> with no
// sandbox.json (and maybe an address and a veth), while createContainer leaves a
// container directory and cgroup with no container.json. Nothing lists them, so no
// pod ever accounts for them and they keep their pod cgroups alive forever.
//
// removeUnrecorded() finds and removes every such thing: processes in cgroups under
// the runtime's cgroup root that no record names (each pid checked to be in that very
// cgroup before it is killed), the cgroups, record-less state and snapshot directories,
// and network state and addresses of sandbox ids with no record. Run it only while
// nothing else creates sandboxes or containers on this state dir (the kubelet does,
// at start, before its pod workers run).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PodNetwork } from './network/types.js';
import { inCgroup, isAlive, signal } from './proc.js';
import type { Runtime } from './runtime.js';
import { listIds, readJson, removeDir, type ContainerRecord, type SandboxRecord } from './state.js';

export interface UnrecordedRemoved {
  /** Pids killed (each verified to be in an unrecorded cgroup under our root). */
  processes: number[];
  /** cgroups removed, relative to the mounts ("<root>/pod<uid>/pause-<id>"). */
  cgroups: string[];
  /** Sandbox and container ids whose record-less state (and snapshot) directories were removed. */
  sandboxes: string[];
  containers: string[];
  /** Sandbox ids whose network state / address was released. */
  network: string[];
  /** What could not be removed (the next start tries again), as "<what>: <error>". */
  failed: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ID = /^[0-9a-f]{64}$/;

/** Mount points of every cgroup hierarchy (v1 controllers, the v2 unified one). */
function cgroupMounts(): string[] {
  const out = new Set<string>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const fstype = post.split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') out.add(pre.split(' ')[4]);
  }
  return [...out];
}

/** Every cgroup under `root` in any hierarchy, relative ("root/a", "root/a/b"), parents before children. */
function cgroupsUnder(root: string): string[] {
  const found = new Set<string>();
  const walk = (mount: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(join(mount, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const child = `${rel}/${e.name}`;
      found.add(child);
      walk(mount, child);
    }
  };
  for (const m of cgroupMounts()) if (existsSync(join(m, root))) walk(m, root);
  return [...found].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/** Pids listed in the cgroup's cgroup.procs in any hierarchy. */
function pidsIn(rel: string): number[] {
  const pids = new Set<number>();
  for (const m of cgroupMounts()) {
    try {
      for (const p of readFileSync(join(m, rel, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.add(Number(p));
    } catch {
      /* not in this hierarchy */
    }
  }
  return [...pids];
}

/** SIGKILL every process of the cgroup tree at `rel` (each checked to be in it), until none is left. */
async function killTree(rel: string, killed: number[]): Promise<void> {
  const tree = [rel, ...cgroupsUnder(rel)];
  for (let round = 0; round < 50; round++) {
    let left = 0;
    for (const cg of tree) {
      for (const pid of pidsIn(cg)) {
        // The pid was read from our cgroup's procs; re-check it is still there (not reused elsewhere) before the kill.
        if (!inCgroup(pid, cg)) continue;
        if (isAlive(pid)) {
          left++;
          if (signal(pid, 'SIGKILL') && !killed.includes(pid)) killed.push(pid);
        }
      }
    }
    if (left === 0) return;
    await sleep(20);
  }
}

/**
 * Remove every sandbox, container, cgroup and network allocation under this runtime's
 * cgroup root and state dir that no sandbox.json / container.json accounts for.
 */
export async function removeUnrecorded(rt: Runtime, network?: PodNetwork): Promise<UnrecordedRemoved> {
  const out: UnrecordedRemoved = { processes: [], cgroups: [], sandboxes: [], containers: [], network: [], failed: [] };
  const sbRoot = join(rt.stateDir, 'sandboxes');
  const ctRoot = join(rt.stateDir, 'containers');
  const sandboxes = new Map<string, SandboxRecord>();
  for (const id of listIds(sbRoot, 'sandbox.json')) {
    const r = readJson<SandboxRecord>(join(sbRoot, id, 'sandbox.json'));
    if (r) sandboxes.set(id, r);
  }
  const containers = new Map<string, ContainerRecord>();
  for (const id of listIds(ctRoot, 'container.json')) {
    const r = readJson<ContainerRecord>(join(ctRoot, id, 'container.json'));
    if (r) containers.set(id, r);
  }

  // cgroups: a pod cgroup is kept while a record lives in it; inside it, only recorded pause and container leaves.
  const keep = new Set<string>();
  for (const r of sandboxes.values()) {
    keep.add(r.cgroup);
    keep.add(`${r.cgroup}/pause-${r.id.slice(0, 12)}`);
  }
  for (const c of containers.values()) {
    keep.add(c.cgroup);
    for (let p = c.cgroup; p.includes('/'); p = p.slice(0, p.lastIndexOf('/'))) keep.add(p);
  }
  for (const r of sandboxes.values()) for (let p = r.cgroup; p.includes('/'); p = p.slice(0, p.lastIndexOf('/'))) keep.add(p);
  const doomed = cgroupsUnder(rt.cgroupRoot).filter((cg) => !keep.has(cg));
  // Only the topmost unrecorded cgroup of a subtree needs removing (remove() takes its children).
  const tops = doomed.filter((cg) => !doomed.some((d) => cg.startsWith(`${d}/`)));
  for (const cg of tops) {
    await killTree(cg, out.processes);
    try {
      await rt.cgroups.remove(cg);
      out.cgroups.push(cg);
    } catch (e) {
      out.failed.push(`cgroup ${cg}: ${(e as Error).message}`);
    }
  }

  // State directories without a record (the record is written last): the process, if any, went with its cgroup above.
  for (const [dir, kept, list] of [[sbRoot, sandboxes, out.sandboxes], [ctRoot, containers, out.containers]] as const) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      /* none yet */
    }
    for (const n of names) {
      if (!ID.test(n) || kept.has(n)) continue;
      removeDir(join(dir, n));
      list.push(n);
    }
  }
  // Snapshots (rootfs/upper/work) of containers with no record.
  let snaps: string[] = [];
  try {
    snaps = readdirSync(rt.containersDir);
  } catch {
    /* none yet */
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '');
  for (const n of snaps) {
    if (!ID.test(n) || containers.has(n)) continue;
    // Never rm -r through a mount (an overlay's merged view would delete files of its lower dirs).
    const dir = join(rt.containersDir, n);
    if (mounts.some((m) => m === dir || m.startsWith(`${dir}/`))) continue;
    removeDir(dir);
    if (!out.containers.includes(n)) out.containers.push(n);
  }

  // Network state and addresses of sandbox ids no record names: veth (if its netns still exists), hostPort rules, the IP.
  if (network?.sandboxIds) {
    for (const id of await network.sandboxIds()) {
      if (sandboxes.has(id)) continue;
      await network.teardown(id);
      out.network.push(id);
    }
  }
  return out;
}
