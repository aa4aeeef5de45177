// What each node may reach, as upstream's node-authorizer graph: pods bound to a node reach
// the secrets, configmaps, service accounts, claims and resource claims they name; a claim
// reaches the PersistentVolume whose claimRef names it. Kept from the apiserver's own watches
// of pods, PVs and PVCs (never an etcd read per request); a question is a few map lookups.

import type { PersistentVolume, Pod } from '../../api/core.js';
import type { Registries } from '../registry/index.js';
import type { Watcher } from '../storage/interface.js';

export type VertexType = 'pod' | 'secret' | 'configmap' | 'persistentvolumeclaim' | 'persistentvolume' | 'serviceaccount' | 'resourceclaim';

type Ref = `${Exclude<VertexType, 'pod' | 'persistentvolume'>}/${string}/${string}`;

const key = (t: string, ns: string, name: string) => `${t}/${ns}/${name}` as Ref;

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Secret-referencing fields of volume sources tskube stores (upstream's VisitPodSecretNames list). */
const VOLUME_SECRET_REFS: [string, string][] = [
  ['cephfs', 'secretRef'],
  ['cinder', 'secretRef'],
  ['flexVolume', 'secretRef'],
  ['iscsi', 'secretRef'],
  ['rbd', 'secretRef'],
  ['scaleIO', 'secretRef'],
  ['storageos', 'secretRef'],
  ['csi', 'nodePublishSecretRef'],
];

/** Every object a pod names: secrets, configmaps, claims, its service account, resource claims. */
export function podReferences(pod: Pod): Set<Ref> {
  const ns = pod.metadata.namespace ?? '';
  const out = new Set<Ref>();
  const add = (t: Parameters<typeof key>[0], name: unknown) => {
    if (typeof name === 'string' && name) out.add(key(t, ns, name));
  };
  const spec = (pod.spec ?? {}) as unknown as Rec;
  add('serviceaccount', spec.serviceAccountName || spec.serviceAccount);
  for (const s of arr(spec.imagePullSecrets)) add('secret', rec(s)?.name);
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)]) {
    for (const e of arr(rec(c)?.envFrom)) {
      add('secret', rec(rec(e)?.secretRef)?.name);
      add('configmap', rec(rec(e)?.configMapRef)?.name);
    }
    for (const e of arr(rec(c)?.env)) {
      const from = rec(rec(e)?.valueFrom);
      add('secret', rec(from?.secretKeyRef)?.name);
      add('configmap', rec(from?.configMapKeyRef)?.name);
    }
  }
  for (const v of arr(spec.volumes).map(rec)) {
    if (!v) continue;
    add('secret', rec(v.secret)?.secretName);
    add('configmap', rec(v.configMap)?.name);
    add('persistentvolumeclaim', rec(v.persistentVolumeClaim)?.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (v.ephemeral) add('persistentvolumeclaim', `${pod.metadata.name ?? ''}-${str(v.name)}`);
    for (const src of arr(rec(v.projected)?.sources).map(rec)) {
      add('secret', rec(src?.secret)?.name);
      add('configmap', rec(src?.configMap)?.name);
    }
    for (const [source, field] of VOLUME_SECRET_REFS) add('secret', rec(rec(v[source])?.[field])?.name);
  }
  for (const c of arr(spec.resourceClaims)) add('resourceclaim', rec(c)?.resourceClaimName);
  for (const s of arr(rec(pod.status)?.resourceClaimStatuses)) add('resourceclaim', rec(s)?.resourceClaimName);
  return out;
}

export class NodeGraph {
  /** pod ns/name → its node and what it references. */
  private readonly pods = new Map<string, { node: string; refs: Set<Ref> }>();
  /** node → reference → how many of its pods make it. */
  private readonly reach = new Map<string, Map<Ref, number>>();
  /** PV name → the claim (ns/name) its claimRef names. */
  private readonly volumeClaims = new Map<string, string>();
  private watchers: Watcher[] = [];
  private stopped = false;

  /** Starts the watches; resolves once each has delivered its initial state. */
  async start(reg: Registries): Promise<void> {
    await Promise.all(['pods', 'persistentvolumes'].map((r) => this.watch(reg, r)));
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.stop();
  }

  private async watch(reg: Registries, resource: string): Promise<void> {
    const registry = reg.get('', resource);
    if (!registry) throw new Error(`no registry for ${resource}`);
    const restart = () => {
      if (!this.stopped) setTimeout(() => void this.watch(reg, resource).catch(restart), 1000).unref();
    };
    const w = await registry.watch(undefined, {}, {
      event: (type, obj) => (resource === 'pods' ? this.setPod(obj, type === 'DELETED') : this.setVolume(obj, type === 'DELETED')),
      end: restart,
    });
    this.watchers.push(w);
  }

  /** A pod added, changed or (deleted) removed. Pods not bound to a node reach nothing. */
  setPod(pod: Pod, deleted = false): void {
    const id = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    const old = this.pods.get(id);
    if (old) {
      const m = this.reach.get(old.node)!;
      for (const r of old.refs) {
        const n = (m.get(r) ?? 1) - 1;
        if (n <= 0) m.delete(r);
        else m.set(r, n);
      }
      if (m.size === 0) this.reach.delete(old.node);
      this.pods.delete(id);
    }
    const node = pod.spec?.nodeName;
    if (deleted || !node) return;
    const refs = podReferences(pod);
    this.pods.set(id, { node, refs });
    let m = this.reach.get(node);
    if (!m) this.reach.set(node, (m = new Map<Ref, number>()));
    for (const r of refs) m.set(r, (m.get(r) ?? 0) + 1);
  }

  setVolume(pv: PersistentVolume, deleted = false): void {
    const name = pv.metadata.name ?? '';
    const ref = pv.spec?.claimRef;
    if (deleted || !ref?.name) this.volumeClaims.delete(name);
    else this.volumeClaims.set(name, `${ref.namespace ?? ''}/${ref.name}`);
  }

  /** Whether a pod bound to `node` reaches the object (upstream's hasPathFrom). */
  reaches(node: string, type: VertexType, namespace: string, name: string): boolean {
    if (type === 'pod') return this.pods.get(`${namespace}/${name}`)?.node === node;
    const m = this.reach.get(node);
    if (!m) return false;
    if (type === 'persistentvolume') {
      const claim = this.volumeClaims.get(name);
      return claim !== undefined && m.has(`persistentvolumeclaim/${claim}` as Ref);
    }
    return m.has(key(type, namespace, name));
  }

  /** The node a pod is bound to, as the graph knows it. */
  podNode(namespace: string, name: string): string | undefined {
    return this.pods.get(`${namespace}/${name}`)?.node;
  }
}
