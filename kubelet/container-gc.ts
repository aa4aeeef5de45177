// Container garbage collection, as upstream's kuberuntime_gc: dead containers (exited, or
// created and never started) older than --minimum-container-ttl-duration are grouped by pod
// and container name; a pod no source has any more loses all of them, so does a finished
// pod when disk is being reclaimed (evictNonDeletedPods), and every other group keeps its
// newest --maximum-dead-containers-per-container (what `kubectl logs --previous` and
// lastState read). Each removed container's log file goes with it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, RuntimeService } from '../runtime/cri.js';
import { isNotFoundError } from '../runtime/cri.js';
import { L_CONTAINER_NAME, L_POD_NAME, L_POD_NAMESPACE, L_POD_UID } from './labels.js';

export interface ContainerGCPolicy {
  /** Dead containers younger than this are kept (default 0). */
  minAgeMs: number;
  /** Dead containers kept per (pod, container name), newest first (default 1; negative: no limit). */
  maxPerPodContainer: number;
}

export const DEFAULT_CONTAINER_GC: ContainerGCPolicy = { minAgeMs: 0, maxPerPodContainer: 1 };

export type PodState = 'active' | 'finished' | 'gone';

const dead = (c: Container) => c.state === 'CONTAINER_EXITED' || c.state === 'CONTAINER_CREATED';
const attempt = (c: Container) => c.metadata.attempt ?? 0;

/** The dead containers to remove. `podState(uid)`: is the pod still wanted, finished, or gone from every source. */
export function selectDeadContainers(containers: Container[], podState: (uid: string) => PodState, p: ContainerGCPolicy, now: number, evictNonDeletedPods: boolean): Container[] {
  const units = new Map<string, Container[]>();
  for (const c of containers) {
    if (!dead(c) || now - c.createdAt < p.minAgeMs) continue;
    const k = `${c.labels[L_POD_UID] ?? ''}/${c.labels[L_CONTAINER_NAME] ?? c.metadata.name}`;
    units.set(k, [...(units.get(k) ?? []), c]);
  }
  const out: Container[] = [];
  for (const list of units.values()) {
    list.sort((a, b) => attempt(b) - attempt(a) || b.createdAt - a.createdAt);
    const st = podState(list[0].labels[L_POD_UID] ?? '');
    if (st === 'gone' || (evictNonDeletedPods && st === 'finished')) out.push(...list);
    else if (p.maxPerPodContainer >= 0) out.push(...list.slice(p.maxPerPodContainer));
  }
  return out;
}

export class ContainerGC {
  constructor(private readonly d: { runtime: RuntimeService; logDir: string; policy: ContainerGCPolicy; podState: (uid: string) => PodState; removed: (uid: string, id: string) => void; log: (m: string) => void }) {}

  /** One pass; returns how many containers went. */
  async garbageCollect(evictNonDeletedPods: boolean): Promise<number> {
    const all = await this.d.runtime.listContainers();
    const pick = selectDeadContainers(all, this.d.podState, this.d.policy, Date.now(), evictNonDeletedPods);
    let n = 0;
    for (const c of pick) {
      try {
        await this.d.runtime.removeContainer(c.id);
      } catch (e) {
        if (!isNotFoundError(e)) {
          this.d.log(`container GC: removing ${c.id}: ${(e as Error).message}`);
          continue;
        }
      }
      n++;
      const uid = c.labels[L_POD_UID] ?? '';
      this.d.removed(uid, c.id);
      const name = c.labels[L_CONTAINER_NAME] ?? c.metadata.name;
      // The log path is built from labels the kubelet set; names and uids never hold '/'.
      const dir = `${c.labels[L_POD_NAMESPACE]}_${c.labels[L_POD_NAME]}_${uid}`;
      if (!/[/\\]|^\.\.?$/.test(dir) && !/[/\\]|^\.\.?$/.test(name)) rmSync(join(this.d.logDir, dir, name, `${attempt(c)}.log`), { force: true });
    }
    return n;
  }
}
