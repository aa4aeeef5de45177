// New images from a container or a rootfs tarball:
//  - commitLayer: a container's overlay upper dir becomes one more layer on top of its image
//    (whiteouts written as `.wh.` files), with a new config (diff_ids + history);
//  - importRootfs: a tarball (plain or gzip) of a root filesystem as a one-layer image
//    (`docker import`);
//  - exportRootfs: the container's merged root filesystem (image layers + upper) as one tar.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, rename } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { importImage } from './import.js';
import { treeTarFile } from './export-image.js';
import { findImage } from './service.js';
import { decodeLayer } from './layer-stream.js';
import { normalizeReference } from './reference.js';
import type { ImageStore } from './store.js';
import { ImageNotFoundError, type ImageRecord } from './types.js';
import { asPromise } from '../as-promise.js';
import { writeTreeTar } from './tree-tar.js';

export interface CommitOptions {
  author?: string;
  message?: string;
  /** The history line, as docker's `created_by`. */
  createdBy?: string;
}

interface ConfigJSON {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  config?: Record<string, unknown>;
  rootfs?: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; author?: string; comment?: string; empty_layer?: boolean }[];
}

export async function commitLayer(store: ImageStore, baseImage: string, upperDir: string, name: string | undefined, o: CommitOptions = {}): Promise<ImageRecord> {
  const base = findImage(await store.readIndex(), baseImage);
  if (!base) throw new ImageNotFoundError(baseImage);
  const cfg = JSON.parse((await store.readBlob(base.id)).toString('utf8')) as ConfigJSON;
  const repoTags = name ? [normalizeReference(name)] : [];
  const dir = join(store.tmpDir, `commit-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  try {
    const tar = join(dir, 'layer.tar');
    const { digest } = await treeTarFile([upperDir], true, tar);
    const created = new Date().toISOString();
    const next: ConfigJSON = {
      ...cfg,
      created,
      ...(o.author ? { author: o.author } : {}),
      rootfs: { type: 'layers', diff_ids: [...(cfg.rootfs?.diff_ids ?? base.layers), digest] },
      history: [...(cfg.history ?? []), { created, created_by: o.createdBy ?? 'tskube image commit', ...(o.author ? { author: o.author } : {}), ...(o.message ? { comment: o.message } : {}) }],
    };
    next.architecture ??= 'amd64';
    next.os ??= 'linux';
    const config = Buffer.from(JSON.stringify(next));
    const layers = [...base.layers.map(() => ({ open: () => Promise.reject(new Error('base layer should be present')) })), { open: () => asPromise(() => createReadStream(tar)) }];
    return await importImage(store, { config, layers, repoTags, repoDigests: [] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A rootfs tarball (tar or tar.gz) as a one-layer image named `name`. */
export async function importRootfs(store: ImageStore, file: string, name: string | undefined, o: CommitOptions = {}): Promise<ImageRecord> {
  const repoTags = name ? [normalizeReference(name)] : [];
  const dir = join(store.tmpDir, `import-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  try {
    // The diffID is the digest of the uncompressed tar: decompress once to learn it.
    const decoded = decodeLayer(createReadStream(file));
    for await (const chunk of decoded.data) void chunk;
    const { diffID } = decoded.digests();
    const created = new Date().toISOString();
    const config = Buffer.from(JSON.stringify({
      created, architecture: 'amd64', os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: [diffID] },
      history: [{ created, created_by: o.createdBy ?? 'tskube image import', ...(o.message ? { comment: o.message } : {}) }],
    }));
    return await importImage(store, { config, layers: [{ open: () => asPromise(() => createReadStream(file)) }], repoTags, repoDigests: [] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The merged root filesystem (top first: upper, then the image's layers top-down) into `out`,
 *  written to a scratch file next to it and renamed when complete. */
export async function exportRootfs(layersTopFirst: string[], out: string): Promise<void> {
  const tmp = join(dirname(out), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeTreeTar({ layers: layersTopFirst, whiteouts: false }, createWriteStream(tmp, { mode: 0o644 }));
    await rename(tmp, out);
  } finally {
    await rm(tmp, { force: true });
  }
}
