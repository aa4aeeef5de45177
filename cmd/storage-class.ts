// The default StorageClass `up` ships, as k3s does: `local-path`, served by the
// kubelet's rancher.io/local-path provisioner, marked default, binding on first
// consumer, reclaim Delete. Created once, only when absent: an admin's edits or
// deletion of the default annotation survive restarts.

import type { StorageClass } from '../api/storage.js';
import { DEFAULT_STORAGE_CLASS_ANNOTATION } from '../api/storage.js';
import { isAlreadyExists, isNotFound } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';

export const LOCAL_PATH_STORAGE_CLASS: StorageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { [DEFAULT_STORAGE_CLASS_ANNOTATION]: 'true' } },
  provisioner: 'rancher.io/local-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

/** Create the local-path StorageClass unless one of that name exists; says whether it was made. */
export async function ensureLocalPathStorageClass(client: RestClient): Promise<boolean> {
  const classes = client.resource<StorageClass>('storageclasses');
  try {
    await classes.get('local-path');
    return false;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  try {
    await classes.create(structuredClone(LOCAL_PATH_STORAGE_CLASS));
    return true;
  } catch (e) {
    if (isAlreadyExists(e)) return false;
    throw e;
  }
}
