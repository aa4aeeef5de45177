// The bindings `hyperkube token create` makes for joined nodes (`up` makes the proxier one too, cmd/component-rbac.ts): certificate requests for bootstrap token holders (below), and the group system:nodes gets
// system:node-proxier (the proxy on a joined node runs as the node). What a kubelet itself may do
// is the Node authorizer's answer, per node: system:node is deliberately not bound (as upstream
// since 1.8), or RBAC would let every node read every secret.

import type { RestClient } from '../client/rest.js';
import { ApiError } from '../client/errors.js';
import { lookupResource } from '../api/resources.js';
import { BOOTSTRAPPERS_GROUP, NODES_GROUP } from '../api/bootstrap-token.js';

export const NODE_BINDINGS: { name: string; role: string; group?: string }[] = [
  { name: 'tskube:node-proxier', role: 'system:node-proxier' },
  // As kubeadm's kubelet-bootstrap, node-autoapprove-bootstrap and node-autoapprove-certificate-rotation:
  // bootstrap token holders ask for certificates and get node client ones approved; nodes renew their own.
  { name: 'tskube:kubelet-bootstrap', role: 'system:node-bootstrapper', group: BOOTSTRAPPERS_GROUP },
  { name: 'tskube:node-autoapprove-bootstrap', role: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', group: BOOTSTRAPPERS_GROUP },
  { name: 'tskube:node-autoapprove-certificate-rotation', role: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient' },
];

export async function ensureNodeBindings(client: RestClient): Promise<void> {
  const crb = client.resourceFor(lookupResource('clusterrolebindings')!);
  for (const b of NODE_BINDINGS) {
    try {
      await crb.create({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: b.name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: b.role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: b.group ?? NODES_GROUP }],
      } as never);
    } catch (err) {
      if (!(err instanceof ApiError && err.status.code === 409)) throw err;
    }
  }
}
