// The root-ca-cert-publisher controller (upstream pkg/controller/certificates/rootcacertpublisher):
// ConfigMap `kube-root-ca.crt` with the cluster CA (key ca.crt) in every active namespace, put back
// when deleted or changed. Pods' projected service-account volumes read it.

import type { ConfigMap, Namespace } from '../api/core.js';
import type { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { PerNamespaceController } from './per-namespace.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCAPublisherOptions {
  client: RestClient;
  /** The cluster CA certificate(s), PEM. */
  rootCA: string;
  log?: (m: string) => void;
  namespaceInformer?: Informer<Namespace>;
  configMapInformer?: Informer<ConfigMap>;
}

export function rootCAPublisher(o: RootCAPublisherOptions): PerNamespaceController<ConfigMap> {
  return new PerNamespaceController<ConfigMap>({
    client: o.client,
    name: 'root_ca_cert_publisher',
    resource: 'configmaps',
    objectName: ROOT_CA_CONFIGMAP,
    want: (namespace) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': DESCRIPTION } },
      data: { 'ca.crt': o.rootCA },
    }),
    differs: (have, want) => have.data?.['ca.crt'] !== want.data?.['ca.crt'] || Object.keys(have.data ?? {}).length !== 1 || !!have.binaryData,
    log: o.log,
    namespaceInformer: o.namespaceInformer,
    objectInformer: o.configMapInformer,
  });
}
