// The processes `up` started, as pid + start time, in <data-dir>/procs.json:
// {"up": {"pid": 1, "start": 2}, "etcd": {...}, "apiserver": {...}, ...}. `reset` reads it
// to stop exactly those processes (a stale etcd of a kill -9'd `up` too), never a
// process that merely reuses one of their pids.

import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcIdentity } from './proc-identity.js';

export const PROCS_FILE = 'procs.json';
/** Plain pid of `up`, for people and scripts; `reset` trusts only procs.json. */
export const UP_PID_FILE = 'up.pid';
/** Written by `up --multi-process`: {"up": pid, "etcd": pid, "apiserver": pid, ...}. */
export const PIDS_FILE = 'pids.json';

export type Procs = Record<string, ProcIdentity>;

/** Replaces procs.json atomically. */
export function writeProcs(dataDir: string, procs: Procs): void {
  const path = join(dataDir, PROCS_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(procs, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function readProcs(dataDir: string): Procs | undefined {
  try {
    const raw = JSON.parse(readFileSync(join(dataDir, PROCS_FILE), 'utf8')) as Record<string, Partial<ProcIdentity>>;
    const out: Procs = {};
    for (const [name, p] of Object.entries(raw)) {
      if (Number.isInteger(p?.pid) && Number.isFinite(p?.start)) out[name] = { pid: p.pid!, start: p.start! };
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Forgets every process record (a clean stop). */
export function removeProcFiles(dataDir: string): void {
  for (const f of [PROCS_FILE, UP_PID_FILE, PIDS_FILE]) rmSync(join(dataDir, f), { force: true });
}
