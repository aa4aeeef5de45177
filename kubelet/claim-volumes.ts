// A pod's persistentVolumeClaim volume on this node (the kubelet's
// desired-state populator getPVCExtractPV/getPVSpec, then the hostPath/local
// plugins): the claim must be Bound to a volume whose claimRef points back at
// it, and the volume's path is what the containers mount. A claim that is not
// bound is refused with upstream's words, so a pod never runs on an empty
// directory instead of its data. A local-path volume's directory must be a
// real directory (not a symlink a pod planted) under the storage dir.

import { lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import type { PersistentVolume, PersistentVolumeClaim, Volume } from '../api/core.js';
import { isNotFound } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';
import { isOurVolume, ownedDir, volumePath } from './local-path-volumes.js';
import { VolumeError } from './volume-error.js';

export interface ClaimVolumeContext {
  client: RestClient;
  namespace: string;
  nodeName: string;
  /** The local-path provisioner's directory, when it runs here. */
  localPathDir?: string;
}

/** Why the claim cannot be used yet, as upstream's populator says it, or the bound volume. */
export function checkClaimBinding(ns: string, claim: PersistentVolumeClaim, pv: PersistentVolume | undefined): string | PersistentVolume {
  const name = claim.metadata.name ?? '';
  if (claim.metadata.deletionTimestamp) return `can't start pod because PVC ${ns}/${name} is being deleted`;
  const phase = claim.status?.phase ?? '';
  const volumeName = claim.spec?.volumeName ?? '';
  if (phase !== 'Bound' || !volumeName) return `PVC ${ns}/${name} has non-bound phase (${JSON.stringify(phase)}) or empty pvc.Spec.VolumeName (${JSON.stringify(volumeName)})`;
  if (!pv) return `failed to fetch PV ${JSON.stringify(volumeName)} from API server: persistentvolumes "${volumeName}" not found`;
  const ref = pv.spec?.claimRef;
  if (!ref) return `failed to fetch PV ${JSON.stringify(volumeName)} from API server. pv.Spec.ClaimRef is nil`;
  if (ref.uid !== claim.metadata.uid) return `failed to fetch PV ${JSON.stringify(volumeName)} from API server. pv.Spec.ClaimRef does not point to the expected PVC (expected uid ${claim.metadata.uid}, got ${ref.uid ?? ''})`;
  return pv;
}

/** The host path of the pod's claim volume, ready to mount. Throws VolumeError when it is not usable. */
export async function setupClaimVolume(ctx: ClaimVolumeContext, v: Volume): Promise<string> {
  const claimName = v.persistentVolumeClaim?.claimName ?? '';
  let claim: PersistentVolumeClaim;
  try {
    claim = await ctx.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', ctx.namespace).get(claimName);
  } catch (e) {
    if (isNotFound(e)) throw new VolumeError(`error processing PVC ${ctx.namespace}/${claimName}: failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
    throw e;
  }
  let pv: PersistentVolume | undefined;
  if (claim.status?.phase === 'Bound' && claim.spec?.volumeName) {
    try {
      pv = await ctx.client.resource<PersistentVolume>('persistentvolumes').get(claim.spec.volumeName);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  const bound = checkClaimBinding(ctx.namespace, claim, pv);
  if (typeof bound === 'string') throw new VolumeError(`error processing PVC ${ctx.namespace}/${claimName}: ${bound}`);
  return volumeHostPath(bound, ctx);
}

function volumeHostPath(pv: PersistentVolume, ctx: ClaimVolumeContext): string {
  const name = pv.metadata.name ?? '';
  const path = volumePath(pv);
  if (!path) throw new VolumeError(`volume ${name}: only hostPath and local persistent volumes can be mounted on this node`);
  if (isOurVolume(pv, ctx.nodeName)) {
    if (!ctx.localPathDir) throw new VolumeError(`volume ${name}: the local-path provisioner does not run on this node`);
    const dir = ownedDir(ctx.localPathDir, pv);
    if (dir instanceof Error) throw new VolumeError(`volume ${name}: ${dir.message}`);
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw new VolumeError(`volume ${name}: ${dir} is not a directory`);
    // No component of the path may be a link out of the storage dir.
    if (realpathSync(dir) !== `${realpathSync(ctx.localPathDir)}/${dir.slice(dir.lastIndexOf('/') + 1)}`) throw new VolumeError(`volume ${name}: ${dir} resolves outside ${ctx.localPathDir}`);
    return dir;
  }
  if (pv.spec?.local) {
    if (!statSync(path, { throwIfNoEntry: false })) throw new VolumeError(`volume ${name}: path "${path}" does not exist`);
    return path;
  }
  // hostPath volumes follow their type as a pod's hostPath would.
  const t = pv.spec?.hostPath?.type ?? '';
  const st = statSync(path, { throwIfNoEntry: false });
  if (t === 'DirectoryOrCreate' && !st) mkdirSync(path, { recursive: true, mode: 0o755 });
  else if (t === 'Directory' && !st?.isDirectory()) throw new VolumeError(`hostPath type check failed: ${path} is not a directory`);
  return path;
}
