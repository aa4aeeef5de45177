// Runtime pods no source wants (deleted from the API while the kubelet was down): torn down
// with the same plan and executor as a terminating pod. A pod whose teardown fails keeps its
// volumes and index entries and is tried again by the caller; nothing is read as gone unless
// the runtime says NotFound.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFoundError, type ContainerStatus, type PodSandboxStatus, type RuntimeService } from '../runtime/cri.js';
import { L_POD_UID } from './labels.js';
import { describeFailures, executePlan } from './pod-actions.js';
import { planTermination, type ObservedPod } from './pod-plan.js';
import type { RuntimeIndex } from './runtime-index.js';
import { teardownVolumes } from './volumes.js';

export interface OrphanContext {
  runtime: RuntimeService;
  index: RuntimeIndex;
  rootDir: string;
  /** Whether some source (API, static files) wants the pod with this uid. */
  wanted(uid: string): boolean;
  log(m: string): void;
}

async function observeUid(rt: RuntimeService, uid: string): Promise<ObservedPod> {
  const sandboxes: PodSandboxStatus[] = [];
  const containers: ContainerStatus[] = [];
  const read = async <T>(f: () => Promise<T>, out: T[]) => {
    try {
      out.push(await f());
    } catch (e) {
      if (!isNotFoundError(e)) throw e; // removed since the list: nothing to tear down
    }
  };
  for (const s of await rt.listPodSandbox({ labelSelector: { [L_POD_UID]: uid } })) await read(() => rt.podSandboxStatus(s.id), sandboxes);
  for (const c of await rt.listContainers({ labelSelector: { [L_POD_UID]: uid } })) await read(() => rt.containerStatus(c.id), containers);
  return { sandboxes, containers };
}

/** Tears down unwanted pods; returns the uids whose teardown failed (to be tried again). */
export async function reconcileOrphans(ctx: OrphanContext): Promise<string[]> {
  const rt = ctx.runtime;
  const orphanUids = new Set<string>();
  for (const s of await rt.listPodSandbox()) if (s.labels[L_POD_UID] && !ctx.wanted(s.labels[L_POD_UID])) orphanUids.add(s.labels[L_POD_UID]);
  for (const c of await rt.listContainers()) if (c.labels[L_POD_UID] && !ctx.wanted(c.labels[L_POD_UID])) orphanUids.add(c.labels[L_POD_UID]);
  const failed: string[] = [];
  for (const uid of orphanUids) {
    ctx.log(`tearing down pod ${uid}: no longer in any source`);
    const plan = planTermination(await observeUid(rt, uid), 0);
    const exec = await executePlan(rt, plan.actions, undefined, {
      createSandbox: () => Promise.reject(new Error('no sandbox is made for an orphan')),
      startContainer: () => Promise.reject(new Error('no container starts for an orphan')),
    });
    const failures = describeFailures(exec.results);
    const after = await observeUid(rt, uid);
    if (failures.length || after.sandboxes.length || after.containers.length) {
      ctx.log(`tearing down pod ${uid} failed, will retry: ${failures.join(', ') || 'containers are still present in the runtime'}`);
      failed.push(uid);
      continue;
    }
    await teardownVolumes(ctx.rootDir, uid);
    ctx.index.forget(uid);
  }
  // Volume directories (tmpfs emptyDirs, projected files) of pods no source wants and nothing runs for.
  for (const uid of await podDirs(ctx.rootDir)) {
    if (ctx.wanted(uid) || orphanUids.has(uid)) continue;
    ctx.log(`removing volumes of pod ${uid}: no longer in any source`);
    try {
      await teardownVolumes(ctx.rootDir, uid);
    } catch (e) {
      ctx.log(`removing volumes of pod ${uid} failed, will retry: ${(e as Error).message}`);
      failed.push(uid);
    }
  }
  return failed;
}

async function podDirs(rootDir: string): Promise<string[]> {
  try {
    return await readdir(join(rootDir, 'pods'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []; // no pod ever had volumes here
    throw e;
  }
}
