// The controller manager as a library: every controller of this folder on one
// set of shared informers, started together and stopped together. No leader
// election (one machine); a restart is safe because every controller starts
// from a fresh list (expectations start empty, the list is the truth).

import { NodeIpamController } from './node-ipam.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../api/apps.js';
import type { CronJob, Job } from '../api/batch.js';
import type { ConfigMap, Endpoints, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController, Service } from '../api/core.js';
import { lookupResource } from '../api/resources.js';
import type { StorageClass } from '../api/storage.js';
import type { RestClient } from '../client/rest.js';
import { CronJobController } from './cronjob.js';
import { EndpointsController } from './endpoints.js';
import { EndpointSliceController } from './endpointslice.js';
import { EndpointSliceMirroringController } from './endpointslice-mirroring.js';
import type { EndpointSlice } from '../api/discovery.js';
import { EventRecorder } from '../client/events.js';
import { startEventTTLCleaner } from './event-ttl.js';
import { ClusterRoleAggregationController } from './clusterrole-aggregation.js';
import type { ClusterRole } from '../api/rbac.js';
import { GarbageCollector } from './garbage-collector.js';
import { InformerFactory } from './informers.js';
import { JobController } from './job.js';
import { NamespaceController } from './namespace.js';
import { NodeLifecycleController } from './node-lifecycle.js';
import { PersistentVolumeController } from './persistent-volume.js';
import { PodGCController } from './podgc.js';
import { ReplicationManager } from './replication.js';
import { ReplicaSetController } from './replicaset.js';
import { DeploymentController } from './deployment.js';
import { StorageProtectionController } from './storage-protection.js';
import { DaemonSetController } from './daemonset.js';
import { DisruptionController } from './disruption.js';
import type { PodDisruptionBudget } from '../api/policy.js';
import { StatefulSetController } from './statefulset.js';
import { TTLAfterFinishedController } from './ttl-after-finished.js';
import { HPAController } from './hpa.js';
import { ResourceQuotaController } from './resource-quota.js';
import type { ResourceQuota } from '../api/quota.js';
import type { HorizontalPodAutoscaler } from '../api/autoscaling.js';

import { serviceAccountsController } from './serviceaccounts.js';
import { rootCAPublisher } from './root-ca-publisher.js';
import type { PerNamespaceController } from './per-namespace.js';
import type { ServiceAccount } from '../api/authentication.js';
import type { CertificateSigningRequest } from '../api/certificates.js';
import { CSRSigningController, CSR_RESOURCE } from './csr-signing.js';
import { CSRApprovingController } from './csr-approving.js';

export const ALL_CONTROLLERS = ['replication', 'replicaset', 'deployment', 'endpoints', 'nodelifecycle', 'garbagecollector', 'namespace', 'eventttl', 'podgc', 'daemonset', 'statefulset', 'job', 'cronjob', 'ttl-after-finished', 'persistentvolume-binder', 'pvc-protection', 'pv-protection', 'endpointslice', 'endpointslicemirroring', 'horizontalpodautoscaling', 'disruption', 'serviceaccount', 'root-ca-cert-publisher', 'clusterrole-aggregation', 'nodeipam', 'csrsigning', 'csrapproving', 'resourcequota'] as const;
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
  /** --concurrent-daemonset-syncs (2). */
  concurrentDaemonSetSyncs?: number;
  /** --concurrent-statefulset-syncs (5). */
  concurrentStatefulSetSyncs?: number;
  /** --concurrent-job-syncs, --concurrent-cron-job-syncs, --concurrent-ttl-after-finished-syncs (5 each). */
  concurrentJobSyncs?: number;
  concurrentCronJobSyncs?: number;
  concurrentTTLSyncs?: number;
  /** Most pods an RC creates or deletes per sync (500). */
  burstReplicas?: number;
  /** --cluster-cidr with --allocate-node-cidrs: the node IPAM controller gives nodes pod CIDRs from it (unset: it does not run). */
  clusterCIDR?: string;
  /** --node-cidr-mask-size (24). */
  nodeCIDRMaskSize?: number;
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
  /** --horizontal-pod-autoscaler-sync-period (15 s). */
  hpaSyncPeriodMs?: number;
  /** --resource-quota-sync-period: how often every ResourceQuota's usage is recomputed (ms); default 5 minutes. */
  resourceQuotaSyncPeriodMs?: number;
  /** The cluster CA (PEM) root-ca-cert-publisher puts in every namespace (--root-ca-file); without it that controller is skipped. */
  rootCA?: string;
  /** The CA (PEM) csrsigning signs kubelet certificates with (--cluster-signing-cert-file/--cluster-signing-key-file); without it that controller is skipped. */
  clusterSigning?: { cert: string; key: string };
  /** --cluster-signing-duration (8760h): the longest certificate csrsigning issues. */
  clusterSigningDurationMs?: number;
  /** csrapproving also approves a node's own kubelet-serving requests (tskube's choice; default true). */
  kubeletServingAutoApprove?: boolean;
  /** Emit Events (SuccessfulCreate, NodeNotReady, ...) (default true). */
  recordEvents?: boolean;
  log?: (m: string) => void;
}

export interface ControllerManager {
  readonly replication?: ReplicationManager;
  readonly replicaSet?: ReplicaSetController;
  readonly deployment?: DeploymentController;
  readonly endpoints?: EndpointsController;
  readonly endpointSlice?: EndpointSliceController;
  readonly endpointSliceMirroring?: EndpointSliceMirroringController;
  readonly nodeLifecycle?: NodeLifecycleController;
  readonly nodeIpam?: NodeIpamController;
  readonly garbageCollector?: GarbageCollector;
  readonly namespace?: NamespaceController;
  readonly podGC?: PodGCController;
  readonly daemonSet?: DaemonSetController;
  readonly statefulSet?: StatefulSetController;
  readonly persistentVolume?: PersistentVolumeController;
  readonly storageProtection?: StorageProtectionController;
  readonly job?: JobController;
  readonly cronJob?: CronJobController;
  readonly ttlAfterFinished?: TTLAfterFinishedController;
  readonly hpa?: HPAController;
  readonly disruption?: DisruptionController;
  readonly serviceAccounts?: PerNamespaceController<ServiceAccount>;
  readonly rootCAPublisher?: PerNamespaceController<ConfigMap>;
  readonly csrSigning?: CSRSigningController;
  readonly csrApproving?: CSRApprovingController;
  readonly resourceQuota?: ResourceQuotaController;
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
  const endpointSlice = enabled.has('endpointslice')
    ? new EndpointSliceController({ client, workers: opts.concurrentEndpointSyncs ?? 5, log, podInformer: pods(), serviceInformer: factory.get<Service>('services'), sliceInformer: factory.get<EndpointSlice>(lookupResource('endpointslices', 'discovery.k8s.io')!) })
    : undefined;
  const endpointSliceMirroring = enabled.has('endpointslicemirroring')
    ? new EndpointSliceMirroringController({ client, log, serviceInformer: factory.get<Service>('services'), endpointsInformer: factory.get<Endpoints>('endpoints'), sliceInformer: factory.get<EndpointSlice>(lookupResource('endpointslices', 'discovery.k8s.io')!) })
    : undefined;
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
  const claims = () => factory.get<PersistentVolumeClaim>('persistentvolumeclaims');
  const volumes = () => factory.get<PersistentVolume>('persistentvolumes');
  const persistentVolume = enabled.has('persistentvolume-binder')
    ? new PersistentVolumeController({ client, recorder: recorderFor('persistentvolume-controller'), log, claimInformer: claims(), volumeInformer: volumes(), classInformer: factory.get<StorageClass>('storageclasses') })
    : undefined;
  // Upstream's pvc-protection and pv-protection share one controller here, each half on its own name.
  const storageProtection =
    enabled.has('pvc-protection') || enabled.has('pv-protection')
      ? new StorageProtectionController({ client, log, podInformer: pods(), claimInformer: claims(), volumeInformer: volumes(), claims: enabled.has('pvc-protection'), volumes: enabled.has('pv-protection') })
      : undefined;

  // As kube-controller-manager, a controller whose resources the API does not serve is skipped, not fatal.
  const served = (name: ControllerName, ...resources: string[]) => {
    if (!enabled.has(name)) return false;
    const missing = resources.filter((r) => !lookupResource(r, 'apps') && !lookupResource(r, ''));
    if (missing.length) log(`controller-manager: skipping ${name}: ${missing.join(', ')} not served`);
    return missing.length === 0;
  };
  const daemonSet = served('daemonset', 'daemonsets', 'controllerrevisions')
    ? new DaemonSetController({
        client,
        workers: opts.concurrentDaemonSetSyncs ?? 2,
        recorder: recorderFor('daemonset-controller'),
        log,
        podInformer: pods(),
        nodeInformer: factory.get<Node>('nodes'),
        dsInformer: factory.get<DaemonSet>('daemonsets'),
        revisionInformer: factory.get<ControllerRevision>('controllerrevisions'),
      })
    : undefined;
  const statefulSet = served('statefulset', 'statefulsets', 'controllerrevisions')
    ? new StatefulSetController({
        client,
        workers: opts.concurrentStatefulSetSyncs ?? 5,
        recorder: recorderFor('statefulset-controller'),
        log,
        podInformer: pods(),
        setInformer: factory.get<StatefulSet>('statefulsets'),
        revisionInformer: factory.get<ControllerRevision>('controllerrevisions'),
      })
    : undefined;
  const jobs = () => factory.get<Job>('jobs');
  const job = enabled.has('job') ? new JobController({ client, workers: opts.concurrentJobSyncs ?? 5, recorder: recorderFor('job-controller'), log, podInformer: pods(), jobInformer: jobs() }) : undefined;
  const cronJob = enabled.has('cronjob')
    ? new CronJobController({ client, workers: opts.concurrentCronJobSyncs ?? 5, recorder: recorderFor('cronjob-controller'), log, jobInformer: jobs(), cronJobInformer: factory.get<CronJob>('cronjobs') })
    : undefined;
  const hpa = enabled.has('horizontalpodautoscaling')
    ? new HPAController({ client, hpaInformer: factory.get<HorizontalPodAutoscaler>('horizontalpodautoscalers'), syncPeriodMs: opts.hpaSyncPeriodMs, recorder: recorderFor('horizontal-pod-autoscaler'), log })
    : undefined;
  const ttlAfterFinished = enabled.has('ttl-after-finished') ? new TTLAfterFinishedController({ client, workers: opts.concurrentTTLSyncs ?? 5, log, jobInformer: jobs() }) : undefined;
  const namespaces = () => factory.get<Namespace>('namespaces');
  const serviceAccounts = enabled.has('serviceaccount') ? serviceAccountsController({ client, log, namespaceInformer: namespaces(), serviceAccountInformer: factory.get<ServiceAccount>('serviceaccounts') }) : undefined;
  if (enabled.has('root-ca-cert-publisher') && !opts.rootCA) log('controller-manager: skipping root-ca-cert-publisher: no --root-ca-file');
  const rootCA = enabled.has('root-ca-cert-publisher') && opts.rootCA ? rootCAPublisher({ client, rootCA: opts.rootCA, log, namespaceInformer: namespaces(), configMapInformer: factory.get<ConfigMap>('configmaps') }) : undefined;

  const disruption = enabled.has('disruption') && lookupResource('poddisruptionbudgets', 'policy')
    ? new DisruptionController({ client, log, podInformer: pods(), pdbInformer: factory.get<PodDisruptionBudget>('poddisruptionbudgets') })
    : undefined;

  const clusterRoleAggregation = enabled.has('clusterrole-aggregation') ? new ClusterRoleAggregationController({ client, log, informer: factory.get<ClusterRole>('clusterroles') }) : undefined;

  const nodeIpam = enabled.has('nodeipam') && opts.clusterCIDR ? new NodeIpamController({ client, clusterCIDR: opts.clusterCIDR, nodeCIDRMaskSize: opts.nodeCIDRMaskSize, log, nodeInformer: factory.get<Node>('nodes') }) : undefined;

  const csrs = () => factory.get<CertificateSigningRequest>(CSR_RESOURCE);
  if (enabled.has('csrsigning') && !opts.clusterSigning) log('controller-manager: skipping csrsigning: no --cluster-signing-cert-file/--cluster-signing-key-file');
  const csrSigning = enabled.has('csrsigning') && opts.clusterSigning
    ? new CSRSigningController({ client, caCert: opts.clusterSigning.cert, caKey: opts.clusterSigning.key, durationMs: opts.clusterSigningDurationMs, log, csrInformer: csrs() })
    : undefined;
  const csrApproving = enabled.has('csrapproving') ? new CSRApprovingController({ client, kubeletServing: opts.kubeletServingAutoApprove, log, csrInformer: csrs(), nodeInformer: factory.get<Node>('nodes') }) : undefined;

  const resourceQuota = enabled.has('resourcequota') && lookupResource('resourcequotas', '')
    ? new ResourceQuotaController({
        client,
        resyncPeriodMs: opts.resourceQuotaSyncPeriodMs,
        log,
        quotaInformer: factory.get<ResourceQuota>('resourcequotas'),
        podInformer: pods(),
        serviceInformer: factory.get<Service>('services'),
        claimInformer: claims(),
      })
    : undefined;

  const started: { stop(): Promise<void> }[] = [];
  try {
    // Every cache is filled before any controller acts on it.
    await factory.start();
    for (const c of [replication, replicaSet, deployment, endpoints, endpointSlice, endpointSliceMirroring, nodeLifecycle, garbageCollector, namespace, podGC, daemonSet, statefulSet, job, cronJob, ttlAfterFinished, persistentVolume, storageProtection, hpa, disruption, serviceAccounts, rootCA, clusterRoleAggregation, nodeIpam, csrSigning, csrApproving, resourceQuota]) {
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
    endpointSlice,
    endpointSliceMirroring,
    nodeLifecycle,
    garbageCollector,
    namespace,
    podGC,
    daemonSet,
    statefulSet,
    persistentVolume,
    storageProtection,
    job,
    cronJob,
    ttlAfterFinished,
    hpa,
    disruption,
    serviceAccounts,
    rootCAPublisher: rootCA,
    nodeIpam,
    csrSigning,
    csrApproving,
    resourceQuota,
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
