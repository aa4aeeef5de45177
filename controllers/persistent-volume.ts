// The PersistentVolume controller (upstream's persistentvolume-binder): binds
// pending claims to matching volumes, asks a class's external provisioner for
// one (the storage-provisioner annotations), keeps the phases of both sides
// (claim Pending/Bound/Lost, volume Available/Bound/Released/Failed) and
// reclaims released volumes (Retain keeps them; a provisioned volume with
// Delete is left to its provisioner). The decisions are in pv-decisions.ts;
// this file carries them out, in upstream's order: volume first (claimRef),
// then the claim (volumeName), so a crash in between is finished on the next sync.

import type { PersistentVolume, PersistentVolumeClaim } from '../api/core.js';
import type { StorageClass } from '../api/storage.js';
import { isConflict, isNotFound } from '../client/errors.js';
import type { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { boundClaimStatus, claimBoundTo, claimForProvisioning, decideClaim, decideVolume, volumeBoundTo, volumeUnbound, type PVEvent, type StorageLookup } from './pv-decisions.js';
import { QueueController } from './queue-controller.js';

export interface PersistentVolumeControllerOptions {
  client: RestClient;
  workers?: number;
  recorder?: EventRecorder;
  log?: (m: string) => void;
  claimInformer?: Informer<PersistentVolumeClaim>;
  volumeInformer?: Informer<PersistentVolume>;
  classInformer?: Informer<StorageClass>;
}

const CLAIM = 'claim:';
const VOLUME = 'volume:';

export class PersistentVolumeController extends QueueController {
  readonly claims: Informer<PersistentVolumeClaim>;
  readonly volumes: Informer<PersistentVolume>;
  readonly classes: Informer<StorageClass>;
  private readonly lookup: StorageLookup;

  constructor(private readonly opts: PersistentVolumeControllerOptions) {
    super('persistentvolume', opts.log);
    const c = opts.client;
    this.claims = opts.claimInformer ?? this.keep(new Informer<PersistentVolumeClaim>(c, 'persistentvolumeclaims'));
    this.volumes = opts.volumeInformer ?? this.keep(new Informer<PersistentVolume>(c, 'persistentvolumes'));
    this.classes = opts.classInformer ?? this.keep(new Informer<StorageClass>(c, 'storageclasses'));
    this.lookup = {
      volumes: () => this.volumes.store.list(),
      volume: (name) => this.volumes.store.get(name),
      claim: (ns, name) => this.claims.store.get(`${ns}/${name}`),
      storageClass: (name) => this.classes.store.get(name),
    };
    const claimKey = (p: PersistentVolumeClaim) => this.queue.add(CLAIM + objectKey(p));
    this.claims.on('add', claimKey).on('update', (_o, p) => claimKey(p));
    // A deleted claim releases its volume.
    this.claims.on('delete', (p) => {
      const v = p.spec?.volumeName;
      if (v) this.queue.add(VOLUME + v);
      for (const pv of this.volumes.store.list()) if (pv.spec?.claimRef?.uid === p.metadata.uid) this.queue.add(VOLUME + (pv.metadata.name ?? ''));
    });
    const volumeKey = (v: PersistentVolume) => {
      this.queue.add(VOLUME + (v.metadata.name ?? ''));
      // A new or changed volume may be what a pending claim waits for.
      const ref = v.spec?.claimRef;
      if (ref?.name) this.queue.add(`${CLAIM}${ref.namespace ?? ''}/${ref.name}`);
      else if (v.status?.phase === 'Available') for (const p of this.claims.store.list()) if (p.status?.phase !== 'Bound') this.queue.add(CLAIM + objectKey(p));
    };
    this.volumes.on('add', volumeKey).on('update', (_o, v) => volumeKey(v));
    this.volumes.on('delete', (v) => {
      const ref = v.spec?.claimRef;
      if (ref?.name) this.queue.add(`${CLAIM}${ref.namespace ?? ''}/${ref.name}`);
    });
    // A class that appears may be the one a pending claim names.
    this.classes.on('add', () => {
      for (const p of this.claims.store.list()) if (p.status?.phase !== 'Bound') this.queue.add(CLAIM + objectKey(p));
    });
  }

  async start(): Promise<this> {
    await this.runWorkers([this.claims, this.volumes, this.classes], this.opts.workers ?? 1, 'persistentvolume-binder');
    return this;
  }

  async sync(key: string): Promise<void> {
    try {
      if (key.startsWith(CLAIM)) await this.syncClaim(key.slice(CLAIM.length));
      else if (key.startsWith(VOLUME)) await this.syncVolume(key.slice(VOLUME.length));
    } catch (err) {
      // A stale cache: the informer brings the newer object; the key is retried with back-off.
      if (isConflict(err)) throw new Error(`${key} changed meanwhile (${err instanceof Error ? err.message : String(err)})`);
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private claimEvent(claim: PersistentVolumeClaim, ev: PVEvent | undefined): void {
    if (ev) this.opts.recorder?.event({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: claim.metadata }, ev.type, ev.reason, ev.message);
  }

  private volumeEvent(pv: PersistentVolume, ev: PVEvent | undefined): void {
    if (ev) this.opts.recorder?.event({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: pv.metadata }, ev.type, ev.reason, ev.message);
  }

  private async syncClaim(key: string): Promise<void> {
    const claim = this.claims.store.get(key);
    if (!claim) return;
    const d = decideClaim(claim, this.lookup);
    const pvcs = this.opts.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.namespace);
    switch (d.action) {
      case 'none':
        return;
      case 'phase':
        this.claimEvent(claim, d.event);
        if (claim.status?.phase !== d.phase) await pvcs.patch(claim.metadata.name ?? '', { status: { phase: d.phase } }, 'merge', { subresource: 'status' });
        return;
      case 'provision':
        this.claimEvent(claim, d.event);
        await pvcs.update(claimForProvisioning(claim, d.provisioner));
        return;
      case 'bind':
        await this.bind(claim, d.volume);
        this.claimEvent(claim, d.event);
        return;
    }
  }

  private async bind(claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<void> {
    const pvs = this.opts.client.resource<PersistentVolume>('persistentvolumes');
    const pvcs = this.opts.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.namespace);
    let pv = volume;
    const pvUpdate = volumeBoundTo(pv, claim);
    if (pvUpdate) pv = await pvs.update(pvUpdate);
    if (pv.status?.phase !== 'Bound') pv = await pvs.patch(pv.metadata.name ?? '', { status: { phase: 'Bound' } }, 'merge', { subresource: 'status' });
    let c = claim;
    const claimUpdate = claimBoundTo(c, pv);
    if (claimUpdate) c = await pvcs.update(claimUpdate);
    const status = boundClaimStatus(pv);
    if (c.status?.phase !== 'Bound' || JSON.stringify(c.status.capacity ?? {}) !== JSON.stringify(status.capacity) || JSON.stringify(c.status.accessModes ?? []) !== JSON.stringify(status.accessModes)) {
      await pvcs.patch(c.metadata.name ?? '', { status }, 'merge', { subresource: 'status' });
    }
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.store.get(name);
    if (!pv) return;
    const d = decideVolume(pv, this.lookup);
    const pvs = this.opts.client.resource<PersistentVolume>('persistentvolumes');
    switch (d.action) {
      case 'none':
        return;
      case 'syncClaim':
        this.queue.add(`${CLAIM}${d.namespace}/${d.name}`);
        return;
      case 'unbind': {
        const next = await pvs.update(volumeUnbound(pv));
        if (!next.spec?.claimRef?.uid) await pvs.patch(name, { status: { phase: 'Available' } }, 'merge', { subresource: 'status' });
        return;
      }
      case 'phase':
        this.volumeEvent(pv, d.event);
        await pvs.patch(name, { status: { phase: d.phase, ...(d.message ? { message: d.message } : {}) } }, 'merge', { subresource: 'status' });
        return;
    }
  }
}
