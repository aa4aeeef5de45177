// The ReplicaSet controller: the shared replica manager (replica-manager.ts) run
// for apps/v1 ReplicaSets, whose selector is a LabelSelector (matchLabels and
// matchExpressions).

import type { ReplicaSet } from '../api/apps.js';
import type { Pod } from '../api/core.js';
import { labelSelectorMatcher } from '../api/selectors.js';
import type { Informer } from '../client/informer.js';
import { ReplicaManager, type ReplicaManagerOptions, type ReplicatedKind } from './replica-manager.js';

export const REPLICA_SET_KIND: ReplicatedKind<ReplicaSet> = {
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  resource: 'replicasets',
  queueName: 'replicaset',
  selector: (rs) => labelSelectorMatcher(rs.spec?.selector),
  client: (client, ns) => client.resource<ReplicaSet>('replicasets', ns),
};

export interface ReplicaSetControllerOptions extends Omit<ReplicaManagerOptions<ReplicaSet>, 'ownerInformer'> {
  podInformer?: Informer<Pod>;
  rsInformer?: Informer<ReplicaSet>;
}

export class ReplicaSetController extends ReplicaManager<ReplicaSet> {
  constructor(opts: ReplicaSetControllerOptions) {
    const { rsInformer, ...rest } = opts;
    super(REPLICA_SET_KIND, { ...rest, ...(rsInformer ? { ownerInformer: rsInformer } : {}) });
  }

  get replicaSets(): Informer<ReplicaSet> {
    return this.owners;
  }
}

export async function startReplicaSetController(opts: ReplicaSetControllerOptions): Promise<ReplicaSetController> {
  return new ReplicaSetController(opts).start();
}
