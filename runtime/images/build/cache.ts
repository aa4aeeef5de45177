// The build cache: one small file per step under <images root>/build-cache/, named by the step's
// key — a hash of the parent step's key and the instruction as it runs (expanded arguments, the
// environment a RUN sees, the digest of what a COPY copies). A hit gives back the step's layer
// (if it still is in the store) and its creation time, so a rebuild of unchanged input makes the
// very same image config, hence the same image id, and no new layer.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CacheRecord {
  /** The layer's diffID; absent for a step that only changes the config. */
  layer?: string;
  /** Size of the layer tar. */
  size?: number;
  created: string;
}

/** The key of a step: its parent's key and what defines the step's result. */
export function stepKey(parent: string, parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify([parent, ...parts])).digest('hex');
}

export class BuildCache {
  constructor(private readonly dir: string) {}

  async get(key: string): Promise<CacheRecord | null> {
    try {
      const r = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as CacheRecord;
      return typeof r.created === 'string' ? r : null;
    } catch {
      return null;
    }
  }

  async put(key: string, rec: CacheRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, JSON.stringify(rec));
    await rename(tmp, join(this.dir, `${key}.json`));
  }
}
