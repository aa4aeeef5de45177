// The snapshot directory: each snapshot is `<name>.db` (etcd's snapshot stream as etcd sent
// it, its own sha256 trailer included) and `<name>.json`, the metadata k3s keeps beside its
// snapshots (size, sha256 of the file, etcd revision, when, which tskube and storage format).
// Files are written atomically (temp file, fsync, rename, fsync of the directory) and the
// metadata last, so a snapshot without metadata is an unfinished one and is never used.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface SnapshotMeta {
  name: string;
  /** Size of `<name>.db` in bytes. */
  size: number;
  /** Hex sha256 of `<name>.db`. */
  sha256: string;
  /** RFC 3339. */
  createdAt: string;
  /** etcd revision the snapshot holds. */
  revision: string;
  /** Taken by the schedule of `up` (retention prunes only these) or on demand. */
  scheduled: boolean;
  nodeName: string;
  tskubeVersion: string;
  storageFormat: number;
}

export const DB_SUFFIX = '.db';
export const META_SUFFIX = '.json';

/** A snapshot name: letters, digits, `.`, `_`, `-`, not starting with `.`, no `..`, at most 200 characters. */
export function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(name) || name.includes('..')) {
    throw new Error(`invalid snapshot name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-' (no '/', no '..', at most 200 characters)`);
  }
}

export const dbPath = (dir: string, name: string) => join(dir, `${name}${DB_SUFFIX}`);
export const metaPath = (dir: string, name: string) => join(dir, `${name}${META_SUFFIX}`);

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `data` to `path` atomically: a temp file in the same directory, fsynced, renamed over. */
async function writeAtomic(path: string, chunks: AsyncIterable<Uint8Array> | Uint8Array[], onChunk?: (c: Uint8Array) => void): Promise<number> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'wx', 0o600);
  let size = 0;
  try {
    for await (const c of chunks) {
      onChunk?.(c);
      size += c.length;
      await fh.write(c);
    }
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  return size;
}

/**
 * Stores a snapshot streamed from etcd under `name`; refuses a name that exists. The
 * metadata's size and sha256 are of the bytes written; the rest comes from `meta`, asked
 * once the stream has ended (the revision is known then).
 */
export async function writeSnapshot(dir: string, name: string, chunks: AsyncIterable<Uint8Array>, meta: () => Omit<SnapshotMeta, 'name' | 'size' | 'sha256'>): Promise<SnapshotMeta> {
  checkName(name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const db = dbPath(dir, name);
  if ((await exists(db)) || (await exists(metaPath(dir, name)))) throw new Error(`snapshot ${name} already exists in ${dir}`);
  const hash = createHash('sha256');
  let size: number;
  try {
    size = await writeAtomic(db, chunks, (c) => hash.update(c));
  } catch (err) {
    throw new Error(`snapshot ${name} not written: ${(err as Error).message}`);
  }
  const full: SnapshotMeta = { name, size, sha256: hash.digest('hex'), ...meta() };
  await writeAtomic(metaPath(dir, name), [Buffer.from(`${JSON.stringify(full, null, 2)}\n`)]);
  await fsyncDir(dir);
  return full;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function isMeta(x: unknown): x is SnapshotMeta {
  const m = x as Partial<SnapshotMeta> | null;
  return (
    !!m &&
    typeof m.name === 'string' &&
    Number.isSafeInteger(m.size) &&
    typeof m.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(m.sha256) &&
    typeof m.createdAt === 'string' &&
    Number.isSafeInteger(m.storageFormat)
  );
}

/** The metadata at `path`, or an error saying what is wrong with it. */
export async function readMeta(path: string): Promise<SnapshotMeta> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`snapshot metadata ${path} cannot be read: ${(err as Error).message}`);
  }
  if (!isMeta(raw)) throw new Error(`snapshot metadata ${path} is malformed`);
  return raw;
}

/** Every complete snapshot in `dir` (one with readable metadata), oldest first. */
export async function listSnapshots(dir: string): Promise<SnapshotMeta[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SnapshotMeta[] = [];
  for (const f of names) {
    if (!f.endsWith(META_SUFFIX)) continue;
    const m = await readMeta(join(dir, f)).catch(() => undefined);
    if (m && `${m.name}${META_SUFFIX}` === f) out.push(m);
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
}

/** Removes a snapshot (metadata first: a half-removed snapshot is an unfinished one). */
export async function removeSnapshot(dir: string, name: string): Promise<void> {
  checkName(name);
  if (!(await exists(metaPath(dir, name))) && !(await exists(dbPath(dir, name)))) throw new Error(`snapshot ${name} not found in ${dir}`);
  await rm(metaPath(dir, name), { force: true });
  await rm(dbPath(dir, name), { force: true });
}

/** Names of the scheduled snapshots beyond the newest `retention`, oldest first. */
export function toPrune(snapshots: SnapshotMeta[], retention: number): string[] {
  const scheduled = snapshots.filter((s) => s.scheduled).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  return scheduled.slice(0, Math.max(0, scheduled.length - retention)).map((s) => s.name);
}

/** Keeps the newest `retention` scheduled snapshots; returns the names removed. */
export async function prune(dir: string, retention: number): Promise<string[]> {
  const names = toPrune(await listSnapshots(dir), retention);
  for (const n of names) await removeSnapshot(dir, n);
  return names;
}

/** Checks a snapshot file against its metadata: same size and sha256. Throws saying what differs. */
export async function verifySnapshot(file: string, meta: SnapshotMeta): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new Error(`snapshot file ${file} not found`);
  if (st.size !== meta.size) throw new Error(`snapshot ${file} is ${st.size} bytes, its metadata says ${meta.size}: truncated or replaced; refusing it`);
  const hash = createHash('sha256');
  for await (const c of createReadStream(file)) hash.update(c as Buffer);
  const sum = hash.digest('hex');
  if (sum !== meta.sha256) throw new Error(`snapshot ${file} has sha256 ${sum}, its metadata says ${meta.sha256}: corrupted; refusing it`);
}
