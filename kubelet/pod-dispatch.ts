// The kubelet's pod workers by uid: a pod seen for the first time is admitted (resources, pod
// count, what the runtime can honour) unless it is already running here, then handed to its own
// worker; updates and removals go to that worker.
import type { Pod } from '../api/core.js';
import { admit, nodeAllocatable, type Resources } from './admission.js';
import { PodWorker, type WorkerDeps } from './pod-worker.js';
import type { RuntimeIndex } from './runtime-index.js';
import { admitSecurity } from './security-admission.js';
import type { sysctlAllowlist } from './sysctls.js';

export class PodDispatch {
  readonly workers = new Map<string, PodWorker>();
  stopped = false;
  /** The eviction manager's admission (refuses pods while the node is under pressure). */
  admitPressure: (pod: Pod) => { reason: string; message: string } | undefined = () => undefined;

  constructor(
    private readonly deps: Omit<WorkerDeps, 'onDone'>,
    private readonly index: RuntimeIndex,
    private readonly sysctls: ReturnType<typeof sysctlAllowlist>,
    private readonly maxPods: number,
    /** Node allocatable for admission (default: the whole machine). */
    private readonly alloc: Resources = nodeAllocatable(),
  ) {}

  upsert(pod: Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata.uid!;
    const w = this.workers.get(uid);
    if (w) return w.update(pod);
    const nw = new PodWorker(pod, { ...this.deps, onDone: (u) => this.workers.delete(u) });
    // Admission, for pods not yet running here (a restarted kubelet re-adopts without asking again).
    const adopted = this.index.containerIds(uid).length > 0 || this.index.sandboxIds(uid).length > 0;
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const refusal =
      !adopted && !finished && !pod.metadata?.deletionTimestamp
        ? (admitSecurity(pod, this.sysctls) ?? this.admitPressure(pod) ?? admit(pod, [...this.workers.values()].filter((x) => x.active && !x.removedFromSource).map((x) => x.pod), this.alloc, this.maxPods))
        : undefined;
    this.workers.set(uid, nw);
    if (refusal) nw.reject(refusal.reason, refusal.message);
    else nw.kick();
  }

  remove(uid: string): void {
    this.workers.get(uid)?.remove();
  }

  kickAll(): void {
    for (const w of this.workers.values()) w.kick();
  }

  findPod(ns: string, name: string): Pod | undefined {
    for (const w of this.workers.values()) if (w.pod.metadata?.namespace === ns && w.pod.metadata?.name === name) return w.pod;
    return undefined;
  }

  /** Stop every worker's timers and probes (pods keep running) and wait for running syncs. */
  async detachAll(): Promise<void> {
    this.stopped = true;
    for (const w of this.workers.values()) w.detach();
    await Promise.all([...this.workers.values()].map((w) => w.idle()));
  }
}
