// Maps etcd3 client errors to StorageError codes the apiserver turns into HTTP statuses.

import { ClientClosedError, isRecoverableError } from 'etcd3';
import { StorageError } from './interface.js';

export function toStorageError(err: unknown, key?: string): StorageError {
  if (err instanceof StorageError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const msg = e.message || e.constructor.name;
  if (/compacted/i.test(msg)) return new StorageError('Gone', `storage: revision compacted: ${msg}`, key);
  if (/future revision/i.test(msg)) return new StorageError('Internal', `storage: revision not yet reached: ${msg}`, key);
  // Connection refused, deadline exceeded, stream reset, no leader...: etcd is not usable right now.
  if (
    isRecoverableError(e) ||
    e instanceof ClientClosedError ||
    /unavailable|ECONNREFUSED|deadline|no leader|leader changed|timed out|connect/i.test(msg)
  ) {
    return new StorageError('Unavailable', `storage: etcd unavailable: ${msg}`, key);
  }
  return new StorageError('Internal', `storage: ${msg}`, key);
}
