// Which runtime sandboxes and containers belong to which pod uid, so a pod
// worker can look at its own few objects (cheap per-id status reads) instead
// of scanning the whole runtime state on every sync, which is O(pods²) at
// 100 pods. Filled from full relists (PLEG) and from the workers' own
// creations; ids only leave when their object is gone, so a relist that
// raced with a creation can never hide a container (and cause a duplicate).
import type { Container, PodSandbox, RuntimeService } from '../runtime/cri.js';
import { L_POD_UID } from './labels.js';

export class RuntimeIndex {
  private readonly sandboxes = new Map<string, Set<string>>();
  private readonly containers = new Map<string, Set<string>>();

  private static add(m: Map<string, Set<string>>, uid: string, id: string): void {
    let s = m.get(uid);
    if (!s) m.set(uid, (s = new Set()));
    s.add(id);
  }

  addSandbox(uid: string, id: string): void {
    RuntimeIndex.add(this.sandboxes, uid, id);
  }
  addContainer(uid: string, id: string): void {
    RuntimeIndex.add(this.containers, uid, id);
  }
  removeSandbox(uid: string, id: string): void {
    this.sandboxes.get(uid)?.delete(id);
  }
  removeContainer(uid: string, id: string): void {
    this.containers.get(uid)?.delete(id);
  }
  sandboxIds(uid: string): string[] {
    return [...(this.sandboxes.get(uid) ?? [])];
  }
  containerIds(uid: string): string[] {
    return [...(this.containers.get(uid) ?? [])];
  }
  forget(uid: string): void {
    this.sandboxes.delete(uid);
    this.containers.delete(uid);
  }

  /** A full list of the runtime; every labelled object is (re)indexed and returned. */
  async refresh(rt: RuntimeService): Promise<{ containers: Container[]; sandboxes: PodSandbox[] }> {
    const [sandboxes, containers] = await Promise.all([rt.listPodSandbox(), rt.listContainers()]);
    for (const s of sandboxes) if (s.labels[L_POD_UID]) this.addSandbox(s.labels[L_POD_UID], s.id);
    for (const c of containers) if (c.labels[L_POD_UID]) this.addContainer(c.labels[L_POD_UID], c.id);
    // Ids of objects that are gone are dropped by the readers, when a status read says NotFound.
    return { containers, sandboxes };
  }
}
