// The serviceaccount controller (upstream pkg/controller/serviceaccount): a `default`
// ServiceAccount in every active namespace, recreated when deleted.

import type { ServiceAccount } from '../api/authentication.js';
import type { Namespace } from '../api/core.js';
import type { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { PerNamespaceController } from './per-namespace.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export interface ServiceAccountsOptions {
  client: RestClient;
  log?: (m: string) => void;
  namespaceInformer?: Informer<Namespace>;
  serviceAccountInformer?: Informer<ServiceAccount>;
}

export function serviceAccountsController(o: ServiceAccountsOptions): PerNamespaceController<ServiceAccount> {
  return new PerNamespaceController<ServiceAccount>({
    client: o.client,
    name: 'serviceaccount',
    resource: 'serviceaccounts',
    objectName: DEFAULT_SERVICE_ACCOUNT,
    want: (namespace) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } }),
    log: o.log,
    namespaceInformer: o.namespaceInformer,
    objectInformer: o.serviceAccountInformer,
  });
}
