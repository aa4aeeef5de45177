// How `up` stops: the first SIGINT/SIGTERM, in any state (starting, waiting for etcd,
// running), begins an orderly stop; that stop is bounded: a second signal, or the grace
// period running out, exits at once (etcd and the component processes die with `up`,
// by their parent-death signal and their stdin pipe).

export interface StopSignal {
  /** Resolves with the first signal. */
  signalled: Promise<NodeJS.Signals>;
  /** Aborted at the first signal. */
  signal: AbortSignal;
  /** Removes the handlers (after a clean stop). */
  dispose(): void;
}

export class Stopping extends Error {
  constructor(readonly sig: string) {
    super(`stopping (${sig})`);
  }
}

export function stopOnSignal(log: (m: string) => void, graceMs = 20_000): StopSignal {
  const abort = new AbortController();
  let resolve!: (s: NodeJS.Signals) => void;
  const signalled = new Promise<NodeJS.Signals>((r) => (resolve = r));
  let first: NodeJS.Signals | undefined;
  const on = (sig: NodeJS.Signals) => {
    if (first) {
      log(`${sig} again: exiting now`);
      process.exit(1);
    }
    first = sig;
    const t = setTimeout(() => {
      log(`still stopping ${graceMs / 1000}s after ${sig}: exiting now`);
      process.exit(1);
    }, graceMs);
    t.unref();
    abort.abort();
    resolve(sig);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    signalled,
    signal: abort.signal,
    dispose() {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

/**
 * Awaits `p` unless a stop signal comes first: then throws Stopping, and whatever `p`
 * yields later is stopped (it may hold a process or a listener).
 */
export async function unlessStopped<T>(stop: StopSignal, p: Promise<T>, release?: (v: T) => Promise<unknown>): Promise<T> {
  let done = false;
  const late = (sig: string): never => {
    // Too late for the caller: whatever p yields is released, never used.
    void p.then((v) => release?.(v), () => undefined);
    throw new Stopping(sig);
  };
  if (stop.signal.aborted) return late(await stop.signalled);
  return Promise.race([
    p.finally(() => (done = true)),
    stop.signalled.then((sig) => (done ? new Promise<never>(() => undefined) : late(sig))),
  ]);
}
