// The binding `hyperkube token create` makes for joined nodes (`up` makes it too, cmd/component-rbac.ts): the group system:nodes gets
// system:node-proxier (the proxy on a joined node runs as the node). What a kubelet itself may do
// is the Node authorizer's answer, per node: system:node is deliberately not bound (as upstream
// since 1.8), or RBAC would let every node read every secret.

import type { RestClient } from '../client/rest.js';
import { ApiError } from '../client/errors.js';
import { lookupResource } from '../api/resources.js';
import { NODES_GROUP } from '../api/bootstrap-token.js';

export const NODE_BINDINGS: { name: string; role: string }[] = [
  { name: 'tskube:node-proxier', role: 'system:node-proxier' },
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
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: NODES_GROUP }],
      } as never);
    } catch (err) {
      if (!(err instanceof ApiError && err.status.code === 409)) throw err;
    }
  }
}
