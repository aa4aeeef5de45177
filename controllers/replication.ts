// The ReplicationController manager: the shared replica manager (replica-manager.ts)
// run for core/v1 ReplicationControllers, whose selector is a plain label map.

import type { Pod, ReplicationController } from '../api/core.js';
import { selectorFromSet } from '../api/selectors.js';
import type { Informer } from '../client/informer.js';
import { ReplicaManager, type ReplicaManagerOptions, type ReplicatedKind } from './replica-manager.js';

export { onlyStatusChanged, slowStartBatch, type Controller } from './replica-manager.js';

export const REPLICATION_CONTROLLER_KIND: ReplicatedKind<ReplicationController> = {
  kind: 'ReplicationController',
  apiVersion: 'v1',
  resource: 'replicationcontrollers',
  queueName: 'replication',
  selector: (rc) => selectorFromSet(rc.spec?.selector ?? {}),
  client: (client, ns) => client.replicationControllers(ns),
};

export interface ReplicationManagerOptions extends Omit<ReplicaManagerOptions<ReplicationController>, 'ownerInformer'> {
  podInformer?: Informer<Pod>;
  rcInformer?: Informer<ReplicationController>;
}

export class ReplicationManager extends ReplicaManager<ReplicationController> {
  constructor(opts: ReplicationManagerOptions) {
    const { rcInformer, ...rest } = opts;
    super(REPLICATION_CONTROLLER_KIND, { ...rest, ...(rcInformer ? { ownerInformer: rcInformer } : {}) });
  }

  get rcs(): Informer<ReplicationController> {
    return this.owners;
  }
}

export async function startReplicationManager(opts: ReplicationManagerOptions): Promise<ReplicationManager> {
  return new ReplicationManager(opts).start();
}
