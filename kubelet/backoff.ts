// Per-container back-off windows, as the kubelet's: the first restart (or pull retry) goes at
// once, the next waits base (10 s), doubling to max (5 min). A container that ran 10 minutes
// has its crash back-off forgotten. The planner reads the windows; the worker arms them.
import type { ContainerStatus as RtStatus } from '../runtime/cri.js';
import type { BackoffWindow } from './pod-plan.js';

/** Running this long resets the crash back-off (upstream's backOffPeriod reset). */
const FORGET_AFTER_MS = 10 * 60_000;

interface Entry extends BackoffWindow {
  /** The event for this step was recorded. */
  reported?: boolean;
}

export class Backoff {
  private readonly m = new Map<string, Entry>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /** The windows, for the planner. */
  get windows(): ReadonlyMap<string, BackoffWindow> {
    return this.m;
  }

  get(name: string): BackoffWindow | undefined {
    return this.m.get(name);
  }

  /** One more attempt is made now: the next must wait the following step. Returns that step. */
  arm(name: string, now: number): BackoffWindow {
    const prev = this.m.get(name);
    const e = { delayMs: prev ? Math.min(prev.delayMs * 2, this.maxMs) : this.baseMs, until: 0 };
    e.until = now + e.delayMs;
    this.m.set(name, e);
    return e;
  }

  delete(name: string): void {
    this.m.delete(name);
  }

  /** The last run lasted long enough: start over from the first step. */
  forgetIfRanLong(name: string, last: RtStatus | undefined): void {
    if (last?.state === 'CONTAINER_EXITED' && last.finishedAt - last.startedAt > FORGET_AFTER_MS) this.m.delete(name);
  }

  /** True once per step: whether its event is still to be recorded. */
  firstReport(name: string): boolean {
    const e = this.m.get(name);
    if (!e || e.reported) return false;
    e.reported = true;
    return true;
  }
}
