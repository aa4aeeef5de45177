// A work queue with client-go's semantics: an item queued twice before it is
// processed is processed once; an item being processed is never handed to a
// second worker, and if it was re-added meanwhile it is queued again on done();
// addAfter delays, addRateLimited delays by a per-item exponential back-off
// (max'ed with an overall token bucket), forget() resets that back-off.

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RateLimiter<T> {
  /** How long to wait before the item's next retry (and count the retry). */
  when(item: T): number;
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** Per-item exponential back-off: base * 2^failures, capped. */
export class ExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1000_000,
  ) {}
  when(item: T): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }
  forget(item: T): void {
    this.failures.delete(item);
  }
  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** An overall token bucket (qps, burst): limits the whole queue's retry rate. */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;
  constructor(
    private readonly qps = 10,
    private readonly burst = 100,
    /** The clock (tests pass a fake one). */
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }
  when(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    // A reservation: a negative balance is the time until that token exists.
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
}

/** The longest delay of several limiters (client-go's MaxOfRateLimiter). */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];
  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }
  when(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }
  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }
  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** client-go's DefaultControllerRateLimiter: 5 ms .. 1000 s per item, 10 qps / 100 burst overall. */
export function defaultControllerRateLimiter<T>(now: () => number = Date.now): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ExponentialFailureRateLimiter<T>(5, 1000_000), new BucketRateLimiter<T>(10, 100, now));
}

/** A delay for people: "5ms", "1.3s", "2m40s". */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m}m${s}s` : `${m}m`;
}

export interface WorkQueueOptions<T> {
  rateLimiter?: RateLimiter<T>;
  name?: string;
}

export class WorkQueue<T = string> {
  private queue: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  /** Items waiting for addAfter, with the time they are due and their timer. */
  private readonly waiting = new Map<T, { due: number; timer: NodeJS.Timeout }>();
  private readonly getters: ((item: T | undefined) => void)[] = [];
  private shutdown = false;
  private drainWaiters: (() => void)[] = [];
  readonly rateLimiter: RateLimiter<T>;
  readonly name: string;

  constructor(opts: WorkQueueOptions<T> = {}) {
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>();
    this.name = opts.name ?? '';
  }

  /** Queue an item unless it is already queued; if it is being processed it is queued again on done(). */
  add(item: T): void {
    if (this.shutdown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    const g = this.getters.shift();
    if (g) {
      this.dirty.delete(item);
      this.processing.add(item);
      g(item);
      return;
    }
    this.queue.push(item);
  }

  /** Queue the item after a delay; an earlier pending delay for the same item wins. */
  addAfter(item: T, delayMs: number): void {
    if (this.shutdown) return;
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const due = Date.now() + delayMs;
    const prev = this.waiting.get(item);
    if (prev) {
      if (prev.due <= due) return;
      clearTimeout(prev.timer);
    }
    // setTimeout fires at once for delays past 2^31-1 ms (24.8 days): a delay computed from
    // a user's huge progressDeadlineSeconds or minReadySeconds would spin. Wake up then instead
    // (early: the sync finds nothing due yet and asks again).
    const timer = setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, Math.min(delayMs, MAX_TIMER_MS));
    this.waiting.set(item, { due, timer });
  }

  /** Queue after the rate limiter's delay for this item (grows with each retry until forget()). */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Stop tracking the item's retries: its next addRateLimited starts from the base delay. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** The next item (marked processing until done()); undefined once shut down. */
  get(): Promise<T | undefined> {
    if (this.head < this.queue.length) {
      const item = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.dirty.delete(item);
      this.processing.add(item);
      return Promise.resolve(item);
    }
    if (this.shutdown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** The worker finished the item; if it was re-added meanwhile it goes back in the queue. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.dirty.delete(item);
      this.add(item);
    }
    if (this.processing.size === 0) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    }
  }

  /** Items queued (not counting ones being processed or waiting for a delay). */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Items that will be handed out later by addAfter/addRateLimited timers. */
  waitingCount(): number {
    return this.waiting.size;
  }

  /** Stop: pending get()s resolve undefined, new adds are ignored, queued items are still handed out. */
  shutDown(): void {
    this.shutdown = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    const gs = this.getters.splice(0);
    for (const g of gs) g(undefined);
  }

  /** Shut down and wait until the items being processed are done. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((r) => this.drainWaiters.push(r));
  }

  shuttingDown(): boolean {
    return this.shutdown;
  }
}
