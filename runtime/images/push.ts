// Pushes an image of the store to a registry (HTTP API v2): each layer gzipped and uploaded in
// chunks unless the repository already has it (HEAD) or it can be mounted from another
// repository of the same registry the image came from or went to; then the config and a
// Docker v2 schema 2 manifest under the tag. The repo digest is recorded on the image.
import { createReadStream } from 'node:fs';
import { exportImage, gzipFile } from './export-image.js';
import { findImage } from './service.js';
import { MEDIA } from './media.js';
import { parseReference, repositoryName, formatReference } from './reference.js';
import type { RegistryClient } from './registry.js';
import type { ImageStore } from './store.js';
import { ImageNotFoundError, type RegistryAuth } from './types.js';

export interface PushProgress {
  phase: 'layer' | 'config' | 'manifest';
  digest: string;
  current: number;
  total: number;
  /** 'exists': the registry had it (HEAD); 'mounted': cross-repository mount. */
  outcome?: 'exists' | 'mounted' | 'uploaded';
}

export interface PushOptions {
  auth?: RegistryAuth;
  /** Upload chunk size in bytes (default 4 MiB). */
  chunkSize?: number;
  onProgress?: (p: PushProgress) => void;
  /** Push the image found under `source` (default: `ref` itself). */
  source?: string;
}

export async function pushImage(store: ImageStore, client: RegistryClient, ref: string, o: PushOptions = {}): Promise<{ digest: string; ref: string }> {
  const r = parseReference(ref);
  if (r.digest) throw new Error(`push ${ref}: push to a tag, not a digest`);
  const img = findImage(await store.readIndex(), o.source ?? ref);
  if (!img) throw new ImageNotFoundError(o.source ?? ref);
  const chunkSize = o.chunkSize ?? 4 << 20;
  // Other repositories of this registry known to hold this image's blobs.
  const known = [...img.repoDigests.map((d) => parseReference(d)), ...(img.pushedRepos ?? []).map((p) => parseReference(p))];
  const mountFrom = known.find((d) => d.domain === r.domain && d.path !== r.path)?.path;
  const ex = await exportImage(store, img);
  try {
    const layers: { digest: string; size: number }[] = [];
    for (const l of ex.layers) {
      const gz = `${l.path}.gz`;
      const { digest, size } = await gzipFile(l.path, gz);
      layers.push({ digest, size });
      const report = (current: number, outcome?: PushProgress['outcome']) => o.onProgress?.({ phase: 'layer', digest, current, total: size, outcome });
      if (await client.blobExists(r, digest, o.auth)) { report(size, 'exists'); continue; }
      const outcome = await client.uploadBlob(r, digest, size, () => chunked(gz, chunkSize), {
        auth: o.auth, mountFrom, onBytes: (n) => report(n),
      });
      report(size, outcome);
    }
    if (await client.blobExists(r, ex.configDigest, o.auth)) {
      o.onProgress?.({ phase: 'config', digest: ex.configDigest, current: ex.config.length, total: ex.config.length, outcome: 'exists' });
    } else {
      await client.uploadBlob(r, ex.configDigest, ex.config.length, () => [ex.config], { auth: o.auth });
      o.onProgress?.({ phase: 'config', digest: ex.configDigest, current: ex.config.length, total: ex.config.length, outcome: 'uploaded' });
    }
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.dockerManifest,
      config: { mediaType: MEDIA.dockerConfig, size: ex.config.length, digest: ex.configDigest },
      layers: layers.map((l) => ({ mediaType: MEDIA.dockerLayerGzip, size: l.size, digest: l.digest })),
    }));
    const digest = await client.putManifest(r, r.tag!, manifest, MEDIA.dockerManifest, o.auth);
    o.onProgress?.({ phase: 'manifest', digest, current: manifest.length, total: manifest.length, outcome: 'uploaded' });
    // Remember where this image now is (a later push elsewhere on the registry can mount from it).
    // A repo digest only when the pushed config is the stored one (a rebuilt layer changes it).
    await store.updateIndex((images) => {
      const rec = images.find((i) => i.id === img.id);
      if (!rec) return;
      const rd = `${repositoryName(r)}@${digest}`;
      if (ex.configDigest === img.id && !rec.repoDigests.includes(rd)) rec.repoDigests.push(rd);
      rec.pushedRepos = [...new Set([...(rec.pushedRepos ?? []), repositoryName(r)])];
    });
    return { digest, ref: formatReference(r) };
  } finally {
    await ex.cleanup();
  }
}

/** A file in chunks of `size` bytes. */
async function* chunked(path: string, size: number): AsyncGenerator<Buffer> {
  let buf: Buffer[] = [];
  let n = 0;
  for await (const c of createReadStream(path, { highWaterMark: Math.min(size, 1 << 20) }) as AsyncIterable<Buffer>) {
    buf.push(c);
    n += c.length;
    while (n >= size) {
      const all = Buffer.concat(buf);
      yield all.subarray(0, size);
      buf = [all.subarray(size)];
      n = all.length - size;
    }
  }
  if (n > 0) yield Buffer.concat(buf);
}

