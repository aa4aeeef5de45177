// The scheduling queue, as Kubernetes' PriorityQueue simplified:
// - activeQ: pods to try now, highest priority first, then oldest;
// - backoffQ: pods that failed, each waiting 1 s, 2 s, 4 s ... at most 10 s
//   (per pod, doubling with each failed attempt);
// - unschedulableQ: pods no node fits; they move back (to activeQ, or to
//   backoffQ while their back-off lasts) when the cluster changes in a way that
//   may help (moveAll: a node added or updated, a pod deleted) and at least
//   every `flushUnschedulableMs`.
// A pod that failed while a move happened goes to backoffQ, not unschedulableQ,
// so the event that might have helped it is not missed.

export interface QueuedPodInfo {
  key: string;
  priority: number;
  /** Creation time (ms), the tie-breaker. */
  created: number;
}

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  flushUnschedulableMs?: number;
  now?: () => number;
}

interface Entry extends QueuedPodInfo {
  attempts: number;
  /** When the last attempt ended (back-off counts from there). */
  lastAttempt: number;
  /** moveRequestCycle seen when the attempt started. */
  cycle: number;
}

function before(a: Entry, b: Entry): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.created !== b.created) return a.created < b.created;
  return a.key < b.key;
}

/** A binary heap of entries keyed by pod key, with removal by key. */
class Heap {
  private readonly items: Entry[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }
  has(key: string): boolean {
    return this.index.has(key);
  }
  push(e: Entry): void {
    if (this.index.has(e.key)) this.remove(e.key);
    this.items.push(e);
    this.index.set(e.key, this.items.length - 1);
    this.up(this.items.length - 1);
  }
  pop(): Entry | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }
  remove(key: string): Entry | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const e = this.items[i];
    this.removeAt(i);
    return e;
  }
  private removeAt(i: number): void {
    this.index.delete(this.items[i].key);
    const last = this.items.pop()!;
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last.key, i);
      this.down(i);
      this.up(i);
    }
  }
  private swap(i: number, j: number): void {
    const a = this.items[i];
    const b = this.items[j];
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(b.key, i);
    this.index.set(a.key, j);
  }
  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(this.items[i], this.items[p])) break;
      this.swap(i, p);
      i = p;
    }
  }
  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.items.length && before(this.items[l], this.items[m])) m = l;
      if (r < this.items.length && before(this.items[r], this.items[m])) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

export class SchedulingQueue {
  private readonly active = new Heap();
  private readonly backoff = new Map<string, { entry: Entry; timer: NodeJS.Timeout }>();
  private readonly unschedulable = new Map<string, Entry>();
  /** Pods handed out by pop() and not yet done(). */
  private readonly inFlight = new Map<string, Entry>();
  /** Attempts so far, kept across the queues until the pod is forgotten. */
  private readonly attempts = new Map<string, number>();
  private moveCycle = 0;
  private waiters: ((key: string | undefined) => void)[] = [];
  private closed = false;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly now: () => number;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.initialBackoff = opts.initialBackoffMs ?? 1000;
    this.maxBackoff = opts.maxBackoffMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.flushTimer = setInterval(() => this.moveAllToActiveOrBackoff(), opts.flushUnschedulableMs ?? 60_000);
    this.flushTimer.unref?.();
  }

  /** A new or changed pending pod. An unschedulable pod that changed gets another try. */
  add(info: QueuedPodInfo): void {
    if (this.closed) return;
    const { key } = info;
    if (this.inFlight.has(key) || this.backoff.has(key)) return;
    if (this.active.has(key)) {
      this.active.push({ ...this.active.remove(key)!, ...info });
      return;
    }
    const entry = this.unschedulable.get(key);
    if (entry) {
      this.unschedulable.delete(key);
      this.toActiveOrBackoff({ ...entry, ...info });
      return;
    }
    this.pushActive({ ...info, attempts: this.attempts.get(key) ?? 0, lastAttempt: 0, cycle: 0 });
  }

  /** The pod is gone (deleted or bound elsewhere). */
  delete(key: string): void {
    this.active.remove(key);
    const b = this.backoff.get(key);
    if (b) clearTimeout(b.timer);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.attempts.delete(key);
  }

  /** The next pod to schedule (highest priority, oldest); undefined once closed. */
  pop(): Promise<string | undefined> {
    const e = this.active.pop();
    if (e) return Promise.resolve(this.handOut(e));
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private handOut(e: Entry): string {
    e.cycle = this.moveCycle;
    this.inFlight.set(e.key, e);
    return e.key;
  }

  private pushActive(e: Entry): void {
    const w = this.waiters.shift();
    if (w) w(this.handOut(e));
    else this.active.push(e);
  }

  /** The attempt succeeded (the pod was assumed and is being bound) or the pod is gone. */
  done(key: string): void {
    this.inFlight.delete(key);
    this.attempts.delete(key);
  }

  /** No node fits: park the pod until the cluster changes (or back off if it already did). */
  unschedulableAttempt(key: string): void {
    const e = this.finishAttempt(key);
    if (!e) return;
    if (this.moveCycle > e.cycle) this.toBackoff(e);
    else this.unschedulable.set(key, e);
  }

  /** An error (e.g. the bind failed): retry after the back-off. */
  errorAttempt(key: string, info?: QueuedPodInfo): void {
    const e = this.finishAttempt(key) ?? (info ? { ...info, attempts: (this.attempts.get(key) ?? 0) + 1, lastAttempt: this.now(), cycle: 0 } : undefined);
    if (!e) return;
    this.attempts.set(key, e.attempts);
    this.toBackoff(e);
  }

  private finishAttempt(key: string): Entry | undefined {
    const e = this.inFlight.get(key);
    if (!e) return undefined;
    this.inFlight.delete(key);
    e.attempts++;
    e.lastAttempt = this.now();
    this.attempts.set(key, e.attempts);
    return e;
  }

  /** The back-off of a pod after its attempts: initial * 2^(attempts-1), capped. */
  backoffMs(attempts: number): number {
    if (attempts <= 0) return 0;
    return Math.min(this.initialBackoff * 2 ** (attempts - 1), this.maxBackoff);
  }

  private remainingBackoff(e: Entry): number {
    return e.lastAttempt + this.backoffMs(e.attempts) - this.now();
  }

  private toBackoff(e: Entry): void {
    const wait = this.remainingBackoff(e);
    if (wait <= 0) {
      this.pushActive(e);
      return;
    }
    const timer = setTimeout(() => {
      this.backoff.delete(e.key);
      this.pushActive(e);
    }, wait);
    this.backoff.set(e.key, { entry: e, timer });
  }

  private toActiveOrBackoff(e: Entry): void {
    if (this.remainingBackoff(e) > 0) this.toBackoff(e);
    else this.pushActive(e);
  }

  /** Something changed that may make unschedulable pods fit: give them all another try. */
  moveAllToActiveOrBackoff(): void {
    if (this.closed) return;
    this.moveCycle++;
    const parked = [...this.unschedulable.values()];
    this.unschedulable.clear();
    for (const e of parked) this.toActiveOrBackoff(e);
  }

  /** Pods waiting in each queue (for the pending gauge). */
  counts(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }

  has(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.flushTimer);
    for (const b of this.backoff.values()) clearTimeout(b.timer);
    this.backoff.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
