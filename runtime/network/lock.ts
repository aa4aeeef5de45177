// A cross-process lock file (O_EXCL, holder's pid inside; a dead holder's lock is taken over),
// plus in-process serialization. Guards network state → iptables rewrites and the image index.
import { open, readFile, rm } from 'node:fs/promises';

export class FileLock {
  private chain: Promise<unknown> = Promise.resolve();

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
      try {
        const fh = await open(this.path, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = Number((await readFile(this.path, 'utf8').catch(() => '')).trim());
      if (holder && !alive(holder)) { await rm(this.path, { force: true }); continue; }
      if (i > 3000) throw new Error(`timed out waiting for lock ${this.path} (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
