// kube-system Secrets read for the bootstrap token authenticator, through the secrets registry
// (its watch cache), so no request reaches etcd for a token lookup.

import { ApiError } from '../errors.js';
import type { Registries } from '../registry/index.js';
import type { SecretGetter } from './bootstrap-token.js';

export function bootstrapSecretGetter(registries: Registries): SecretGetter {
  return async (name) => {
    try {
      return await registries.byResource.get('secrets')!.get('kube-system', name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  };
}
