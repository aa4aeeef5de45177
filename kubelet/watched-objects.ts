// ConfigMaps and Secrets the pods on this node use, read from watches instead of one GET per
// read, as upstream's watch-based ConfigMap/Secret managers (the kubelet's default change
// detection strategy): the first read of an object starts one list+watch of that object alone
// (fieldSelector metadata.name, which the Node authorizer allows for objects its pods reference),
// every later read — other pods, every resync of a pod's volumes — is served from it, and the
// watch stops when the last pod that read it is gone. A burst of pods sharing kube-root-ca.crt
// costs one list instead of a GET per pod per sync, all through the rate-limited client.
import type { ConfigMap, Secret } from '../api/core.js';
import { ApiError } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { Obj, RestClient } from '../client/rest.js';

/** Reads of the objects a pod refers to; an absent object is a NotFound ApiError, as a GET's. */
export interface PodObjects {
  configMap(namespace: string, name: string): Promise<ConfigMap>;
  secret(namespace: string, name: string): Promise<Secret>;
}

/** The same reads straight from the API (no kubelet-wide cache: tests, one-off use). */
export function apiObjects(client: RestClient): PodObjects {
  return { configMap: (ns, n) => client.configMaps(ns).get(n), secret: (ns, n) => client.secrets(ns).get(n) };
}

/** Upstream waits this long for a new object's watch to deliver its first list. */
const SYNC_TIMEOUT_MS = 1000;

interface Watched<T extends Obj> {
  informer: Informer<T>;
  pods: Set<string>;
}

class WatchedKind<T extends Obj> {
  private readonly watched = new Map<string, Watched<T>>();
  constructor(
    private readonly client: RestClient,
    /** Resource (plural) and the singular upstream's NotFound names (`configmap "x" not found`). */
    private readonly resource: string,
    private readonly singular: string,
    private readonly log: (m: string) => void,
    private readonly syncTimeoutMs: number,
  ) {}

  async get(namespace: string, name: string, podUid: string): Promise<T> {
    if (!name) throw notFound(this.singular, name);
    const key = `${namespace}/${name}`;
    let w = this.watched.get(key);
    if (!w) {
      const informer = new Informer<T>(this.client, this.resource, {
        namespace,
        fieldSelector: `metadata.name=${name}`,
        onError: (e) => this.log(`${this.resource} ${key} watch: ${(e as Error).message}`),
      });
      w = { informer, pods: new Set() };
      this.watched.set(key, w);
      void informer.start();
    }
    w.pods.add(podUid);
    if (!w.informer.hasSynced()) await this.synced(w.informer);
    const o = w.informer.store.get(key);
    if (!o) throw notFound(this.singular, name);
    return o;
  }

  private async synced(informer: Informer<T>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), this.syncTimeoutMs)));
    const r = await Promise.race([informer.start(), timeout]);
    clearTimeout(timer);
    // Upstream's words; the caller's sync fails and is retried, the watch keeps trying meanwhile.
    if (r === 'timeout' || !informer.hasSynced()) throw new Error(`failed to sync ${this.singular} cache: timed out waiting for the condition`);
  }

  /** The pod is gone: watches no other pod read stop. */
  release(podUid: string): void {
    for (const [key, w] of this.watched) {
      if (!w.pods.delete(podUid) || w.pods.size) continue;
      this.watched.delete(key);
      void w.informer.stop();
    }
  }

  get size(): number {
    return this.watched.size;
  }

  async stop(): Promise<void> {
    const all = [...this.watched.values()];
    this.watched.clear();
    await Promise.all(all.map((w) => w.informer.stop()));
  }
}

function notFound(resource: string, name: string): ApiError {
  return new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: `${resource} "${name}" not found`, details: { name, kind: resource } });
}

/** The kubelet's ConfigMap and Secret watches, shared by all its pods. */
export class WatchedObjects {
  private readonly configMaps: WatchedKind<ConfigMap>;
  private readonly secrets: WatchedKind<Secret>;
  constructor(client: RestClient, log: (m: string) => void, syncTimeoutMs = SYNC_TIMEOUT_MS) {
    this.configMaps = new WatchedKind<ConfigMap>(client, 'configmaps', 'configmap', log, syncTimeoutMs);
    this.secrets = new WatchedKind<Secret>(client, 'secrets', 'secret', log, syncTimeoutMs);
  }

  /** Reads on behalf of one pod (which keeps the watches it reads alive until release()). */
  forPod(podUid: string): PodObjects {
    return { configMap: (ns, n) => this.configMaps.get(ns, n, podUid), secret: (ns, n) => this.secrets.get(ns, n, podUid) };
  }

  release(podUid: string): void {
    this.configMaps.release(podUid);
    this.secrets.release(podUid);
  }

  /** Open watches (configmaps, secrets). */
  get counts(): { configMaps: number; secrets: number } {
    return { configMaps: this.configMaps.size, secrets: this.secrets.size };
  }

  stop(): Promise<void> {
    return Promise.all([this.configMaps.stop(), this.secrets.stop()]).then(() => undefined);
  }
}
