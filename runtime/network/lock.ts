// A cross-process lock file (created exclusively with the holder's pid already inside; a dead
// holder's lock is taken over), plus in-process serialization. Guards network state → iptables
// rewrites and the image index.
import { readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createExclusive, pidAlive, removeDeadTemps } from './exclusive-file.js';

/** An empty lock file (left by an older version killed between create and write) older than this is stale. */
const EMPTY_LOCK_STALE_MS = 2000;

export class FileLock {
  private chain: Promise<unknown> = Promise.resolve();
  /** Temp files of killed holders are removed once, at the first acquire. */
  private sweptTemps = false;

  constructor(private readonly path: string) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      await this.acquire();
      try {
        return await fn();
      } finally {
        await rm(this.path, { force: true });
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
