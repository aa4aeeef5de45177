// The kubelet: registers the node, gathers pods from the API (bound to this
// node) and from the static manifest directory, runs one PodWorker per pod,
// relists the runtime (PLEG) to notice container exits, keeps mirror pods
// for static pods, and serves logs/metrics/healthz.
import { mkdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import os from 'node:os';
import type { Pod, Service } from '../api/core.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import { RestClient } from '../client/rest.js';
import { EventRecorder } from '../controllers/events.js';
import type { RuntimeService } from '../runtime/cri.js';
import { createImageService, type ImageService } from '../runtime/images/index.js';
import { createPodNetwork, type PodNetwork } from '../runtime/network/index.js';
import { Runtime } from '../runtime/runtime.js';
import { removeUnrecorded } from '../runtime/orphans.js';
import { admit, nodeAllocatable } from './admission.js';
import { admitSecurity } from './security-admission.js';
import { sysctlAllowlist } from './sysctls.js';
import { A_CONFIG_MIRROR, A_CONFIG_SOURCE, L_CONTAINER_NAME, L_POD_UID } from './labels.js';
import { createMetrics, type KubeletMetrics } from './metrics.js';
import { NodeStatusManager } from './node-status.js';
import { logDirectory } from './container-config.js';
import { PodWorker } from './pod-worker.js';
import { startHealthzServer, startKubeletServer } from './server.js';
import { RuntimeIndex } from './runtime-index.js';
import { StaticPodSource } from './static-pods.js';
import { teardownVolumes } from './volumes.js';

export interface KubeletOptions {
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
  podCIDR?: string;
  bridgeName?: string;
  chainPrefix?: string;
  /** Runtime state (default /run/tskube); the network keeps its state in <stateDir>/network. */
  stateDir?: string;
  logDir?: string;
  imagesRoot?: string;
  containersDir?: string;
  cgroupRoot?: string;
  /** Streaming/metrics server port; 0 = any free port; -1 = no server. Default 10250. */
  port?: number;
  /** Address of that server; default the node's InternalIP (never every address unless asked with 0.0.0.0). */
  address?: string;
  /** Bearer token the kubelet server accepts (the apiserver's credential). */
  serverToken?: string;
  /** Serve HTTPS with this certificate and key (PEM files). */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** CA bundle (PEM file) whose client certificates authenticate to the server (--client-ca-file); needs TLS. */
  clientCAFile?: string;
  /** Open /healthz on its own plain-HTTP listener (--healthz-port): default 10248 (any free port when `port` is 0), 0 = any free port, -1 = none. */
  healthzPort?: number;
  /** Address of the healthz listener (default 127.0.0.1). */
  healthzBindAddress?: string;
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
  maxPods?: number;
  /** --seccomp-default: containers naming no seccomp profile get RuntimeDefault (default false, as Kubernetes). */
  seccompDefault?: boolean;
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

export async function startKubelet(opts: KubeletOptions = {}): Promise<KubeletHandle> {
  const log = opts.log ?? ((m: string) => console.error(`kubelet: ${m}`));
  if (opts.clientCAFile && !(opts.tlsCertFile && opts.tlsKeyFile)) throw new Error('kubelet: a client CA (--client-ca-file) needs a serving certificate (--tls-cert-file, --tls-private-key-file)');
  const nodeName = (opts.nodeName ?? os.hostname()).toLowerCase();
  const rootDir = opts.rootDir ?? '/var/lib/tskube/kubelet';
  const logDir = opts.logDir ?? '/var/log/pods';
  const stateDir = opts.stateDir ?? '/run/tskube';
  // A bad --allowed-unsafe-sysctls pattern stops the kubelet before it does anything (as Kubernetes).
  const sysctls = sysctlAllowlist(opts.allowedUnsafeSysctls ?? []);
  mkdirSync(rootDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const base = opts.client ?? (opts.server ? new RestClient(opts.server) : RestClient.fromKubeconfig(opts.kubeconfig ? { path: opts.kubeconfig } : {}));
  // As Kubernetes' kubelet: pod status writes and events each go through a rate-limited client, so
  // a burst of pods on the node does not crowd out the control plane binding them; the node's
  // heartbeats (status, lease) use the unlimited one, so they are never queued behind a burst.
  const limited = (qps: number, burst: number) => (qps > 0 ? new RestClient(base.connection, { qps, burst }) : base);
  const client = limited(opts.kubeAPIQPS ?? 50, opts.kubeAPIBurst ?? 100);
  const eventClient = limited(opts.eventRecordQPS ?? 50, opts.eventBurst ?? 100);
  const images = opts.images ?? (await createImageService({ root: opts.imagesRoot ?? '/var/lib/tskube/images' }));
  const network = opts.runtime ? opts.network : (opts.network ?? createPodNetwork({ podCIDR: opts.podCIDR ?? '10.244.0.0/24', bridgeName: opts.bridgeName ?? 'cbr0', stateDir: `${stateDir}/network`, ...(opts.chainPrefix ? { chainPrefix: opts.chainPrefix } : {}) }));
  const runtime = opts.runtime ?? new Runtime({ images, ...(network ? { network } : {}), stateDir, containersDir: opts.containersDir ?? '/var/lib/tskube/containers', cgroupRoot: opts.cgroupRoot ?? 'tskube' });
  const metrics = createMetrics();
  const events = new EventRecorder(eventClient, { component: 'kubelet', host: nodeName });

  const nodeStatus = new NodeStatusManager(base, {
    nodeName,
    ...(opts.podCIDR ? { podCIDR: opts.podCIDR } : {}),
    rootDir,
    ...(opts.nodeIP ? { nodeIP: opts.nodeIP } : {}),
    kubeletPort: opts.port && opts.port > 0 ? opts.port : 10250,
    statusIntervalMs: opts.statusIntervalMs ?? 10_000,
    leaseIntervalMs: opts.leaseIntervalMs ?? 10_000,
    leaseDurationSeconds: opts.leaseDurationSeconds ?? 40,
    maxPods: opts.maxPods ?? 110,
    log,
  });
  // The node's image list, refreshed before each status update.
  const refreshImages = async () => {
    nodeStatus.images = (await images.listImages().catch(() => [])).map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size }));
  };
  await refreshImages();
  const imagesTimer = setInterval(() => void refreshImages(), opts.statusIntervalMs ?? 10_000);
  await nodeStatus.start();
  const hostIP = nodeStatus.nodeIP;

  const workers = new Map<string, PodWorker>();
  const alloc = nodeAllocatable();
  const maxPods = opts.maxPods ?? 110;
  const index = new RuntimeIndex();
  // A kubelet killed while it started sandboxes or containers left some with no record: no pod
  // will ever account for them, so remove them now, before any pod worker creates new ones.
  if (runtime instanceof Runtime) {
    const gone = await removeUnrecorded(runtime, network);
    const n = gone.processes.length + gone.cgroups.length + gone.sandboxes.length + gone.containers.length + gone.network.length;
    if (n) log(`removed what no record accounts for: ${gone.processes.length} processes, ${gone.cgroups.length} cgroups, ${gone.sandboxes.length} sandbox and ${gone.containers.length} container dirs, ${gone.network.length} network allocations`);
  }
  await index.refresh(runtime);
  const staticPods = new Map<string, Pod>();
  const podInformer = new Informer<Pod>(client, client.pods(), { fieldSelector: `spec.nodeName=${nodeName}`, onError: (e) => log(`pod informer: ${(e as Error).message}`) });
  const svcInformer = new Informer<Service>(client, client.services(), { onError: (e) => log(`service informer: ${(e as Error).message}`) });
  let stopped = false;

  const isMirror = (p: Pod) => !!p.metadata?.annotations?.[A_CONFIG_MIRROR];
  const isStatic = (p: Pod) => ['file', 'http'].includes(p.metadata?.annotations?.[A_CONFIG_SOURCE] ?? '') && !isMirror(p);

  const deps = {
    runtime,
    images,
    client,
    events,
    nodeName,
    hostIP,
    rootDir,
    logDir,
    backoffBaseMs: opts.backoffBaseMs ?? 10_000,
    backoffMaxMs: opts.backoffMaxMs ?? 300_000,
    seccompDefault: !!opts.seccompDefault,
    podPidsLimit: opts.podPidsLimit ?? 4096,
    metrics,
    log,
    index,
    services(ns: string): Service[] {
      const out = svcInformer.store.listNamespace(ns);
      const k = svcInformer.store.getByName('default', 'kubernetes');
      if (ns !== 'default' && k) out.push(k);
      return out;
    },
    statusTarget(pod: Pod) {
      const m = pod.metadata!;
      if (!isStatic(pod)) return { namespace: m.namespace!, name: m.name! };
      const mirror = podInformer.store.getByName(m.namespace, m.name!);
      return mirror && mirror.metadata?.annotations?.[A_CONFIG_MIRROR] === m.uid && !mirror.metadata.deletionTimestamp ? { namespace: m.namespace!, name: m.name! } : undefined;
    },
    onDone(uid: string) {
      workers.delete(uid);
    },
  };

  const upsert = (pod: Pod) => {
    if (stopped) return;
    const uid = pod.metadata!.uid!;
    const w = workers.get(uid);
    if (w) w.update(pod);
    else {
      const nw = new PodWorker(pod, deps);
      // Admission, for pods not yet running here (a restarted kubelet re-adopts without asking again).
      const adopted = index.containerIds(uid).length > 0 || index.sandboxIds(uid).length > 0;
      const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      const refusal =
        !adopted && !finished && !pod.metadata?.deletionTimestamp
          ? (admitSecurity(pod, sysctls) ?? admit(pod, [...workers.values()].filter((w) => w.active && !w.removedFromSource).map((w) => w.pod), alloc, maxPods))
          : undefined;
      workers.set(uid, nw);
      if (refusal) nw.reject(refusal.reason, refusal.message);
      else nw.kick();
    }
  };

  podInformer.on('add', (p) => {
    if (isMirror(p)) return mirrorChanged(p);
    upsert(p);
  });
  podInformer.on('update', (_o, p) => {
    if (isMirror(p)) return mirrorChanged(p);
    upsert(p);
  });
  podInformer.on('delete', (p) => {
    if (isMirror(p)) return void syncMirrors();
    workers.get(p.metadata!.uid!)?.remove();
  });

  // ---------------------------------------------------------------- static pods and mirrors
  function mirrorChanged(mirror: Pod): void {
    const uid = mirror.metadata!.annotations![A_CONFIG_MIRROR]!;
    const w = workers.get(uid);
    if (w && staticPods.has(uid) && !mirror.metadata?.deletionTimestamp) {
      w.resetSent();
      w.kick();
    } else void syncMirrors();
  }

  let mirrorBusy = false;
  async function syncMirrors(): Promise<void> {
    if (mirrorBusy || stopped || !podInformer.hasSynced()) return;
    mirrorBusy = true;
    try {
      const pods = client.pods();
      const wanted = new Map([...staticPods.values()].map((p) => [`${p.metadata!.namespace}/${p.metadata!.name}`, p]));
      for (const m of podInformer.store.list().filter(isMirror)) {
        const key = `${m.metadata!.namespace}/${m.metadata!.name}`;
        const want = wanted.get(key);
        // Stale (file changed or removed) or deleted by a user: remove now, recreate below.
        if (!want || want.metadata!.uid !== m.metadata!.annotations![A_CONFIG_MIRROR] || m.metadata!.deletionTimestamp) {
          await pods.inNamespace(m.metadata!.namespace).delete(m.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: m.metadata!.uid! } }).catch((e) => {
            if (!isNotFound(e) && !isConflict(e)) log(`mirror pod ${key}: ${(e as Error).message}`);
          });
          if (want) wanted.set(key, want);
          continue;
        }
        wanted.delete(key);
      }
      for (const [key, p] of wanted) {
        const cur = podInformer.store.getByName(p.metadata!.namespace, p.metadata!.name!);
        if (cur && cur.metadata?.annotations?.[A_CONFIG_MIRROR] === p.metadata!.uid && !cur.metadata.deletionTimestamp) continue;
        const { uid, creationTimestamp, resourceVersion, ...meta } = p.metadata!;
        void creationTimestamp;
        void resourceVersion;
        const mirror: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...meta, annotations: { ...(meta.annotations ?? {}), [A_CONFIG_MIRROR]: uid! } }, spec: p.spec! };
        await pods.inNamespace(p.metadata!.namespace).create(mirror).catch((e) => {
          if (!isAlreadyExists(e)) log(`mirror pod ${key}: ${(e as Error).message}`);
        });
      }
    } finally {
      mirrorBusy = false;
    }
  }

  const staticSource = opts.podManifestPath || opts.manifestUrl
    ? new StaticPodSource({
        ...(opts.podManifestPath ? { dir: opts.podManifestPath } : {}),
        ...(opts.manifestUrl ? { url: opts.manifestUrl } : {}),
        nodeName,
        pollMs: opts.staticPollMs ?? 1000,
        log,
        onChange(pods) {
          const now = new Set(pods.map((p) => p.metadata!.uid!));
          for (const [uid] of staticPods) if (!now.has(uid)) {
            staticPods.delete(uid);
            workers.get(uid)?.remove();
          }
          for (const p of pods) if (!staticPods.has(p.metadata!.uid!)) {
            staticPods.set(p.metadata!.uid!, p);
            upsert(p);
          }
          void syncMirrors();
        },
      })
    : undefined;

  // ---------------------------------------------------------------- start
  await Promise.all([podInformer.start(), svcInformer.start()]);
  staticSource?.start();
  await reconcileOrphans();
  await syncMirrors();

  /** Tear down runtime pods that no source wants (deleted from the API while the kubelet was down). */
  async function reconcileOrphans(): Promise<void> {
    const sbs = await runtime.listPodSandbox();
    const orphanUids = new Set<string>();
    for (const s of sbs) {
      const uid = s.labels[L_POD_UID];
      if (uid && !workers.has(uid)) orphanUids.add(uid);
    }
    for (const c of await runtime.listContainers()) {
      const uid = c.labels[L_POD_UID];
      if (uid && !workers.has(uid)) orphanUids.add(uid);
    }
    for (const uid of orphanUids) {
      log(`tearing down pod ${uid}: no longer in any source`);
      for (const c of await runtime.listContainers({ labelSelector: { [L_POD_UID]: uid } })) {
        if (c.state === 'CONTAINER_RUNNING') await runtime.stopContainer(c.id, 0).catch(() => undefined);
        await runtime.removeContainer(c.id).catch(() => undefined);
      }
      for (const s of sbs.filter((x) => x.labels[L_POD_UID] === uid)) {
        await runtime.stopPodSandbox(s.id).catch(() => undefined);
        await runtime.removePodSandbox(s.id).catch(() => undefined);
      }
      await teardownVolumes(rootDir, uid).catch(() => undefined);
      index.forget(uid);
    }
    // Volume directories (tmpfs emptyDirs, projected files) of pods no source wants and nothing runs for.
    for (const uid of await readdir(join(rootDir, 'pods')).catch(() => [] as string[])) {
      if (workers.has(uid) || orphanUids.has(uid)) continue;
      log(`removing volumes of pod ${uid}: no longer in any source`);
      await teardownVolumes(rootDir, uid).catch(() => undefined);
    }
  }

  // PLEG: one relist for all pods; a worker is kicked when its containers changed.
  const signatures = new Map<string, string>();
  let relisting = false;
  const relist = async () => {
    if (relisting || stopped) return;
    relisting = true;
    const end = metrics.relistDuration.startTimer();
    try {
      const byUid = new Map<string, string[]>();
      let runningContainers = 0;
      const all = await index.refresh(runtime);
      for (const c of all.containers) {
        const uid = c.labels[L_POD_UID];
        if (!uid) continue;
        if (c.state === 'CONTAINER_RUNNING') runningContainers++;
        (byUid.get(uid) ?? byUid.set(uid, []).get(uid)!).push(`${c.labels[L_CONTAINER_NAME]}:${c.id.slice(0, 12)}:${c.state}`);
      }
      metrics.runningContainers.set({ container_state: 'running' }, runningContainers);
      metrics.runningPods.set(all.sandboxes.filter((s) => s.state === 'SANDBOX_READY').length);
      for (const [uid, w] of workers) {
        const sig = (byUid.get(uid) ?? []).sort().join(',');
        if (signatures.get(uid) !== sig) {
          signatures.set(uid, sig);
          w.kick();
        }
      }
      for (const uid of signatures.keys()) if (!workers.has(uid)) signatures.delete(uid);
    } catch (e) {
      log(`relist: ${(e as Error).message}`);
    } finally {
      end();
      relisting = false;
    }
  };
  const relistTimer = setInterval(() => void relist(), opts.relistMs ?? 1000);
  // A periodic sync of every pod, as the kubelet's sync frequency: a safety net for anything no event reported.
  const resyncTimer = setInterval(() => {
    for (const w of workers.values()) w.kick();
  }, opts.resyncMs ?? 10_000);
  const mirrorTimer = setInterval(() => void syncMirrors(), opts.staticPollMs ?? 1000);

  const findPod = (ns: string, name: string): Pod | undefined => {
    for (const w of workers.values()) if (w.pod.metadata?.namespace === ns && w.pod.metadata?.name === name) return w.pod;
    return undefined;
  };
  const server =
    opts.port === -1
      ? undefined
      : await startKubeletServer(
          {
            findPod,
            podLogDir: (p) => logDirectory(logDir, p),
            async containerRunning(pod, container) {
              const cs = await runtime.listContainers({ labelSelector: { [L_POD_UID]: pod.metadata!.uid!, [L_CONTAINER_NAME]: container } });
              const newest = cs.sort((a, b) => (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0))[0];
              return newest?.state === 'CONTAINER_RUNNING';
            },
            runtime,
            async runningContainer(pod, container) {
              const cs = await runtime.listContainers({ labelSelector: { [L_POD_UID]: pod.metadata!.uid!, [L_CONTAINER_NAME]: container }, state: 'CONTAINER_RUNNING' });
              return cs.sort((a, b) => (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0))[0]?.id;
            },
            async readySandbox(pod) {
              return (await runtime.listPodSandbox({ labelSelector: { [L_POD_UID]: pod.metadata!.uid! }, state: 'SANDBOX_READY' }))[0]?.id;
            },
            metrics,
            healthy: () => !stopped,
            pods: () => [...workers.values()].map((w) => w.pod),
          },
          opts.port ?? 10250,
          // The node's address only: pods and other machines have no business on every address of it.
          opts.address ?? hostIP,
          {
            ...(opts.serverToken ? { token: opts.serverToken } : {}),
            ...(opts.tlsCertFile && opts.tlsKeyFile ? { tls: { cert: readFileSync(opts.tlsCertFile), key: readFileSync(opts.tlsKeyFile) } } : {}),
            ...(opts.clientCAFile ? { clientCA: readFileSync(opts.clientCAFile) } : {}),
          },
        );
  const healthzPort = opts.healthzPort ?? (opts.port === 0 ? 0 : 10248);
  const healthz = healthzPort < 0 ? undefined : await startHealthzServer(() => !stopped, healthzPort, opts.healthzBindAddress ?? '127.0.0.1').catch(async (e) => {
    await server?.close();
    throw e;
  });
  if (healthz) log(`healthz on http://${opts.healthzBindAddress ?? '127.0.0.1'}:${healthz.port}/healthz`);

  if (server) await nodeStatus.setKubeletPort(server.port).catch((e) => log(`node status: ${(e as Error).message}`));

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
      clearInterval(relistTimer);
      clearInterval(resyncTimer);
      clearInterval(imagesTimer);
      clearInterval(mirrorTimer);
      staticSource?.stop();
      nodeStatus.stop();
      await Promise.all([podInformer.stop(), svcInformer.stop()]);
      for (const w of workers.values()) w.detach();
      await Promise.all([...workers.values()].map((w) => w.idle()));
      await server?.close();
      await healthz?.close();
      // Events still waiting on the rate limit are not worth holding up a stop for long.
      await Promise.race([events.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      for (const c of new Set([client, eventClient])) if (c !== base) c.close();
    },
  };
}
