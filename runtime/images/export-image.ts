// An image of the store made ready to leave it (save, push): each unpacked layer is written
// back to a tar in the store's scratch space. The store keeps layers unpacked only, so a layer
// tar is rebuilt (deterministically) from its directory; when its digest is not the diffID the
// image was made with (a layer first built by another tool), the config's rootfs.diff_ids are
// rewritten to the rebuilt tars' digests, so the image written out is self-consistent (its id
// then differs from the stored one, as docker's does after a save of a re-tarred layer).
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sha256, type ImageStore, type StoredImage } from './store.js';
import { writeTreeTar } from './tree-tar.js';

export interface ExportedLayer {
  /** Uncompressed tar on disk, its digest (the diffID) and size. */
  path: string;
  diffID: string;
  size: number;
}

export interface ExportedImage {
  /** The config as written out (rewritten when a rebuilt layer's digest changed). */
  config: Buffer;
  configDigest: string;
  layers: ExportedLayer[];
  /** Removes the scratch files. */
  cleanup(): Promise<void>;
}

/** A sha256-counting pass-through. */
export function hashing(): { stream: Transform; result: () => { digest: string; size: number } } {
  const h = createHash('sha256');
  let size = 0;
  const stream = new Transform({ transform(chunk: Buffer, _e, cb) { h.update(chunk); size += chunk.length; cb(null, chunk); } });
  return { stream, result: () => ({ digest: `sha256:${h.digest('hex')}`, size }) };
}

/** Writes a tar of `layers` (see writeTreeTar) to `path`; returns its digest and size. */
export async function treeTarFile(layers: string[], whiteouts: boolean, path: string): Promise<{ digest: string; size: number }> {
  const h = hashing();
  const out = createWriteStream(path, { mode: 0o600 });
  await Promise.all([writeTreeTar({ layers, whiteouts }, h.stream), pipeline(h.stream, out)]);
  return h.result();
}

/** gzips a file; returns the compressed file's digest and size. */
export async function gzipFile(src: string, dest: string): Promise<{ digest: string; size: number }> {
  const { createReadStream } = await import('node:fs');
  const h = hashing();
  await pipeline(createReadStream(src), createGzip({ level: 6 }), h.stream, createWriteStream(dest, { mode: 0o600 }));
  return h.result();
}

export async function exportImage(store: ImageStore, img: StoredImage): Promise<ExportedImage> {
  const dir = join(store.tmpDir, `export-${randomBytes(6).toString('hex')}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const layers: ExportedLayer[] = [];
    for (const diffID of img.layers) {
      if (!(await store.hasLayer(diffID))) throw new Error(`image ${img.id}: layer ${diffID} is missing from the store`);
      const path = join(dir, `${diffID.slice(7)}.tar`);
      const r = await treeTarFile([store.layerDir(diffID)], true, path);
      layers.push({ path, diffID: r.digest, size: (await stat(path)).size });
    }
    let config = await store.readBlob(img.id);
    if (layers.some((l, i) => l.diffID !== img.layers[i])) {
      const parsed = JSON.parse(config.toString('utf8')) as { rootfs?: { type?: string; diff_ids?: string[] } };
      parsed.rootfs = { type: 'layers', diff_ids: layers.map((l) => l.diffID) };
      config = Buffer.from(JSON.stringify(parsed));
    }
    return { config, configDigest: sha256(config), layers, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
