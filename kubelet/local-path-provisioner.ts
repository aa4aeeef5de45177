// The node's local-path provisioner (rancher.io/local-path): it runs with the
// kubelet because the directories it makes are on this node. It watches claims
// the PV controller handed to it (the storage-provisioner annotation) and,
// once the node is chosen, makes <storageDir>/pvc-<uid>_<ns>_<name> (mode 0777,
// as local-path) and a PersistentVolume pre-bound to the claim; it removes the
// directory, then the volume object, when a volume it made is Released with
// reclaim policy Delete. Pods write into these directories, so removal never
// follows a symlink: the path is checked to be ours (local-path-volumes.ts), the
// directory itself must not be a link, and GNU rm walks it by file descriptor
// without crossing into other file systems.

import { execFile } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/core.js';
import type { StorageClass } from '../api/storage.js';
import { claimClass } from '../api/volume-claims.js';
import { isAlreadyExists, isNotFound } from '../client/errors.js';
import type { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { claimDir, ownedDir, provisionedVolume, shouldDelete, volumeNameFor, whyNotProvision } from './local-path-volumes.js';

const run = promisify(execFile);

export interface LocalPathOptions {
  client: RestClient;
  nodeName: string;
  storageDir: string;
  recorder?: EventRecorder;
  log: (m: string) => void;
}

/** Remove a local-path directory: never through a symlink, never into another file system. */
export async function removeVolumeDir(storageDir: string, pv: PersistentVolume): Promise<void> {
  const dir = ownedDir(storageDir, pv);
  if (dir instanceof Error) throw dir;
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  await run('rm', ['-rf', '--one-file-system', '--', dir]);
}

export class LocalPathProvisioner {
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  /** Keys being worked on: an update arriving meanwhile is handled by the retry timer. */
  private readonly busy = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: LocalPathOptions) {
    const onError = (e: unknown) => o.log(`local-path informer: ${(e as Error).message}`);
    this.claims = new Informer<PersistentVolumeClaim>(o.client, 'persistentvolumeclaims', { onError });
    this.volumes = new Informer<PersistentVolume>(o.client, 'persistentvolumes', { onError });
    this.classes = new Informer<StorageClass>(o.client, 'storageclasses', { onError });
    this.claims.on('add', (c) => this.claim(c)).on('update', (_o, c) => this.claim(c));
    this.volumes.on('add', (v) => this.volume(v)).on('update', (_o, v) => this.volume(v));
  }

  async start(): Promise<void> {
    await Promise.all([this.classes.start(), this.volumes.start(), this.claims.start()]);
    // Failed attempts (an API error, a full disk) are tried again on this beat.
    this.retryTimer = setInterval(() => {
      for (const c of this.claims.store.list()) this.claim(c);
      for (const v of this.volumes.store.list()) this.volume(v);
    }, 5000);
    this.retryTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.retryTimer);
    await Promise.all([this.claims.stop(), this.volumes.stop(), this.classes.stop()]);
  }

  private once(key: string, fn: () => Promise<void>): void {
    if (this.busy.has(key) || this.stopped) return;
    this.busy.add(key);
    fn()
      .catch((e) => this.o.log(`local-path ${key}: ${(e as Error).message}`))
      .finally(() => this.busy.delete(key));
  }

  private claim(c: PersistentVolumeClaim): void {
    const sc = this.classes.store.get(claimClass(c));
    if (whyNotProvision(c, sc, this.o.nodeName) !== undefined || !sc) return;
    if (this.volumes.store.get(volumeNameFor(c))) return;
    this.once(`claim ${c.metadata.namespace}/${c.metadata.name}`, () => this.provision(c, sc));
  }

  private async provision(c: PersistentVolumeClaim, sc: StorageClass): Promise<void> {
    const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: c.metadata };
    this.o.recorder?.event(ref, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${c.metadata.namespace}/${c.metadata.name}"`);
    const dir = claimDir(this.o.storageDir, c);
    try {
      mkdirSync(this.o.storageDir, { recursive: true, mode: 0o755 });
      const st = lstatSync(this.o.storageDir);
      if (!st.isDirectory()) throw new Error(`${this.o.storageDir} is not a directory`);
      mkdirSync(dir, { mode: 0o777 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        this.o.recorder?.event(ref, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": ${(e as Error).message}`);
        throw e;
      }
      // Left by an attempt whose PV create failed: reuse it only if it is a real directory.
      if (!lstatSync(dir).isDirectory()) throw new Error(`${dir} exists and is not a directory`);
    }
    // Any user may write into the volume (the umask would take group and other write).
    chmodSync(dir, 0o777);
    try {
      await this.o.client.resource<PersistentVolume>('persistentvolumes').create(provisionedVolume(c, sc, this.o.nodeName, dir));
    } catch (e) {
      if (isAlreadyExists(e)) return;
      this.o.recorder?.event(ref, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": ${(e as Error).message}`);
      throw e;
    }
    this.o.recorder?.event(ref, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volumeNameFor(c)}`);
  }

  private volume(v: PersistentVolume): void {
    if (!shouldDelete(v, this.o.nodeName) || v.metadata.deletionTimestamp) return;
    this.once(`volume ${v.metadata.name}`, async () => {
      try {
        await removeVolumeDir(this.o.storageDir, v);
      } catch (e) {
        this.o.recorder?.event({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: v.metadata }, 'Warning', 'VolumeFailedDelete', (e as Error).message);
        throw e;
      }
      try {
        await this.o.client.resource<PersistentVolume>('persistentvolumes').delete(v.metadata.name ?? '', { preconditions: { uid: v.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
  }
}
