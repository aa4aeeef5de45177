// The garbage collector: objects whose owners are gone are deleted, and owners
// deleted with a policy get it carried out, as Kubernetes' GC does:
// - background: an object all of whose owners are gone is deleted;
// - foreground: an owner holding the `foregroundDeletion` finalizer has its
//   dependents deleted, and loses the finalizer once no dependent with
//   blockOwnerDeletion remains;
// - orphan: an owner holding the `orphan` finalizer has its ownerReference
//   removed from every dependent, then loses the finalizer.
// It keeps a graph (uid → object, owner uid → dependent uids) from informers
// on every namespaced kind, and checks an owner missing from that cache with a
// live GET before acting, so a lagging cache never deletes a live object's dependents.

import type { KubeObject, OwnerReference } from '../api/meta.js';
import { lookupResource, resourceForKind, RESOURCES, type ResourceInfo } from '../api/resources.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import { discoverExtraResources } from '../client/discovery.js';
import type { RestClient } from '../client/rest.js';
import { WorkQueue } from '../client/workqueue.js';
import { InformerFactory } from './informers.js';
import { runWorkers } from './workers.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** The kinds the collector watches: everything deletable and watchable but events and bindings, plus nodes (owners of leases). */
export function collectedResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => r.verbs.includes('watch') && r.verbs.includes('delete') && r.resource !== 'events' && r.resource !== 'namespaces' && r.resource !== 'bindings');
}

export interface GarbageCollectorOptions {
  client: RestClient;
  informers?: InformerFactory;
  workers?: number;
  log?: (m: string) => void;
  /** How often discovery is read for custom resources to watch too (default 10 s; 0: never). */
  discoveryIntervalMs?: number;
}

interface GraphNode {
  uid: string;
  info: ResourceInfo;
  obj: KubeObject;
}

export class GarbageCollector {
  readonly queue = new WorkQueue<string>({ name: 'garbage-collector' });
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly log: (m: string) => void;
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: GarbageCollectorOptions) {
    this.log = opts.log ?? console.error;
    this.ownsFactory = !opts.informers;
    this.factory = opts.informers ?? new InformerFactory(opts.client);
    for (const info of collectedResources()) this.informers.push(this.feed(info, this.factory.get<KubeObject>(info)));
  }

  /** The graph fed by an informer of `info`'s objects. */
  private feed(info: ResourceInfo, inf: Informer<KubeObject>): Informer<KubeObject> {
    inf.on('add', (o) => this.observe(info, undefined, o));
    inf.on('update', (old, o) => {
      if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.observe(info, old, o);
    });
    inf.on('delete', (o) => this.forget(o));
    return inf;
  }

  async start(): Promise<this> {
    await Promise.all(this.informers.map((i) => i.start()));
    this.workers = runWorkers(this.queue, this.opts.workers ?? 5, (uid) => this.process(uid), 'garbage-collector', this.log);
    const every = this.opts.discoveryIntervalMs ?? 10_000;
    if (every > 0) {
      await this.syncCustom().catch((err: unknown) => this.log(`garbage-collector: discovery: ${(err as Error).message}`));
      this.discovery = setInterval(() => void this.syncCustom().catch((err: unknown) => this.log(`garbage-collector: discovery: ${(err as Error).message}`)), every);
      this.discovery.unref();
    }
    return this;
  }

  async stop(): Promise<void> {
    if (this.discovery) clearInterval(this.discovery);
    this.queue.shutDown();
    if (this.ownsFactory) await this.factory.stop();
    await Promise.all([...this.custom.values()].map((c) => c.informer.stop()));
    await this.workers;
  }

  private discovery: NodeJS.Timeout | undefined;
  /** Informers of custom resources, by group/resource, started and stopped as CRDs come and go (upstream's resync of monitors). */
  private readonly custom = new Map<string, { info: ResourceInfo; informer: Informer<KubeObject> }>();

  private async syncCustom(): Promise<void> {
    const found = (await discoverExtraResources(this.opts.client)).filter((r) => r.verbs.includes('watch') && r.verbs.includes('delete'));
    const keys = new Set(found.map((r) => `${r.group}/${r.resource}`));
    for (const info of found) {
      const key = `${info.group}/${info.resource}`;
      if (this.custom.has(key)) continue;
      const informer = this.feed(info, new Informer<KubeObject>(this.opts.client, this.opts.client.resourceFor<KubeObject>(info), {}));
      this.custom.set(key, { info, informer });
      await informer.start();
    }
    for (const [key, c] of this.custom) {
      if (keys.has(key)) continue;
      this.custom.delete(key);
      await c.informer.stop();
    }
  }

  /** Dependents of an owner, as the graph knows them. */
  dependentsOf(uid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const d of this.dependents.get(uid) ?? []) {
      const n = this.nodes.get(d);
      if (n) out.push(n);
    }
    return out;
  }

  private observe(info: ResourceInfo, old: KubeObject | undefined, obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const prev = this.nodes.get(uid);
    for (const r of prev?.obj.metadata?.ownerReferences ?? old?.metadata?.ownerReferences ?? []) this.dependents.get(r.uid)?.delete(uid);
    this.nodes.set(uid, { uid, info, obj });
    for (const r of obj.metadata?.ownerReferences ?? []) {
      let s = this.dependents.get(r.uid);
      if (!s) this.dependents.set(r.uid, (s = new Set()));
      s.add(uid);
    }
    if (obj.metadata?.ownerReferences?.length || hasGCFinalizer(obj)) this.queue.add(uid);
    // Owners removed from the list may be waiting for this dependent to leave.
    for (const r of old?.metadata?.ownerReferences ?? []) if (!obj.metadata?.ownerReferences?.some((x) => x.uid === r.uid)) this.queue.add(r.uid);
    // A dependent starting to delete, or losing blockOwnerDeletion, may unblock its owners.
    if (obj.metadata?.deletionTimestamp) for (const r of obj.metadata?.ownerReferences ?? []) this.queue.add(r.uid);
  }

  private forget(obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const n = this.nodes.get(uid);
    this.nodes.delete(uid);
    for (const r of (n?.obj ?? obj).metadata?.ownerReferences ?? []) {
      this.dependents.get(r.uid)?.delete(uid);
      // An owner in foreground deletion may be waiting for exactly this one.
      this.queue.add(r.uid);
    }
    // Its dependents may now be orphans (background deletion).
    for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
  }

  async process(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const m = node.obj.metadata ?? {};
    if (m.deletionTimestamp) {
      if (m.finalizers?.includes(FINALIZER_ORPHAN)) {
        await this.orphanDependents(node);
        return;
      }
      if (m.finalizers?.includes(FINALIZER_FOREGROUND)) {
        await this.deleteDependentsInForeground(node);
        return;
      }
      return; // already on its way out
    }
    if (m.ownerReferences?.length) await this.attemptToDelete(node);
  }

  private client(info: ResourceInfo, namespace: string | undefined) {
    // By descriptor: a custom resource's plural may spell a built-in one, and it is not in this process's table.
    return this.opts.client.resourceFor<KubeObject>(info, namespace);
  }

  /** Remove ownerReferences (by owner uid) from an object, conditional on its resourceVersion. */
  private async removeOwnerRefs(node: GraphNode, ownerUids: Set<string>): Promise<void> {
    const refs = (node.obj.metadata?.ownerReferences ?? []).filter((r) => !ownerUids.has(r.uid));
    await this.patchMeta(node, { ownerReferences: refs.length ? refs : null });
  }

  private async patchMeta(node: GraphNode, meta: Record<string, unknown>): Promise<void> {
    const m = node.obj.metadata ?? {};
    try {
      await this.client(node.info, m.namespace).patch(m.name ?? '', { metadata: { ...meta, resourceVersion: m.resourceVersion } }, 'merge');
    } catch (err) {
      if (isNotFound(err)) return;
      // The cache was stale: the informer brings the new version, and it is processed again.
      if (isConflict(err)) throw new Error(`conflict updating ${node.info.resource} ${m.namespace ?? ''}/${m.name}; retrying`);
      throw err;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const left = (node.obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
    await this.patchMeta(node, { finalizers: left.length ? left : null });
  }

  private async orphanDependents(owner: GraphNode): Promise<void> {
    const only = new Set([owner.uid]);
    for (const dep of this.dependentsOf(owner.uid)) await this.removeOwnerRefs(dep, only);
    await this.removeFinalizer(owner, FINALIZER_ORPHAN);
  }

  private async deleteDependentsInForeground(owner: GraphNode): Promise<void> {
    const deps = this.dependentsOf(owner.uid);
    const blocking = deps.filter((d) => d.obj.metadata?.ownerReferences?.some((r) => r.uid === owner.uid && r.blockOwnerDeletion));
    if (blocking.length === 0) {
      // Non-blocking dependents are still deleted, just not waited for.
      for (const d of deps) this.queue.add(d.uid);
      await this.removeFinalizer(owner, FINALIZER_FOREGROUND);
      return;
    }
    for (const d of deps) this.queue.add(d.uid);
  }

  /** Classify an owner reference: 'solid' (exists), 'dangling' (gone), or 'waiting' (in foreground deletion). */
  private async ownerState(dep: GraphNode, ref: OwnerReference): Promise<'solid' | 'dangling' | 'waiting'> {
    let owner = this.nodes.get(ref.uid)?.obj;
    if (!owner) {
      // Not in the cache: ask the apiserver before believing it is gone.
      const group = ref.apiVersion?.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
      const info = resourceForKind(ref.kind, ref.apiVersion) ?? [...this.custom.values()].find((c) => c.info.kind === ref.kind && c.info.group === group)?.info ?? lookupResource(ref.kind);
      if (!info) return 'solid'; // an unknown kind is never treated as gone
      try {
        owner = await this.client(info, info.namespaced ? dep.obj.metadata?.namespace : undefined).get(ref.name);
      } catch (err) {
        if (isNotFound(err)) return 'dangling';
        throw err;
      }
      if (owner.metadata?.uid !== ref.uid) return 'dangling';
    }
    const m = owner.metadata ?? {};
    if (m.deletionTimestamp && m.finalizers?.includes(FINALIZER_FOREGROUND)) return 'waiting';
    return 'solid';
  }

  private async attemptToDelete(node: GraphNode): Promise<void> {
    const refs = node.obj.metadata?.ownerReferences ?? [];
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const r of refs) {
      const s = await this.ownerState(node, r);
      (s === 'solid' ? solid : s === 'dangling' ? dangling : waiting).push(r);
    }
    if (solid.length) {
      // Still owned: only drop the references to owners that are gone or going.
      if (dangling.length || waiting.length) await this.removeOwnerRefs(node, new Set([...dangling, ...waiting].map((r) => r.uid)));
      return;
    }
    const m = node.obj.metadata ?? {};
    let policy: 'Background' | 'Foreground' | 'Orphan' = 'Background';
    if (waiting.length && this.dependentsOf(node.uid).length) {
      // Its owner waits for it, and it has dependents of its own: they must go first (foreground).
      policy = 'Foreground';
    } else if (m.finalizers?.includes(FINALIZER_ORPHAN)) policy = 'Orphan';
    else if (m.finalizers?.includes(FINALIZER_FOREGROUND)) policy = 'Foreground';
    try {
      await this.client(node.info, m.namespace).delete(m.name ?? '', { propagationPolicy: policy, preconditions: { uid: node.uid } });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

function hasGCFinalizer(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp && !!obj.metadata.finalizers?.some((f) => f === FINALIZER_ORPHAN || f === FINALIZER_FOREGROUND);
}

export async function startGarbageCollector(opts: GarbageCollectorOptions): Promise<GarbageCollector> {
  return new GarbageCollector(opts).start();
}
