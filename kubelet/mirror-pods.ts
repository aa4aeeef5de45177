// Mirror pods: the API's read-only copy of each static pod (annotated with the static pod's uid),
// created when missing, deleted and re-created when stale (file changed) or deleted by a user.
import type { Pod } from '../api/core.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import type { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { A_CONFIG_MIRROR, A_CONFIG_SOURCE } from './labels.js';

export const isMirror = (p: Pod) => !!p.metadata?.annotations?.[A_CONFIG_MIRROR];
export const isStatic = (p: Pod) => ['file', 'http'].includes(p.metadata?.annotations?.[A_CONFIG_SOURCE] ?? '') && !isMirror(p);

export class MirrorPods {
  private busy = false;

  constructor(
    private readonly client: RestClient,
    private readonly informer: Informer<Pod>,
    /** Static pods by uid. */
    private readonly staticPods: Map<string, Pod>,
    private readonly log: (m: string) => void,
    private readonly stopped: () => boolean,
    /** This node: mirrors are owned by its Node (NodeRestriction admits no other mirror pods). */
    private readonly nodeName: string,
  ) {}

  /** Where a pod's status goes: itself, or the mirror of a static pod once that mirror is there. */
  statusTarget(pod: Pod): { namespace: string; name: string } | undefined {
    const m = pod.metadata;
    if (!isStatic(pod)) return { namespace: m.namespace!, name: m.name! };
    const mirror = this.informer.store.getByName(m.namespace, m.name!);
    return mirror && mirror.metadata?.annotations?.[A_CONFIG_MIRROR] === m.uid && !mirror.metadata.deletionTimestamp ? { namespace: m.namespace!, name: m.name! } : undefined;
  }

  async sync(): Promise<void> {
    if (this.busy || this.stopped() || !this.informer.hasSynced()) return;
    this.busy = true;
    try {
      const pods = this.client.pods();
      const wanted = new Map([...this.staticPods.values()].map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
      for (const m of this.informer.store.list().filter(isMirror)) {
        const key = `${m.metadata.namespace}/${m.metadata.name}`;
        const want = wanted.get(key);
        // Stale (file changed or removed) or deleted by a user: remove now, recreate below.
        if (!want || want.metadata.uid !== m.metadata.annotations![A_CONFIG_MIRROR] || m.metadata.deletionTimestamp) {
          try {
            await pods.inNamespace(m.metadata.namespace).delete(m.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: m.metadata.uid! } });
          } catch (e) {
            // Gone or replaced already is the goal; anything else is retried by the next sync (every staticPollMs).
            if (!isNotFound(e) && !isConflict(e)) this.log(`mirror pod ${key}: ${(e as Error).message}`);
          }
          if (want) wanted.set(key, want);
          continue;
        }
        wanted.delete(key);
      }
      let owner: { apiVersion: string; kind: string; name: string; uid: string; controller: boolean } | undefined;
      for (const [key, p] of wanted) {
        const cur = this.informer.store.getByName(p.metadata.namespace, p.metadata.name!);
        if (cur && cur.metadata?.annotations?.[A_CONFIG_MIRROR] === p.metadata.uid && !cur.metadata.deletionTimestamp) continue;
        // The mirror gets its own creationTimestamp and resourceVersion from the apiserver.
        const { uid, ...meta } = p.metadata;
        delete meta.creationTimestamp;
        delete meta.resourceVersion;
        if (!owner) {
          const node = await this.client.nodes().get(this.nodeName).catch((e: Error) => this.log(`mirror pods: node ${this.nodeName}: ${e.message}`));
          if (!node?.metadata.uid) return; // not registered yet: the next sync
          owner = { apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: node.metadata.uid, controller: true };
        }
        const mirror: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...meta, ownerReferences: [owner], annotations: { ...(meta.annotations ?? {}), [A_CONFIG_MIRROR]: uid! } }, spec: p.spec! };
        try {
          await pods.inNamespace(p.metadata.namespace).create(mirror);
        } catch (e) {
          // Already there is the goal; anything else is retried by the next sync.
          if (!isAlreadyExists(e)) this.log(`mirror pod ${key}: ${(e as Error).message}`);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
