// Wiring of what keeps the node's resources in hand: allocatable from the reservations and
// hard eviction thresholds, the eviction manager, and the periodic image (5 min) and
// container (1 min) garbage collection, as upstream's kubelet runs them.
import os from 'node:os';
import type { Pod } from '../api/core.js';
import type { Summary } from '../api/stats.js';
import type { EventRecorder } from '../client/events.js';
import type { RuntimeService } from '../runtime/cri.js';
import type { ImageService } from '../runtime/images/index.js';
import type { Resources } from './admission.js';
import { allocatable, parseReservation, reservedAbsolute, type Capacity, type Reservation } from './allocatable.js';
import { ContainerGC, DEFAULT_CONTAINER_GC } from './container-gc.js';
import { admitUnderPressure, EvictionManager } from './eviction-manager.js';
import type { PressureCondition } from './eviction-signals.js';
import { parseThresholds, type Threshold } from './eviction-thresholds.js';
import { DEFAULT_IMAGE_GC, ImageGC } from './image-gc.js';
import type { KubeletOptions } from './kubelet.js';
import type { NodeStatusManager } from './node-status.js';
import { statFs } from './node-proc.js';
import type { PodDispatch } from './pod-dispatch.js';
import type { RuntimeIndex } from './runtime-index.js';

const IMAGE_GC_PERIOD_MS = 5 * 60_000;
const CONTAINER_GC_PERIOD_MS = 60_000;
/** How long an eviction waits for the pod to be killed and reported (upstream's podCleanupTimeout). */
const POD_CLEANUP_TIMEOUT_MS = 30_000;

export interface NodeResources {
  thresholds: Threshold[];
  reserved: Reservation[];
  enforcePods: boolean;
  allocatable(cap: Capacity): Capacity;
  /** Admission's view: allocatable CPU and memory of this machine. */
  admissionCapacity(): Resources;
  /** The pods' memory (capacity − reserved) when allocatableMemory.available is watched. */
  podsMemory(): number | undefined;
  pressure(): Set<PressureCondition>;
  /** Set once the eviction manager runs. */
  manager?: EvictionManager;
}

/** Parses the flags (throws on bad input: the kubelet refuses to start, as upstream). */
export function nodeResources(o: KubeletOptions): NodeResources {
  const enforce = o.enforceNodeAllocatable ?? ['pods'];
  for (const e of enforce) if (!['pods', 'system-reserved', 'kube-reserved', 'none'].includes(e)) throw new Error(`kubelet: invalid option ${JSON.stringify(e)} specified for EnforceNodeAllocatable setting`);
  if (enforce.includes('none') && enforce.length > 1) throw new Error('kubelet: --enforce-node-allocatable may not have additional options when "none" is specified');
  const enforcePods = enforce.includes('pods');
  const thresholds = parseThresholds({ hard: o.evictionHard, soft: o.evictionSoft, softGracePeriod: o.evictionSoftGracePeriod, minimumReclaim: o.evictionMinimumReclaim, enforcePods });
  const reserved = [parseReservation('system-reserved', o.systemReserved ?? ''), parseReservation('kube-reserved', o.kubeReserved ?? '')];
  const machine = (): Capacity => ({ milliCPU: os.cpus().length * 1000, memory: Math.floor(os.totalmem() / 1024) * 1024, ephemeralStorage: 0 });
  const r: NodeResources = {
    thresholds,
    reserved,
    enforcePods,
    allocatable: (cap) => allocatable(cap, reserved, thresholds),
    admissionCapacity() {
      const a = allocatable(machine(), reserved, thresholds);
      return { milliCPU: a.milliCPU, memory: a.memory };
    },
    podsMemory: () => (enforcePods ? reservedAbsolute(machine(), reserved).memory : undefined),
    pressure: () => r.manager?.conditions ?? new Set(),
  };
  return r;
}

export interface ReclaimDeps {
  opts: KubeletOptions;
  runtime: RuntimeService;
  images: ImageService;
  index: RuntimeIndex;
  dispatch: PodDispatch;
  logDir: string;
  summary: () => Promise<Summary>;
  events: EventRecorder;
  nodeName: string;
  node: NodeResources;
  nodeStatus: NodeStatusManager;
  log: (m: string) => void;
}

export function startReclaim(d: ReclaimDeps): { stop(): void } {
  const { opts, dispatch } = d;
  const imageGC = new ImageGC({
    runtime: d.runtime,
    images: d.images,
    imageFs: () => statFs(opts.imagesRoot ?? '/var/lib/tskube/images'),
    policy: {
      highThresholdPercent: opts.imageGCHighThresholdPercent ?? DEFAULT_IMAGE_GC.highThresholdPercent,
      lowThresholdPercent: opts.imageGCLowThresholdPercent ?? DEFAULT_IMAGE_GC.lowThresholdPercent,
      minAgeMs: opts.imageMinimumGCAgeMs ?? DEFAULT_IMAGE_GC.minAgeMs,
    },
    log: d.log,
  });
  const containerGC = new ContainerGC({
    runtime: d.runtime,
    logDir: d.logDir,
    policy: { maxPerPodContainer: opts.maximumDeadContainersPerContainer ?? DEFAULT_CONTAINER_GC.maxPerPodContainer, minAgeMs: opts.minimumContainerTTLDurationMs ?? DEFAULT_CONTAINER_GC.minAgeMs },
    podState: (uid) => {
      const w = dispatch.workers.get(uid);
      return !w ? 'gone' : w.active ? 'active' : 'finished';
    },
    removed: (uid, id) => d.index.removeContainer(uid, id),
    log: d.log,
  });
  const nodeRef = { apiVersion: 'v1', kind: 'Node', metadata: { name: d.nodeName, uid: d.nodeName } };
  const manager = new EvictionManager(
    {
      thresholds: d.node.thresholds,
      pressureTransitionMs: opts.evictionPressureTransitionPeriodMs ?? 300_000,
      maxPodGracePeriodSeconds: opts.evictionMaxPodGracePeriod ?? 0,
    },
    {
      summary: d.summary,
      activePods: () => [...dispatch.workers.values()].filter((w) => w.active && !w.removedFromSource && !w.pod.metadata?.deletionTimestamp).map((w) => w.pod),
      allocatableMemory: () => d.node.podsMemory(),
      async evict(pod: Pod, grace: number, message: string) {
        const w = dispatch.workers.get(pod.metadata?.uid ?? '');
        if (!w) return;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([w.evict(grace, message), new Promise<void>((r) => (timer = setTimeout(r, POD_CLEANUP_TIMEOUT_MS)))]);
        clearTimeout(timer);
      },
      async reclaimDisk() {
        const n = await containerGC.garbageCollect(true);
        const freed = await imageGC.deleteUnusedImages();
        d.log(`eviction manager: node-level reclaim removed ${n} dead containers and ${freed} bytes of images`);
      },
      conditionsChanged: (c) => {
        d.log(`eviction manager: node pressure now [${[...c].join(', ')}]`);
        void d.nodeStatus.updateStatus().catch((e: Error) => d.log(`node status: ${e.message}`));
      },
      nodeEvent: (type, reason, message) => d.events.event(nodeRef, type, reason, message),
      log: d.log,
    },
  );
  d.node.manager = manager;
  dispatch.admitPressure = (pod) => admitUnderPressure(pod, manager.conditions);
  manager.start(opts.housekeepingIntervalMs ?? 10_000);
  const imageTimer = setInterval(() => void imageGC.garbageCollect().catch((e: Error) => d.log(`image GC: ${e.message}`)), IMAGE_GC_PERIOD_MS);
  const containerTimer = setInterval(() => void containerGC.garbageCollect(false).catch((e: Error) => d.log(`container GC: ${e.message}`)), CONTAINER_GC_PERIOD_MS);
  // First image detection now, so first-detected times start with the kubelet.
  void imageGC.detect().catch(() => undefined);
  return {
    stop() {
      manager.stop();
      clearInterval(imageTimer);
      clearInterval(containerTimer);
    },
  };
}
