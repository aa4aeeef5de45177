// Which tskube made a data dir, and in which storage format: `<data-dir>/version.json`,
// written atomically by `up` on first start (and after a migration). A data dir of a newer
// storage format is refused (this release cannot know how to read it); an older one, or one
// made before the file existed (format 0), is migrated forward by `up` and the file rewritten.

import { existsSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** This release; kept equal to package.json's version (a unit test checks it). */
export const TSKUBE_VERSION = '0.1.0';
/**
 * The storage format this release writes. 0: data dirs made before version.json existed
 * (objects as JSON under /registry/...). 1: the same objects, each rewritten by this release,
 * and the format recorded in version.json.
 */
export const STORAGE_FORMAT = 1;
export const VERSION_FILE = 'version.json';

export interface DataVersion {
  tskubeVersion: string;
  storageFormat: number;
}

/** What `up` must do with a data dir: start it fresh, use it as is, or migrate it from `from`. */
export type VersionPlan = { action: 'create' } | { action: 'current' } | { action: 'migrate'; from: number };

/**
 * The plan for a data dir whose version file holds `found` (undefined: none) and which has
 * etcd data or not. Throws, saying which release made it, when its format is newer.
 */
export function planVersion(found: DataVersion | undefined, hasData: boolean, dataDir: string): VersionPlan {
  if (!found) return hasData ? { action: 'migrate', from: 0 } : { action: 'create' };
  if (found.storageFormat > STORAGE_FORMAT) {
    throw new Error(
      `${dataDir} was written by tskube ${found.tskubeVersion} in storage format ${found.storageFormat}; this tskube ${TSKUBE_VERSION} ` +
        `reads formats up to ${STORAGE_FORMAT}: run that release (or newer) on it, or restore a snapshot taken by this one`,
    );
  }
  return found.storageFormat < STORAGE_FORMAT ? { action: 'migrate', from: found.storageFormat } : { action: 'current' };
}

/** The version file of `dataDir`, undefined when there is none; throws when it is unreadable. */
export async function readDataVersion(dataDir: string): Promise<DataVersion | undefined> {
  const path = join(dataDir, VERSION_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let v: Partial<DataVersion>;
  try {
    v = JSON.parse(text) as Partial<DataVersion>;
  } catch {
    throw new Error(`${path} is not JSON: fix or remove it (tskube writes {"tskubeVersion": ..., "storageFormat": N})`);
  }
  if (typeof v?.tskubeVersion !== 'string' || !Number.isSafeInteger(v.storageFormat) || v.storageFormat! < 0) throw new Error(`${path} is malformed: want {"tskubeVersion": string, "storageFormat": integer >= 0}`);
  return { tskubeVersion: v.tskubeVersion, storageFormat: v.storageFormat! };
}

/** Records this release and its storage format (or `v`) in `dataDir` atomically (temp file, fsync, rename). */
export async function writeDataVersion(dataDir: string, v: DataVersion = { tskubeVersion: TSKUBE_VERSION, storageFormat: STORAGE_FORMAT }): Promise<void> {
  const path = join(dataDir, VERSION_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(v, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/** Whether `dataDir` holds etcd data (of any release). */
export function hasEtcdData(dataDir: string): boolean {
  return existsSync(join(dataDir, 'etcd', 'member-data', 'member'));
}
