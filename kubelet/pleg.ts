// The pod lifecycle event generator: one relist of the runtime for all pods; a worker is kicked
// when the set or states of its containers changed (e.g. a container exited).
import type { RuntimeService } from '../runtime/cri.js';
import { L_CONTAINER_NAME, L_POD_UID } from './labels.js';
import type { KubeletMetrics } from './metrics.js';
import type { RuntimeIndex } from './runtime-index.js';

export interface PlegContext {
  runtime: RuntimeService;
  index: RuntimeIndex;
  metrics: KubeletMetrics;
  /** The workers to kick, by pod uid. */
  workers(): Map<string, { kick(): void }>;
  log(m: string): void;
}

export class Pleg {
  private readonly signatures = new Map<string, string>();
  private relisting = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly c: PlegContext) {}

  start(periodMs: number): void {
    this.timer = setInterval(() => void this.relist(), periodMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async relist(): Promise<void> {
    if (this.relisting) return;
    this.relisting = true;
    const end = this.c.metrics.relistDuration.startTimer();
    try {
      const byUid = new Map<string, string[]>();
      let runningContainers = 0;
      const all = await this.c.index.refresh(this.c.runtime);
      for (const ct of all.containers) {
        const uid = ct.labels[L_POD_UID];
        if (!uid) continue;
        if (ct.state === 'CONTAINER_RUNNING') runningContainers++;
        (byUid.get(uid) ?? byUid.set(uid, []).get(uid)!).push(`${ct.labels[L_CONTAINER_NAME]}:${ct.id.slice(0, 12)}:${ct.state}`);
      }
      this.c.metrics.runningContainers.set({ container_state: 'running' }, runningContainers);
      this.c.metrics.runningPods.set(all.sandboxes.filter((s) => s.state === 'SANDBOX_READY').length);
      const workers = this.c.workers();
      for (const [uid, w] of workers) {
        const sig = (byUid.get(uid) ?? []).sort().join(',');
        if (this.signatures.get(uid) !== sig) {
          this.signatures.set(uid, sig);
          w.kick();
        }
      }
      for (const uid of this.signatures.keys()) if (!workers.has(uid)) this.signatures.delete(uid);
    } catch (e) {
      // The next relist (relistMs later) tries again; workers still sync on their own timers.
      this.c.log(`relist: ${(e as Error).message}`);
    } finally {
      end();
      this.relisting = false;
    }
  }
}
