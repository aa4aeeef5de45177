// The local-path provisioner's pure parts (rancher.io/local-path as k3s ships
// it): which claims this node provisions, the directory of a claim
// (<storageDir>/pvc-<uid>_<namespace>_<name>), the PersistentVolume it makes
// (hostPath DirectoryOrCreate, nodeAffinity to this node), and which directory
// a released volume may remove: only a direct child of the storage dir whose
// name is one we would have made, so a PV naming any other path is refused.

import { basename, dirname, normalize } from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/core.js';
import type { StorageClass } from '../api/storage.js';
import { ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, HOSTNAME_LABEL, claimClass, getAnnotation } from '../api/volume-claims.js';

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const LOCAL_PATH_CLASS = 'local-path';

/** The volume name of a claim, as every external provisioner names it. */
export function volumeNameFor(claim: PersistentVolumeClaim): string {
  return `pvc-${claim.metadata.uid ?? ''}`;
}

/** The directory of a claim's volume; names and namespaces are DNS labels (no '/', no '..'). */
export function claimDir(storageDir: string, claim: PersistentVolumeClaim): string {
  return `${normalize(storageDir)}/${volumeNameFor(claim)}_${claim.metadata.namespace ?? ''}_${claim.metadata.name ?? ''}`;
}

const DIR_NAME = /^pvc-[0-9a-f-]{1,64}_[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?_[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/;

/** Why this node does not provision the claim now, or undefined when it does (shouldProvision). */
export function whyNotProvision(claim: PersistentVolumeClaim, sc: StorageClass | undefined, nodeName: string): string | undefined {
  if (getAnnotation(claim, ANN_STORAGE_PROVISIONER) !== LOCAL_PATH_PROVISIONER) return 'not ours';
  if (claim.spec?.volumeName) return 'already bound';
  if (claim.metadata.deletionTimestamp) return 'being deleted';
  if (!claim.metadata.uid || !/^[0-9a-f-]{1,64}$/.test(claim.metadata.uid)) return 'no uid';
  if (!sc || sc.provisioner !== LOCAL_PATH_PROVISIONER) return 'no class';
  const selected = getAnnotation(claim, ANN_SELECTED_NODE);
  // WaitForFirstConsumer: the scheduler picks the node; Immediate: the one node that sees it first (one-node clusters).
  if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !selected) return 'no node selected';
  if (selected && selected !== nodeName) return 'another node';
  if (claim.spec?.volumeMode === 'Block') return 'Block volumes are not supported';
  if (claim.spec?.selector) return 'claim Selector is not supported';
  return undefined;
}

/** The PersistentVolume for a claim on this node. */
export function provisionedVolume(claim: PersistentVolumeClaim, sc: StorageClass, nodeName: string, path: string): PersistentVolume {
  const req = claim.spec?.resources?.requests;
  const storage = req && Object.hasOwn(req, 'storage') ? req.storage : '0';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: volumeNameFor(claim), annotations: { [ANN_DYNAMICALLY_PROVISIONED]: LOCAL_PATH_PROVISIONER, 'local.path.provisioner/selected-node': nodeName } },
    spec: {
      capacity: { storage },
      accessModes: [...(claim.spec?.accessModes ?? ['ReadWriteOnce'])],
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: claimClass(claim),
      ...(sc.mountOptions?.length ? { mountOptions: [...sc.mountOptions] } : {}),
      volumeMode: 'Filesystem',
      hostPath: { path, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [nodeName] }] }] } },
    },
  };
}

/** The path of a local-path volume (hostPath, or local in older provisioners' volumes). */
export function volumePath(pv: PersistentVolume): string | undefined {
  return pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
}

/** Whether this node made the volume (its provisioner and its node). */
export function isOurVolume(pv: PersistentVolume, nodeName: string): boolean {
  if (getAnnotation(pv, ANN_DYNAMICALLY_PROVISIONED) !== LOCAL_PATH_PROVISIONER) return false;
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  return terms.some((t) => (t.matchExpressions ?? []).some((e) => e.key === HOSTNAME_LABEL && e.operator === 'In' && (e.values ?? []).includes(nodeName)));
}

/** A released local-path volume whose class says Delete: its directory and object go. */
export function shouldDelete(pv: PersistentVolume, nodeName: string): boolean {
  return isOurVolume(pv, nodeName) && pv.status?.phase === 'Released' && pv.spec?.persistentVolumeReclaimPolicy === 'Delete';
}

/**
 * The directory a local-path volume may own, or an error: a direct child of the storage dir with
 * a name the provisioner makes. Anything else (a PV edited to point at /etc) is never touched.
 */
export function ownedDir(storageDir: string, pv: PersistentVolume): string | Error {
  const p = volumePath(pv);
  if (!p) return new Error('volume has no hostPath or local path');
  const n = normalize(p);
  if (n !== p || dirname(n) !== normalize(storageDir) || !DIR_NAME.test(basename(n))) return new Error(`path ${JSON.stringify(p)} is not a local-path directory under ${storageDir}`);
  return n;
}
