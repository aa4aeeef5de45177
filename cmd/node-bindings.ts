// The bindings `hyperkube token create` makes (as kubeadm's init does for its node joins): the
// group system:nodes gets the system:node role (what a kubelet does) and system:node-proxier
// (the proxy on a joined node runs as the node). Upstream grants the first through the Node
// authorizer per node; until that authorizer is here, RBAC grants it to every node.

import type { RestClient } from '../client/rest.js';
import { ApiError } from '../client/errors.js';
import { lookupResource } from '../api/resources.js';
import { NODES_GROUP } from '../api/bootstrap-token.js';

export const NODE_BINDINGS: { name: string; role: string }[] = [
  { name: 'tskube:nodes', role: 'system:node' },
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
