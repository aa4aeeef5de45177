// The on-disk, content-addressed image store:
//   <root>/blobs/sha256/<hex>        configs and manifests, named by their digest
//   <root>/layers/sha256/<hex>/      unpacked layers named by diffID, shared between images
//   <root>/index.json                image records (tags → config digest), replaced atomically
//   <root>/tmp/<pid>-<rand>/         unpack and download scratch space of one store instance
// Compressed layer blobs are not kept: layers are verified while streaming and stored unpacked.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile, rename, rm, stat, readdir } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unpackLayer, type UnpackOptions } from './unpack.js';
import { decodeLayer, type LayerDigests } from './layer-stream.js';
import type { ImageRecord } from './types.js';
import { FileLock } from '../network/lock.js';

/** What the index keeps per image: the public record plus where its blobs are. */
export interface StoredImage extends ImageRecord {
  manifestDigest?: string;
  /** Repositories (`host/path`) this image was pushed to: sources of cross-repository mounts. */
  pushedRepos?: string[];
}

interface IndexFile {
  version: 1;
  images: StoredImage[];
}

const DIGEST = /^sha256:([a-f0-9]{64})$/;

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function hexOf(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new Error(`invalid digest ${JSON.stringify(digest)}`);
  return m[1];
}

export class ImageStore {
  readonly tmpDir: string;
  private readonly indexPath: string;
  private readonly layerInFlight = new Map<string, Promise<LayerDigests | null>>();
  /** Serializes index updates in this process and with other processes on the same root
   *  (kubelet and the CLI), so no read-modify-write loses another's image. */
  private readonly lock: FileLock;
  /** Layers an import in progress needs; garbage collection leaves them alone. */
  private readonly pins = new Map<string, number>();

  constructor(readonly root: string) {
    this.tmpDir = join(root, 'tmp', `${process.pid}-${randomBytes(4).toString('hex')}`);
    this.indexPath = join(root, 'index.json');
    this.lock = new FileLock(join(root, 'index.lock'));
  }

  async init(): Promise<void> {
    await mkdir(join(this.root, 'blobs', 'sha256'), { recursive: true });
    await mkdir(join(this.root, 'layers', 'sha256'), { recursive: true });
    // Scratch dirs of dead processes are leftovers of a crash mid-unpack: garbage by construction.
    // Other live instances (kubelet and CLI on one store) keep theirs.
    const tmpRoot = join(this.root, 'tmp');
    await mkdir(tmpRoot, { recursive: true });
    for (const name of await readdir(tmpRoot)) {
      const pid = Number(name.split('-')[0]);
      if (!Number.isInteger(pid) || !processAlive(pid)) await rm(join(tmpRoot, name), { recursive: true, force: true });
    }
    await mkdir(this.tmpDir, { recursive: true });
  }

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', hexOf(digest));
  }

  layerDir(diffID: string): string {
    return join(this.root, 'layers', 'sha256', hexOf(diffID));
  }

  async hasLayer(diffID: string): Promise<boolean> {
    return (await stat(this.layerDir(diffID)).catch(() => null))?.isDirectory() ?? false;
  }

  async readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  /** Stores bytes under their digest (atomically); verifies `expected` when given. */
  async writeBlob(data: Buffer, expected?: string): Promise<string> {
    const digest = sha256(data);
    if (expected && expected !== digest) throw new Error(`digest mismatch: expected ${expected}, got ${digest}`);
    await atomicWrite(this.blobPath(digest), data, this.tmpDir);
    return digest;
  }

  /**
   * Unpacks a layer unless its diffID is already present. The stream is verified against
   * `diffID` and, when given, the compressed `digest`; on any error nothing is left behind.
   * Returns null when the layer was already there (and `open` was never called).
   */
  async addLayer(diffID: string, open: () => Promise<AsyncIterable<Buffer>>, opts: UnpackOptions & { digest?: string } = {}): Promise<LayerDigests | null> {
    hexOf(diffID);
    const pending = this.layerInFlight.get(diffID);
    if (pending) { await pending; return null; }
    if (await this.hasLayer(diffID)) return null;
    const p = this.unpackVerified(diffID, open, opts);
    this.layerInFlight.set(diffID, p);
    try {
      return await p;
    } finally {
      this.layerInFlight.delete(diffID);
    }
  }

  private async unpackVerified(diffID: string, open: () => Promise<AsyncIterable<Buffer>>, opts: UnpackOptions & { digest?: string }): Promise<LayerDigests> {
    const tmp = join(this.tmpDir, `layer-${randomBytes(6).toString('hex')}`);
    try {
      const decoded = decodeLayer(await open());
      await unpackLayer(decoded.data, tmp, opts);
      const d = decoded.digests();
      if (opts.digest && d.digest !== opts.digest) throw new Error(`layer digest mismatch: expected ${opts.digest}, got ${d.digest}`);
      if (d.diffID !== diffID) throw new Error(`layer diffID mismatch: expected ${diffID}, got ${d.diffID}`);
      try {
        await rename(tmp, this.layerDir(diffID));
      } catch (e) {
        // Another store instance on the same root finished the same layer first: same content.
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !(await this.hasLayer(diffID))) throw e;
        await rm(tmp, { recursive: true, force: true });
      }
      return d;
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  pin(diffIDs: string[]): () => void {
    for (const d of diffIDs) this.pins.set(d, (this.pins.get(d) ?? 0) + 1);
    return () => {
      for (const d of diffIDs) {
        const n = (this.pins.get(d) ?? 1) - 1;
        if (n <= 0) this.pins.delete(d); else this.pins.set(d, n);
      }
    };
  }

  /** hasLayer without the thread-pool round trip (one stat; on every container create). */
  hasLayerSync(diffID: string): boolean {
    try {
      return statSync(this.layerDir(diffID)).isDirectory();
    } catch {
      return false;
    }
  }

  private view?: { key: string; images: readonly StoredImage[] };

  /**
   * The index for lookups only (never modify it): parsed again only when the file was replaced.
   * Every write renames a new file in (atomicWrite), so inode, size and mtime name a version, also
   * one another process (the image CLI) wrote. Synchronous: a stat on the container start path,
   * where each async read costs a thread-pool round trip, and the file is small.
   */
  readIndexView(): readonly StoredImage[] {
    let st;
    try {
      st = statSync(this.indexPath, { bigint: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const key = `${st.ino}:${st.size}:${st.mtimeNs}`;
    // Replaced between the stat and the read: the next call's stat differs and reads it again.
    if (this.view?.key !== key) this.view = { key, images: (JSON.parse(readFileSync(this.indexPath, 'utf8')) as IndexFile).images ?? [] };
    return this.view.images;
  }

  async readIndex(): Promise<StoredImage[]> {
    try {
      const f = JSON.parse(await readFile(this.indexPath, 'utf8')) as IndexFile;
      return f.images ?? [];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /** Read-modify-write of the index, serialized within this process and written atomically. */
  async updateIndex<T>(fn: (images: StoredImage[]) => T | Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      const images = await this.readIndex();
      const out = await fn(images);
      const file: IndexFile = { version: 1, images };
      await atomicWrite(this.indexPath, Buffer.from(JSON.stringify(file, null, 1)), this.tmpDir);
      return out;
    });
  }

  /** Deletes layers and blobs no image references any more. */
  async collectGarbage(): Promise<void> {
    await this.updateIndex(async (images) => {
      const layers = new Set(images.flatMap((i) => i.layers.map(hexOf)));
      const blobs = new Set(images.flatMap((i) => [i.id, i.manifestDigest].filter((d): d is string => !!d).map(hexOf)));
      for (const hex of await readdir(join(this.root, 'layers', 'sha256'))) {
        if (!layers.has(hex) && !this.pins.has(`sha256:${hex}`) && !this.layerInFlight.has(`sha256:${hex}`)) {
          await rm(join(this.root, 'layers', 'sha256', hex), { recursive: true, force: true });
        }
      }
      for (const hex of await readdir(join(this.root, 'blobs', 'sha256'))) {
        if (!blobs.has(hex)) await rm(join(this.root, 'blobs', 'sha256', hex), { force: true });
      }
    });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** write tmp + rename: readers see the old or the new file, never a torn one. */
export async function atomicWrite(path: string, data: Buffer, tmpDir: string): Promise<void> {
  const tmp = join(tmpDir, `w-${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, data, { mode: 0o644 });
  await rename(tmp, path);
}
