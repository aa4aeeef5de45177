// A cross-process lock file (created exclusively with the holder's pid already inside; a dead
// holder's lock is taken over), plus in-process serialization. Guards network state → iptables
// rewrites and the image index.
import { readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createExclusive, pidAlive, removeDeadTemps } from './exclusive-file.js';

/** An empty lock file (left by an older version killed between create and write) older than this is stale. */
const EMPTY_LOCK_STALE_MS = 2000;
/** Runs of one process that may follow each other under one hold of the file. */
const MAX_HANDOFFS = 32;

export class FileLock {
  private chain: Promise<unknown> = Promise.resolve();
  /** Temp files of killed holders are removed once, at the first acquire. */
  private sweptTemps = false;

  constructor(private readonly path: string) {}

  /** Runs of this process waiting in the chain. */
  private queued = 0;
  /** This process holds the file; and for how many runs in a row. */
  private held = false;
  private heldRuns = 0;
  /** Released after MAX_HANDOFFS runs with more queued: the next acquire waits a poll first. */
  private yielding = false;

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.queued++;
    const next = this.chain.then(async () => {
      this.queued--;
      if (!this.held) {
        // Let go after MAX_HANDOFFS runs: pause past another process's poll (10 ms) so one waiting gets in.
        if (this.yielding) await new Promise((r) => setTimeout(r, 25));
        this.yielding = false;
        await this.acquire();
        this.held = true;
        this.heldRuns = 0;
      }
      try {
        return await fn();
      } finally {
        // The file passes to the next run queued here as it is: n pods starting together create
        // and remove it once, not n times (each a few fs round trips through a busy thread pool,
        // all on the serial path). Another process waits at most MAX_HANDOFFS runs for it.
        if (this.queued === 0 || ++this.heldRuns >= MAX_HANDOFFS) {
          this.held = false;
          this.yielding = this.queued > 0;
          await rm(this.path, { force: true });
        }
      }
    });
    this.chain = next.catch(() => undefined); // the caller gets the error from `next`; the chain only orders the next run
    return next;
  }

  private async acquire(): Promise<void> {
    for (let i = 0; ; i++) {
      if (i === 0 && !this.sweptTemps) {
        this.sweptTemps = true;
        await removeDeadTemps(dirname(this.path));
      }
      if (await createExclusive(this.path, String(process.pid))) return;
      const holder = Number((await readFile(this.path, 'utf8').catch(() => '')).trim());
      if (holder && !pidAlive(holder)) { await rm(this.path, { force: true }); continue; }
      if (!holder && (await emptyLockIsStale(this.path))) { await rm(this.path, { force: true }); continue; }
      if (i > 3000) throw new Error(`timed out waiting for lock ${this.path} (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

async function emptyLockIsStale(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  return !!st && Date.now() - st.mtimeMs > EMPTY_LOCK_STALE_MS;
}
