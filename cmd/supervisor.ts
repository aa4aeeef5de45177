// Keeps a set of child processes running, for `hyperkube up --multi-process`: each is
// started in turn and waited for until it is ready; one that dies is started again after
// a back-off (1 s doubling to 15 s, back to 1 s once it has run a minute), and stop()
// ends them in the reverse order of their first start, cancelling pending restarts.

export interface Started {
  pid: number;
  /** Start time from /proc/<pid>/stat, read right after the spawn (pid + start time name the process for good). */
  startTime?: number;
  /** Resolves once the process has exited, with its exit code or signal. */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface Supervised {
  name: string;
  /** Starts the process and resolves once it is ready; rejects (having killed it) if it is not, or on abort. */
  start(signal: AbortSignal): Promise<Started>;
}

export interface SupervisorOptions {
  log(m: string): void;
  /** Called with every component's pid (and pid + start time) after each start and restart. */
  onPids?(pids: Record<string, number>, procs: Record<string, { pid: number; start: number }>): void;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Running this long resets the back-off. */
  stableMs?: number;
}

interface Entry {
  spec: Supervised;
  cur: Started | undefined;
  since: number;
  delay: number;
  /** A restart in progress (back-off sleep or start). */
  restarting: Promise<void> | undefined;
}

export class Supervisor {
  private readonly entries: Entry[] = [];
  private readonly abort = new AbortController();
  private stopped: Promise<void> | undefined;
  private readonly initial: number;
  private readonly max: number;
  private readonly stable: number;

  constructor(private readonly o: SupervisorOptions) {
    this.initial = o.backoffInitialMs ?? 1000;
    this.max = o.backoffMaxMs ?? 15_000;
    this.stable = o.stableMs ?? 60_000;
  }

  /** Aborted once stop() begins: pass it to anything that should give up then. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  pids(): Record<string, number> {
    return Object.fromEntries(this.entries.filter((e) => e.cur).map((e) => [e.spec.name, e.cur!.pid]));
  }

  /**
   * First start of a component; a failure here is the caller's (nothing is retried).
   * Components added at once start in parallel; stop() still goes by the order of add().
   */
  async add(spec: Supervised): Promise<Started> {
    const e: Entry = { spec, cur: undefined, since: 0, delay: this.initial, restarting: undefined };
    this.entries.push(e);
    const first = (async () => {
      const started = await spec.start(this.abort.signal);
      if (this.abort.signal.aborted) {
        await started.stop();
        throw new Error(`${spec.name}: stopping`);
      }
      return started;
    })();
    e.restarting = first.then(() => undefined, () => undefined);
    let started: Started;
    try {
      started = await first;
    } catch (err) {
      this.entries.splice(this.entries.indexOf(e), 1);
      throw err;
    } finally {
      e.restarting = undefined;
    }
    e.cur = started;
    e.since = Date.now();
    this.changed();
    this.watch(e, started);
    return started;
  }

  /** pid and start time of every running component that has one. */
  procs(): Record<string, { pid: number; start: number }> {
    return Object.fromEntries(this.entries.filter((e) => e.cur?.startTime !== undefined).map((e) => [e.spec.name, { pid: e.cur!.pid, start: e.cur!.startTime! }]));
  }

  private changed(): void {
    this.o.onPids?.(this.pids(), this.procs());
  }

  private watch(e: Entry, cur: Started): void {
    void cur.exited.then((why) => {
      if (this.abort.signal.aborted || e.cur !== cur) return;
      e.cur = undefined;
      if (Date.now() - e.since >= this.stable) e.delay = this.initial;
      e.restarting = this.restart(e, why).finally(() => (e.restarting = undefined));
    });
  }

  private async restart(e: Entry, why: string): Promise<void> {
    const name = e.spec.name;
    for (;;) {
      this.o.log(`${name} exited (${why}); restarting in ${(e.delay / 1000).toFixed(1)}s`);
      await this.sleep(e.delay);
      e.delay = Math.min(e.delay * 2, this.max);
      if (this.abort.signal.aborted) return;
      let next: Started;
      try {
        next = await e.spec.start(this.abort.signal);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        why = (err as Error).message;
        continue;
      }
      if (this.abort.signal.aborted) {
        await next.stop();
        return;
      }
      e.cur = next;
      e.since = Date.now();
      this.o.log(`${name} restarted (pid ${next.pid})`);
      this.changed();
      this.watch(e, next);
      return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops every component, the last started first; restarts in progress are cancelled. */
  stop(): Promise<void> {
    this.stopped ??= this.stopAll();
    return this.stopped;
  }

  private async stopAll(): Promise<void> {
    this.abort.abort();
    for (const e of [...this.entries].reverse()) {
      await e.restarting;
      if (!e.cur) continue;
      await e.cur.stop().catch((err) => this.o.log(`${e.spec.name}: stop: ${(err as Error).message}`));
      this.o.log(`${e.spec.name} stopped`);
    }
  }
}
