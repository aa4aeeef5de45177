// Storage object in-use protection (upstream's pvc-protection and pv-protection
// controllers): every claim carries kubernetes.io/pvc-protection and every volume
// kubernetes.io/pv-protection (added here when missing, as upstream's controllers
// do besides the admission plugin); a claim being deleted keeps its finalizer while
// a pod that is not finished uses it, a volume being deleted while it is Bound.

import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../api/core.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../api/volume-claims.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { QueueController } from './queue-controller.js';

export interface StorageProtectionOptions {
  client: RestClient;
  log?: (m: string) => void;
  podInformer?: Informer<Pod>;
  claimInformer?: Informer<PersistentVolumeClaim>;
  volumeInformer?: Informer<PersistentVolume>;
  /** Which of the two to run (upstream's pvc-protection and pv-protection); both by default. */
  claims?: boolean;
  volumes?: boolean;
}

/** Whether the pod still needs the claim: it names it and has not finished (podIsShutDown is false). */
export function podUsesClaim(pod: Pod, claimName: string): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  return (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claimName);
}

export type FinalizerChange = 'add' | 'remove' | 'none';

/** The pvc-protection decision for one claim, given the pods of its namespace. */
export function claimFinalizerChange(claim: PersistentVolumeClaim, pods: Iterable<Pod>): FinalizerChange {
  const has = (claim.metadata.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER);
  if (!claim.metadata.deletionTimestamp) return has ? 'none' : 'add';
  if (!has) return 'none';
  for (const p of pods) if (podUsesClaim(p, claim.metadata.name ?? '')) return 'none';
  return 'remove';
}

/** The pv-protection decision for one volume: deletable once it is not Bound. */
export function volumeFinalizerChange(pv: PersistentVolume): FinalizerChange {
  const has = (pv.metadata.finalizers ?? []).includes(PV_PROTECTION_FINALIZER);
  if (!pv.metadata.deletionTimestamp) return has ? 'none' : 'add';
  if (!has || pv.status?.phase === 'Bound') return 'none';
  return 'remove';
}

function withFinalizer<T extends { metadata: { finalizers?: string[] } }>(obj: T, f: string, change: 'add' | 'remove'): T {
  const rest = (obj.metadata.finalizers ?? []).filter((x) => x !== f);
  return { ...obj, metadata: { ...obj.metadata, finalizers: change === 'add' ? [...rest, f] : rest } };
}

export class StorageProtectionController extends QueueController {
  readonly pods: Informer<Pod>;
  readonly claims: Informer<PersistentVolumeClaim>;
  readonly volumes: Informer<PersistentVolume>;

  constructor(private readonly opts: StorageProtectionOptions) {
    super('storage-protection', opts.log);
    const c = opts.client;
    this.pods = opts.podInformer ?? this.keep(new Informer<Pod>(c, 'pods'));
    this.claims = opts.claimInformer ?? this.keep(new Informer<PersistentVolumeClaim>(c, 'persistentvolumeclaims'));
    this.volumes = opts.volumeInformer ?? this.keep(new Informer<PersistentVolume>(c, 'persistentvolumes'));
    const claimsOn = opts.claims !== false;
    const volumesOn = opts.volumes !== false;
    const claim = (p: PersistentVolumeClaim) => claimsOn && this.queue.add('pvc:' + objectKey(p));
    this.claims.on('add', claim).on('update', (_o, p) => claim(p));
    const volume = (v: PersistentVolume) => volumesOn && this.queue.add('pv:' + (v.metadata.name ?? ''));
    this.volumes.on('add', volume).on('update', (_o, v) => volume(v));
    // A pod that finishes or goes may free the claims it used.
    const pod = (p: Pod) => {
      if (!claimsOn) return;
      for (const v of p.spec?.volumes ?? []) if (v.persistentVolumeClaim?.claimName) this.queue.add(`pvc:${p.metadata.namespace ?? ''}/${v.persistentVolumeClaim.claimName}`);
    };
    this.pods.on('update', (_o, p) => pod(p)).on('delete', pod);
  }

  async start(): Promise<this> {
    await this.runWorkers([this.pods, this.claims, this.volumes], 1, 'storage-protection');
    return this;
  }

  async sync(key: string): Promise<void> {
    try {
      if (key.startsWith('pvc:')) {
        const claim = this.claims.store.get(key.slice(4));
        if (!claim) return;
        const ns = claim.metadata.namespace ?? '';
        const change = claimFinalizerChange(claim, this.pods.store.listNamespace(ns));
        if (change !== 'none') await this.opts.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', ns).update(withFinalizer(claim, PVC_PROTECTION_FINALIZER, change));
      } else if (key.startsWith('pv:')) {
        const pv = this.volumes.store.get(key.slice(3));
        if (!pv) return;
        const change = volumeFinalizerChange(pv);
        if (change !== 'none') await this.opts.client.resource<PersistentVolume>('persistentvolumes').update(withFinalizer(pv, PV_PROTECTION_FINALIZER, change));
      }
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) throw new Error(`${key} changed meanwhile (${err instanceof Error ? err.message : String(err)})`);
      throw err;
    }
  }
}
