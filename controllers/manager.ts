// The controller manager as a library: every controller of this folder on one
// set of shared informers, started together and stopped together. No leader
// election (one machine); a restart is safe because every controller starts
// from a fresh list (expectations start empty, the list is the truth).

import type { Deployment, ReplicaSet } from '../api/apps.js';
import type { Namespace, Node, Pod, ReplicationController, Service } from '../api/core.js';
import type { RestClient } from '../client/rest.js';
import { EndpointsController } from './endpoints.js';
import { EventRecorder } from '../client/events.js';
import { startEventTTLCleaner } from './event-ttl.js';
import { GarbageCollector } from './garbage-collector.js';
import { InformerFactory } from './informers.js';
import { NamespaceController } from './namespace.js';
import { NodeLifecycleController } from './node-lifecycle.js';
import { PodGCController } from './podgc.js';
import { ReplicationManager } from './replication.js';
import { ReplicaSetController } from './replicaset.js';
import { DeploymentController } from './deployment.js';

export const ALL_CONTROLLERS = ['replication', 'replicaset', 'deployment', 'endpoints', 'nodelifecycle', 'garbagecollector', 'namespace', 'eventttl', 'podgc'] as const;
export type ControllerName = (typeof ALL_CONTROLLERS)[number];

export interface ControllerManagerOptions {
  client: RestClient;
  /** Which controllers to run (default all); Kubernetes' --controllers. */
  controllers?: readonly ControllerName[];
  /** --concurrent-rc-syncs (5). */
  concurrentRcSyncs?: number;
  /** --concurrent-replicaset-syncs (5). */
  concurrentReplicaSetSyncs?: number;
  /** --concurrent-deployment-syncs (5). */
  concurrentDeploymentSyncs?: number;
  /** --concurrent-endpoint-syncs (5). */
  concurrentEndpointSyncs?: number;
  /** --concurrent-gc-syncs (20). */
  concurrentGcSyncs?: number;
  /** --concurrent-namespace-syncs (10). */
  concurrentNamespaceSyncs?: number;
  /** Most pods an RC creates or deletes per sync (500). */
  burstReplicas?: number;
  /** --node-monitor-period (5 s). */
  nodeMonitorPeriodMs?: number;
  /** --node-monitor-grace-period (40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** --node-startup-grace-period (60 s). */
  nodeStartupGracePeriodMs?: number;
  /** --pod-eviction-timeout: the default NoExecute toleration for not-ready/unreachable (300 s). */
  podEvictionTimeoutMs?: number;
  /** --terminated-pod-gc-threshold (12500; 0 keeps every terminated pod). */
  terminatedPodGCThreshold?: number;
  /** How often PodGC looks (20 s) and how long a missing node is quarantined before a GET (40 s). */
  podGCPeriodMs?: number;
  podGCQuarantineMs?: number;
  /** --event-ttl (1 h), and how often the cleaner looks (1 min). */
  eventTTLMs?: number;
  eventTTLPeriodMs?: number;
  /** Emit Events (SuccessfulCreate, NodeNotReady, ...) (default true). */
  recordEvents?: boolean;
  log?: (m: string) => void;
}

export interface ControllerManager {
  readonly replication?: ReplicationManager;
  readonly replicaSet?: ReplicaSetController;
  readonly deployment?: DeploymentController;
  readonly endpoints?: EndpointsController;
  readonly nodeLifecycle?: NodeLifecycleController;
  readonly garbageCollector?: GarbageCollector;
  readonly namespace?: NamespaceController;
  readonly podGC?: PodGCController;
  stop(): Promise<void>;
}

export async function startControllerManager(opts: ControllerManagerOptions): Promise<ControllerManager> {
  const log = opts.log ?? ((m: string) => console.error(m));
  const enabled = new Set<ControllerName>(opts.controllers ?? ALL_CONTROLLERS);
  const client = opts.client;
  const factory = new InformerFactory(client, (err) => log(`informer: ${err instanceof Error ? err.message : String(err)}`));
  // Kubernetes reports each controller's events under its own component name.
  const recorders: EventRecorder[] = [];
  const recorderFor = (component: string) => {
    if (opts.recordEvents === false) return undefined;
    const r = new EventRecorder(client, { component, log });
    recorders.push(r);
    return r;
  };
  const pods = () => factory.get<Pod>('pods');

  const replication = enabled.has('replication')
    ? new ReplicationManager({ client, workers: opts.concurrentRcSyncs ?? 5, burstReplicas: opts.burstReplicas, recorder: recorderFor('replication-controller'), log, podInformer: pods(), rcInformer: factory.get<ReplicationController>('replicationcontrollers') })
    : undefined;
  const replicaSets = () => factory.get<ReplicaSet>('replicasets');
  const replicaSet = enabled.has('replicaset')
    ? new ReplicaSetController({ client, workers: opts.concurrentReplicaSetSyncs ?? 5, burstReplicas: opts.burstReplicas, recorder: recorderFor('replicaset-controller'), log, podInformer: pods(), rsInformer: replicaSets() })
    : undefined;
  const deployment = enabled.has('deployment')
    ? new DeploymentController({ client, workers: opts.concurrentDeploymentSyncs ?? 5, recorder: recorderFor('deployment-controller'), log, podInformer: pods(), rsInformer: replicaSets(), deploymentInformer: factory.get<Deployment>('deployments') })
    : undefined;
  const endpoints = enabled.has('endpoints') ? new EndpointsController({ client, workers: opts.concurrentEndpointSyncs ?? 5, log, podInformer: pods(), serviceInformer: factory.get<Service>('services') }) : undefined;
  const nodeLifecycle = enabled.has('nodelifecycle')
    ? new NodeLifecycleController({
        client,
        nodeMonitorPeriodMs: opts.nodeMonitorPeriodMs,
        nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs,
        nodeStartupGracePeriodMs: opts.nodeStartupGracePeriodMs,
        defaultTolerationSeconds: opts.podEvictionTimeoutMs !== undefined ? opts.podEvictionTimeoutMs / 1000 : undefined,
        recorder: recorderFor('node-controller'),
        log,
        podInformer: pods(),
        nodeInformer: factory.get<Node>('nodes'),
      })
    : undefined;
  const garbageCollector = enabled.has('garbagecollector') ? new GarbageCollector({ client, informers: factory, workers: opts.concurrentGcSyncs ?? 20, log }) : undefined;
  const namespace = enabled.has('namespace') ? new NamespaceController({ client, workers: opts.concurrentNamespaceSyncs ?? 10, log, namespaceInformer: factory.get<Namespace>('namespaces') }) : undefined;
  const podGC = enabled.has('podgc')
    ? new PodGCController({ client, terminatedPodThreshold: opts.terminatedPodGCThreshold, gcCheckPeriodMs: opts.podGCPeriodMs, quarantineMs: opts.podGCQuarantineMs, log, podInformer: pods(), nodeInformer: factory.get<Node>('nodes') })
    : undefined;

  const started: { stop(): Promise<void> }[] = [];
  try {
    // Every cache is filled before any controller acts on it.
    await factory.start();
    for (const c of [replication, replicaSet, deployment, endpoints, nodeLifecycle, garbageCollector, namespace, podGC]) {
      if (!c) continue;
      await c.start();
      started.push(c);
    }
    if (enabled.has('eventttl')) started.push(startEventTTLCleaner(client, { ttlMs: opts.eventTTLMs, periodMs: opts.eventTTLPeriodMs, log }));
  } catch (err) {
    await Promise.all(started.map((c) => c.stop()));
    await factory.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    replication,
    replicaSet,
    deployment,
    endpoints,
    nodeLifecycle,
    garbageCollector,
    namespace,
    podGC,
    stop() {
      stopping ??= (async () => {
        await Promise.all(started.map((c) => c.stop()));
        await factory.stop();
        await Promise.all(recorders.map((r) => r.close()));
      })();
      return stopping;
    },
  };
}
