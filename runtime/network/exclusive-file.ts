// Files created with their content in one step: the content goes to a private temp file which
// is then hard-linked to the final name (link(2) fails with EEXIST, like O_EXCL). A process
// killed mid-way leaves at most a temp file, never an empty final file that nobody owns — the
// gap open(O_EXCL)+write had, which left locks "held by pid 0" and addresses owned by nobody.
import { linkSync, rmSync, writeFileSync } from 'node:fs';
import { link, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

const TEMP = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** Creates `path` holding `content`; false if it already exists. */
export async function createExclusive(path: string, content: string, mode = 0o644): Promise<boolean> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(tmp, content, { mode });
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The same, synchronously: for the short sections under a lock that a burst of pods queues on,
 *  where three thread-pool round trips behind every other pod's file work cost more than the calls. */
export function createExclusiveSync(path: string, content: string, mode = 0o644): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(tmp, content, { mode });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes temp files in `dir` left by processes no longer alive (their pid is in the name). */
export async function removeDeadTemps(dir: string): Promise<void> {
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    const m = TEMP.exec(n);
    if (m && !pidAlive(Number(m[1]))) await rm(join(dir, n), { force: true });
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
