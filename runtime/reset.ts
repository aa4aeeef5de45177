// Removing everything a runtime runs: every sandbox and container, any process left
// in its cgroups, and the cgroups themselves. `hyperkube reset` and the tests use it.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from './runtime.js';
import { listIds, readJson, type SandboxRecord } from './state.js';

/**
 * Stops and removes every pod sandbox and container of `runtime`, then its cgroup tree.
 * Returns what could not be removed ("<what>: <error>"), empty when everything went.
 */
export async function removeAllPods(runtime: Runtime): Promise<string[]> {
  const failed: string[] = [];
  const sbDir = join(runtime.stateDir, 'sandboxes');
  for (const id of listIds(sbDir, 'sandbox.json')) {
    try {
      await runtime.removePodSandbox(id);
    } catch (e) {
      // Its processes are killed through the cgroup below; the record said where.
      const r = readJson<SandboxRecord>(join(sbDir, id, 'sandbox.json'));
      if (r?.pausePid) killIfOurs(r.pausePid, runtime.cgroupRoot);
      failed.push(`sandbox ${id}: ${(e as Error).message}`);
    }
  }
  let containers: Awaited<ReturnType<Runtime['listContainers']>> = [];
  try {
    containers = await runtime.listContainers();
  } catch (e) {
    failed.push(`the container list: ${(e as Error).message}`); // their cgroups are still emptied below
  }
  for (const c of containers) {
    try {
      await runtime.removeContainer(c.id);
    } catch (e) {
      failed.push(`container ${c.id}: ${(e as Error).message}`);
    }
  }
  for (let i = 0; i < 3; i++) {
    const pids = cgroupPids(runtime.cgroupRoot);
    if (pids.length === 0) break;
    for (const p of pids) killIfOurs(p, runtime.cgroupRoot);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    await runtime.cgroups.remove(runtime.cgroupRoot);
  } catch (e) {
    failed.push(`cgroup root ${runtime.cgroupRoot}: ${(e as Error).message}`);
  }
  return failed;
}

function killIfOurs(pid: number, cgroupRoot: string): void {
  try {
    if (readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`/${cgroupRoot}/`)) process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Every pid under the cgroup root (recursively, memory or unified hierarchy). */
export function cgroupPids(cgroupRoot: string): number[] {
  const base = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
  const out: number[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    try {
      out.push(...readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {
      /* raced with removal */
    }
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(join(base, cgroupRoot));
  return out;
}

