// The kubelet: registers the node, gathers pods from the API (bound to this
// node) and from the static manifest directory, runs one PodWorker per pod,
// relists the runtime (PLEG) to notice container exits, keeps mirror pods
// for static pods, and serves logs/metrics/healthz.
import { join } from 'node:path';
import { nodeKeyring } from './pull-secrets.js';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import type { Pod, Service } from '../api/core.js';
import { WatchedObjects } from './watched-objects.js';
import { TokenManager, apiTokenRequester } from './token-manager.js';
import { Informer } from '../client/informer.js';
import { RestClient } from '../client/rest.js';
import { EventRecorder } from '../client/events.js';
import type { RuntimeService } from '../runtime/cri.js';
import type { ImageService } from '../runtime/images/index.js';
import type { PodNetwork } from '../runtime/network/index.js';
import { A_CONFIG_MIRROR } from './labels.js';
import { kubeletClients } from './kubelet-clients.js';
import { LOCAL_PATH_PROVISIONER } from './local-path-volumes.js';
import { LocalPathProvisioner } from './local-path-provisioner.js';
import { startServers, type ServerOptions } from './kubelet-servers.js';
import { SummaryProvider } from './summary.js';
import { createMetrics, type KubeletMetrics } from './metrics.js';
import { isMirror, MirrorPods } from './mirror-pods.js';
import { NodeStatusManager } from './node-status.js';
import { NodeRoutes } from './node-routes.js';
import { reconcileOrphans } from './orphan-pods.js';
import { Pleg } from './pleg.js';
import { PodDispatch } from './pod-dispatch.js';
import { RuntimeIndex } from './runtime-index.js';
import { buildRuntimeParts, sweepUnrecorded } from './runtime-setup.js';
import { StaticPodSource } from './static-pods.js';
import { sysctlAllowlist } from './sysctls.js';
import { nodeResources, startReclaim, type NodeResources } from './node-reclaim.js';

export interface KubeletOptions extends ServerOptions {
  /** API client, or a server URL / kubeconfig path to build one. */
  client?: RestClient;
  server?: string;
  kubeconfig?: string;
  nodeName?: string;
  nodeIP?: string;
  podManifestPath?: string;
  /** Static pods served at a URL (polled every staticPollMs). */
  manifestUrl?: string;
  rootDir?: string;
  /** Run the local-path provisioner (rancher.io/local-path) with its volumes in this directory; off when absent. */
  localPathDir?: string;
  /**
   * The provisioner's own credentials (a client, or a kubeconfig path): it creates and deletes
   * PersistentVolumes, which a node's identity may not. Without them it uses the kubelet's.
   */
  localPathClient?: RestClient;
  localPathKubeconfig?: string;
  podCIDR?: string;
  /** The cluster's pod network: pod traffic to it keeps pod IPs (nodes route to each other's pod CIDRs). */
  clusterCIDR?: string;
  bridgeName?: string;
  chainPrefix?: string;
  /** Runtime state (default /run/tskube); the network keeps its state in <stateDir>/network. */
  stateDir?: string;
  logDir?: string;
  imagesRoot?: string;
  containersDir?: string;
  cgroupRoot?: string;
  /** Injected runtime pieces (tests); built from the paths above when absent. */
  runtime?: RuntimeService;
  images?: ImageService;
  network?: PodNetwork;
  statusIntervalMs?: number;
  leaseIntervalMs?: number;
  leaseDurationSeconds?: number;
  relistMs?: number;
  /** Every pod is synced at least this often (default 10 s). */
  resyncMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  staticPollMs?: number;
  /** How often the Summary API's background CPU samples are taken (default 10 s, cadvisor's housekeeping order). */
  statsSampleMs?: number;
  maxPods?: number;
  /** --seccomp-default: containers naming no seccomp profile get RuntimeDefault (default false, as Kubernetes). */
  seccompDefault?: boolean;
  /** A docker config.json of registry credentials for every pull, after pods' pull secrets
   *  (default <rootDir>/config.json, as upstream's kubelet reads from its root dir). */
  imageCredentialsFile?: string;
  /** --cluster-dns: the cluster DNS server IPs pods with ClusterFirst get (none: they get the host's resolv.conf). */
  clusterDNS?: string[];
  /** --cluster-domain (default cluster.local). */
  clusterDomain?: string;
  /** --resolv-conf: the host resolver config for dnsPolicy Default and the search list's tail (default /etc/resolv.conf). */
  resolvConf?: string;
  /** --pod-pids-limit: most processes/threads per pod (its cgroup's pids.max); default 4096, 0 or -1: unlimited. */
  podPidsLimit?: number;
  /** --allowed-unsafe-sysctls: sysctls (or prefixes ending in '*') allowed beyond the safe set. */
  allowedUnsafeSysctls?: string[];
  /** Client-side limits of the kubelet's API calls (Kubernetes' --kube-api-qps 50, --kube-api-burst 100; 0: none). */
  kubeAPIQPS?: number;
  kubeAPIBurst?: number;
  /** The same for the events it records (--event-qps 50, --event-burst 100; 0: none). */
  eventRecordQPS?: number;
  eventBurst?: number;
  /** --eviction-hard (undefined: upstream's defaults; "" none), --eviction-soft, --eviction-soft-grace-period, --eviction-minimum-reclaim. */
  evictionHard?: string;
  evictionSoft?: string;
  evictionSoftGracePeriod?: string;
  evictionMinimumReclaim?: string;
  /** --eviction-pressure-transition-period (default 5 min). */
  evictionPressureTransitionPeriodMs?: number;
  /** --eviction-max-pod-grace-period in seconds (default 0: the pod's own). */
  evictionMaxPodGracePeriod?: number;
  /** --system-reserved / --kube-reserved: "cpu=100m,memory=1Gi,ephemeral-storage=1Gi,pid=100". */
  systemReserved?: string;
  kubeReserved?: string;
  /** --enforce-node-allocatable (default ["pods"]; "none" or []: allocatableMemory.available is not watched). */
  enforceNodeAllocatable?: string[];
  /** --image-gc-high-threshold / --image-gc-low-threshold (85 / 80 percent) and --image-minimum-gc-age (2 min). */
  imageGCHighThresholdPercent?: number;
  imageGCLowThresholdPercent?: number;
  imageMinimumGCAgeMs?: number;
  /** --maximum-dead-containers-per-container (1) and --minimum-container-ttl-duration (0). */
  maximumDeadContainersPerContainer?: number;
  minimumContainerTTLDurationMs?: number;
  /** --housekeeping-interval: how often the eviction manager looks (default 10 s). */
  housekeepingIntervalMs?: number;
  /** Program routes to the other nodes' pod CIDRs via their InternalIPs (host-gw), tagged with this route protocol number. */
  nodeRoutes?: { protocol?: number };
  log?: (m: string) => void;
}

export interface KubeletHandle {
  nodeName: string;
  /** Port of the kubelet server (0 when disabled). */
  port: number;
  /** Port of the loopback /healthz listener (0 when disabled). */
  healthzPort: number;
  runtime: RuntimeService;
  images: ImageService;
  network: PodNetwork | undefined;
  metrics: KubeletMetrics;
  /** Stops the kubelet; running pods are left as they are (a restart re-adopts them). */
  stop(): Promise<void>;
}

/** The node's status manager, with the image list refreshed before each status update. */
async function startNodeStatus(base: RestClient, images: ImageService, o: KubeletOptions & { nodeName: string; rootDir: string; log: (m: string) => void; node: NodeResources }): Promise<{ nodeStatus: NodeStatusManager; stop(): void }> {
  const nodeStatus = new NodeStatusManager(base, {
    allocatable: (cap) => o.node.allocatable(cap),
    pressure: () => o.node.pressure(),
    nodeName: o.nodeName,
    ...(o.podCIDR ? { podCIDR: o.podCIDR } : {}),
    rootDir: o.rootDir,
    ...(o.nodeIP ? { nodeIP: o.nodeIP } : {}),
    kubeletPort: o.port && o.port > 0 ? o.port : 10250,
    statusIntervalMs: o.statusIntervalMs ?? 10_000,
    leaseIntervalMs: o.leaseIntervalMs ?? 10_000,
    leaseDurationSeconds: o.leaseDurationSeconds ?? 40,
    maxPods: o.maxPods ?? 110,
    log: o.log,
  });
  const refreshImages = async () => {
    try {
      nodeStatus.images = (await images.listImages()).map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size }));
    } catch (e) {
      // The last list stays; the next refresh (statusIntervalMs) tries again.
      o.log(`image list: ${(e as Error).message}`);
    }
  };
  await refreshImages();
  const timer = setInterval(() => void refreshImages(), o.statusIntervalMs ?? 10_000);
  await nodeStatus.start();
  return { nodeStatus, stop: () => (clearInterval(timer), nodeStatus.stop()) };
}

/** The static pod source (manifest directory or URL), if one is configured. */
function staticPodSource(opts: KubeletOptions, nodeName: string, staticPods: Map<string, Pod>, dispatch: PodDispatch, mirrors: MirrorPods, log: (m: string) => void): StaticPodSource | undefined {
  if (!opts.podManifestPath && !opts.manifestUrl) return undefined;
  return new StaticPodSource({
    ...(opts.podManifestPath ? { dir: opts.podManifestPath } : {}),
    ...(opts.manifestUrl ? { url: opts.manifestUrl } : {}),
    nodeName,
    pollMs: opts.staticPollMs ?? 1000,
    log,
    onChange(pods) {
      const now = new Set(pods.map((p) => p.metadata.uid!));
      for (const [uid] of staticPods) if (!now.has(uid)) {
        staticPods.delete(uid);
        dispatch.remove(uid);
      }
      for (const p of pods) if (!staticPods.has(p.metadata.uid!)) {
        staticPods.set(p.metadata.uid!, p);
        dispatch.upsert(p);
      }
      void mirrors.sync();
    },
  });
}

/** Pods bound to this node from the API into the workers; mirror pods to the mirror manager. */
function wirePodInformer(podInformer: Informer<Pod>, dispatch: PodDispatch, staticPods: Map<string, Pod>, mirrors: MirrorPods): void {
  const mirrorChanged = (mirror: Pod) => {
    const uid = mirror.metadata.annotations![A_CONFIG_MIRROR];
    const w = dispatch.workers.get(uid);
    if (w && staticPods.has(uid) && !mirror.metadata?.deletionTimestamp) {
      w.resetSent();
      w.kick();
    } else void mirrors.sync();
  };
  podInformer.on('add', (p) => (isMirror(p) ? mirrorChanged(p) : dispatch.upsert(p)));
  podInformer.on('update', (_o, p) => (isMirror(p) ? mirrorChanged(p) : dispatch.upsert(p)));
  podInformer.on('delete', (p) => (isMirror(p) ? void mirrors.sync() : dispatch.remove(p.metadata.uid!)));
}

/** Orphan teardown now, and again with back-off for pods whose teardown failed. */
function orphanReaper(run: () => Promise<string[]>, log: (m: string) => void, maxMs: number): { first: Promise<void>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let delay = 1000;
  let stopped = false;
  const once = async () => {
    let failed: string[];
    try {
      failed = await run();
    } catch (e) {
      log(`orphan teardown: ${(e as Error).message}`);
      failed = ['(listing failed)'];
    }
    if (failed.length && !stopped) {
      timer = setTimeout(() => void once(), delay);
      delay = Math.min(delay * 2, maxMs);
    }
  };
  return { first: once(), stop: () => ((stopped = true), clearTimeout(timer)) };
}

export async function startKubelet(opts: KubeletOptions = {}): Promise<KubeletHandle> {
  const log = opts.log ?? ((m: string) => console.error(`kubelet: ${m}`));
  if (opts.clientCAFile && !(opts.tlsCertFile && opts.tlsKeyFile)) throw new Error('kubelet: a client CA (--client-ca-file) needs a serving certificate (--tls-cert-file, --tls-private-key-file)');
  const nodeName = (opts.nodeName ?? os.hostname()).toLowerCase();
  const rootDir = opts.rootDir ?? '/var/lib/tskube/kubelet';
  const logDir = opts.logDir ?? '/var/log/pods';
  const stateDir = opts.stateDir ?? '/run/tskube';
  // A bad --allowed-unsafe-sysctls pattern stops the kubelet before it does anything (as Kubernetes).
  const sysctls = sysctlAllowlist(opts.allowedUnsafeSysctls ?? []);
  const node = nodeResources(opts);
  mkdirSync(rootDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const clients = kubeletClients(opts);
  const { client } = clients;
  const parts = await buildRuntimeParts(opts, stateDir);
  const { images, network, runtime } = parts;
  const metrics = createMetrics();
  const events = new EventRecorder(clients.eventClient, { component: 'kubelet', host: nodeName });
  const status = await startNodeStatus(clients.base, images, { ...opts, nodeName, rootDir, log, node });
  const hostIP = status.nodeStatus.nodeIP;

  const index = new RuntimeIndex();
  // Before any pod worker creates anything: what a killed kubelet left with no record goes.
  await sweepUnrecorded(parts, log);
  await index.refresh(runtime);
  const staticPods = new Map<string, Pod>();
  const podInformer = new Informer<Pod>(client, client.pods(), { fieldSelector: `spec.nodeName=${nodeName}`, onError: (e) => log(`pod informer: ${(e as Error).message}`) });
  const svcInformer = new Informer<Service>(client, client.services(), { onError: (e) => log(`service informer: ${(e as Error).message}`) });
  let stopped = false;
  const mirrors = new MirrorPods(client, podInformer, staticPods, log, () => stopped, nodeName);
  const objects = new WatchedObjects(client, log);
  const dispatch = new PodDispatch(
    {
      runtime, images, client, events, nodeName, hostIP, rootDir, logDir, metrics, log, index,
      backoffBaseMs: opts.backoffBaseMs ?? 10_000,
      backoffMaxMs: opts.backoffMaxMs ?? 300_000,
      seccompDefault: !!opts.seccompDefault,
      nodeKeyring: () => nodeKeyring(opts.imageCredentialsFile ?? join(rootDir, 'config.json'), log),
      ...(opts.localPathDir ? { localPathDir: opts.localPathDir } : {}),
      podPidsLimit: opts.podPidsLimit ?? 4096,
      dns: { clusterDNS: opts.clusterDNS ?? [], clusterDomain: opts.clusterDomain ?? 'cluster.local', resolvConf: opts.resolvConf ?? '/etc/resolv.conf' },
      tokens: new TokenManager(apiTokenRequester(client)),
      objects,
      services(ns: string): Service[] {
        const out = svcInformer.store.listNamespace(ns);
        const k = svcInformer.store.getByName('default', 'kubernetes');
        if (ns !== 'default' && k) out.push(k);
        return out;
      },
      statusTarget: (pod) => mirrors.statusTarget(pod),
    },
    index,
    sysctls,
    opts.maxPods ?? 110,
    node.admissionCapacity(),
  );
  wirePodInformer(podInformer, dispatch, staticPods, mirrors);
  const staticSource = staticPodSource(opts, nodeName, staticPods, dispatch, mirrors, log);

  await Promise.all([podInformer.start(), svcInformer.start()]);
  staticSource?.start();
  // Its events come from the provisioner, as upstream's (a component of its own, not the kubelet).
  const ownProvisionerClient = opts.localPathDir && !opts.localPathClient && opts.localPathKubeconfig ? RestClient.fromKubeconfig({ path: opts.localPathKubeconfig }) : undefined;
  const provisionerClient = opts.localPathClient ?? ownProvisionerClient;
  const provisionerEvents = opts.localPathDir ? new EventRecorder(provisionerClient ?? clients.eventClient, { component: LOCAL_PATH_PROVISIONER, host: nodeName }) : undefined;
  const provisioner = opts.localPathDir ? new LocalPathProvisioner({ client: provisionerClient ?? client, nodeName, storageDir: opts.localPathDir, recorder: provisionerEvents, log }) : undefined;
  // Not awaited: pods without claims need none of it, and a slow first list must not hold the node back.
  void provisioner?.start().catch((e) => log(`local-path provisioner: ${(e as Error).message}`));
  // Runtime pods no source wants (deleted from the API while the kubelet was down) are torn down.
  const orphans = orphanReaper(() => reconcileOrphans({ runtime, index, rootDir, log, wanted: (uid) => dispatch.workers.has(uid) }), log, opts.backoffMaxMs ?? 300_000);
  await orphans.first;
  await mirrors.sync();

  const pleg = new Pleg({ runtime, index, metrics, log, workers: () => dispatch.workers });
  pleg.start(opts.relistMs ?? 1000);
  // A periodic sync of every pod, as the kubelet's sync frequency: a safety net for anything no event reported.
  const resyncTimer = setInterval(() => dispatch.kickAll(), opts.resyncMs ?? 10_000);
  const mirrorTimer = setInterval(() => void mirrors.sync(), opts.staticPollMs ?? 1000);

  const summary = new SummaryProvider({ nodeName, runtime, rootDir, logDir, imagesRoot: opts.imagesRoot ?? '/var/lib/tskube/images' });
  const workerPods = () => [...dispatch.workers.values()].map((w) => w.pod);
  // Background samples, as cadvisor's housekeeping: a request then has a window for usageNanoCores.
  const statsTimer = setInterval(() => void summary.collect(workerPods()).catch(() => undefined), opts.statsSampleMs ?? 10_000);
  statsTimer.unref();
  const { server, healthz } = await startServers(opts, {
    runtime, metrics, logDir, hostIP, log,
    summary: () => summary.collect(workerPods()),
    findPod: (ns, name) => dispatch.findPod(ns, name),
    pods: () => [...dispatch.workers.values()].map((w) => w.pod),
    healthy: () => !stopped,
  });
  const reclaim = startReclaim({ opts, runtime, images, index, dispatch, logDir, summary: () => summary.collect(workerPods()), events, nodeName, node, log, nodeStatus: status.nodeStatus });
  const routes = opts.nodeRoutes ? new NodeRoutes({ client, nodeName, protocol: opts.nodeRoutes.protocol, log }) : undefined;
  await routes?.start();
  if (server) await status.nodeStatus.setKubeletPort(server.port).catch((e) => log(`node status: ${(e as Error).message}`));

  return {
    nodeName,
    port: server?.port ?? 0,
    healthzPort: healthz?.port ?? 0,
    runtime,
    images,
    network,
    metrics,
    async stop() {
      stopped = true;
      dispatch.stopped = true;
      pleg.stop();
      orphans.stop();
      clearInterval(resyncTimer);
      clearInterval(statsTimer);
      clearInterval(mirrorTimer);
      reclaim.stop();
      staticSource?.stop();
      status.stop();
      await Promise.all([podInformer.stop(), svcInformer.stop(), objects.stop(), provisioner?.stop(), routes?.stop()]);
      ownProvisionerClient?.close();
      await dispatch.detachAll();
      await server?.close();
      await healthz?.close();
      // Events still waiting on the rate limit are not worth holding up a stop for long; losing them changes nothing the kubelet does.
      await Promise.race([Promise.all([events.close(), provisionerEvents?.close()]).catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      clients.close();
    },
  };
}
