// Writes a volume's files the way upstream's AtomicWriter does, so a reader never sees half an
// update: the files go into a fresh hidden directory `..<timestamp>`, then a symlink `..data_tmp`
// → that directory is renamed over `..data` (rename is atomic), and each visible top-level entry
// is a symlink through `..data` (`token` → `..data/token`). The old timestamped directory is
// removed afterwards. Nothing is rewritten when the content and modes are unchanged.

import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { VolumeError } from './volume-error.js';

export interface VolumeFile {
  data: string | Buffer;
  mode: number;
}

const DATA = '..data';
const DATA_TMP = '..data_tmp';

/** A user-given relative path, checked: no absolute paths, no `..` components, not hidden under `..`. */
export function checkedPath(rel: string): string {
  const n = normalize(rel);
  if (!rel || n.startsWith('/') || n.split('/').includes('..') || n.startsWith('..')) throw new VolumeError(`invalid path ${rel}`);
  return n;
}

function currentDataDir(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, DATA));
  } catch {
    return undefined;
  }
}

/** Whether the files under dir/..data are exactly `files` (content and mode). */
function unchanged(dir: string, files: Map<string, VolumeFile>): boolean {
  const cur = currentDataDir(dir);
  if (!cur) return false;
  const base = join(dir, cur);
  const present = new Set<string>();
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), rel);
      else present.add(rel);
    }
  };
  try {
    walk(base, '');
    if (present.size !== files.size) return false;
    for (const [p, f] of files) {
      if (!present.has(p)) return false;
      const full = join(base, p);
      if ((statSync(full).mode & 0o7777) !== f.mode) return false;
      if (!readFileSync(full).equals(Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Make `dir` hold exactly `files` (relative path → content and mode); returns whether anything was written. `own` runs on the new data directory before it becomes visible. */
export function writeAtomically(dir: string, files: Map<string, VolumeFile>, own: (dataDir: string) => void = () => undefined): boolean {
  for (const p of files.keys()) checkedPath(p);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (unchanged(dir, files)) return false;
  const old = currentDataDir(dir);
  const tsName = `..${new Date().toISOString().replace(/[-:.TZ]/g, '_')}${process.hrtime.bigint() % 1000000n}`;
  const ts = join(dir, tsName);
  mkdirSync(ts, { mode: 0o755 });
  for (const [p, f] of files) {
    const full = join(ts, p);
    mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
    writeFileSync(full, f.data, { mode: f.mode });
    chmodSync(full, f.mode);
  }
  own(ts);
  // The swap: a new symlink renamed over ..data.
  rmSync(join(dir, DATA_TMP), { force: true });
  symlinkSync(tsName, join(dir, DATA_TMP));
  renameSync(join(dir, DATA_TMP), join(dir, DATA));
  // Visible names: one symlink per top-level entry, through ..data; stale ones removed.
  const tops = new Set([...files.keys()].map((p) => p.split('/')[0]));
  for (const t of tops) {
    const link = join(dir, t);
    let st;
    try {
      st = lstatSync(link);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink() && readlinkSync(link) === join(DATA, t)) continue;
    if (st) rmSync(link, { recursive: true, force: true });
    symlinkSync(join(DATA, t), link);
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..') || tops.has(e)) continue;
    const st = lstatSync(join(dir, e));
    if (st.isSymbolicLink()) unlinkSync(join(dir, e));
  }
  if (old && old !== tsName) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}
