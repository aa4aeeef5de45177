// `image save`: images of the store as a docker-archive (`docker load`, `podman load`) or an
// oci-archive (an OCI image layout in a tar). Layers are written uncompressed, as docker save.
// The archive is written to a scratch file and renamed onto `out` only when complete.
import { createReadStream, createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Pack } from 'tar-stream';
import { exportImage, type ExportedImage } from './export-image.js';
import { findImage } from './service.js';
import { MEDIA } from './media.js';
import { packTo } from './pack-to.js';
import { sha256, type ImageStore, type StoredImage } from './store.js';
import { ImageNotFoundError } from './types.js';
import { normalizeReference, parseReference } from './reference.js';

export type ArchiveFormat = 'docker-archive' | 'oci-archive';

interface Item { img: StoredImage; tags: string[]; ex: ExportedImage }

/** Resolves names to images: a tag saves that tag; an id saves the image with all its tags. */
async function resolveAll(store: ImageStore, refs: string[]): Promise<{ img: StoredImage; tags: string[] }[]> {
  const images = await store.readIndex();
  const byId = new Map<string, { img: StoredImage; tags: string[] }>();
  for (const ref of refs) {
    const img = findImage(images, ref);
    if (!img) throw new ImageNotFoundError(ref);
    let tag: string | undefined;
    try { tag = normalizeReference(ref); } catch { /* an id */ }
    const tags = tag && img.repoTags.includes(tag) ? [tag] : img.repoTags;
    const cur = byId.get(img.id);
    if (cur) cur.tags = [...new Set([...cur.tags, ...tags])];
    else byId.set(img.id, { img, tags: [...tags] });
  }
  return [...byId.values()];
}

/** Writes the archive to `out` (a path; `-` is not handled here). */
export async function saveImages(store: ImageStore, refs: string[], out: string, format: ArchiveFormat): Promise<void> {
  if (refs.length === 0) throw new Error('no image to save');
  const items: Item[] = [];
  const tmp = join(dirname(out), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    for (const r of await resolveAll(store, refs)) items.push({ ...r, ex: await exportImage(store, r.img) });
    const w = createWriteStream(tmp, { mode: 0o644 });
    await writeArchive(items, format, w);
    await rename(tmp, out);
  } finally {
    await rm(tmp, { force: true });
    for (const i of items) await i.ex.cleanup();
  }
}

export async function writeArchive(items: Item[], format: ArchiveFormat, out: Writable): Promise<void> {
  await packTo(out, (p) => fillArchive(p, items, format));
}

async function fillArchive(p: Pack, items: Item[], format: ArchiveFormat): Promise<void> {
  const mtime = new Date(0);
  const add = (name: string, data: Buffer) => new Promise<void>((res, rej) => { p.entry({ name, mtime, mode: 0o644 }, data, (e) => (e ? rej(e) : res())); });
  const addFile = async (name: string, path: string, size: number) => { await pipeline(createReadStream(path), p.entry({ name, mtime, mode: 0o644, size })); };
  const written = new Set<string>();
  if (format === 'docker-archive') {
    const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
    for (const { tags, ex } of items) {
      const cfgName = `${ex.configDigest.slice(7)}.json`;
      if (!written.has(cfgName)) { await add(cfgName, ex.config); written.add(cfgName); }
      for (const l of ex.layers) {
        const n = `${l.diffID.slice(7)}.tar`;
        if (!written.has(n)) { await addFile(n, l.path, l.size); written.add(n); }
      }
      manifest.push({ Config: cfgName, RepoTags: tags.map(dockerTag), Layers: ex.layers.map((l) => `${l.diffID.slice(7)}.tar`) });
    }
    await add('manifest.json', Buffer.from(JSON.stringify(manifest)));
  } else {
    await add('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    const index: { schemaVersion: 2; mediaType: string; manifests: object[] } = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };
    const blob = async (data: Buffer | { path: string; size: number }, digest: string) => {
      const n = `blobs/sha256/${digest.slice(7)}`;
      if (written.has(n)) return;
      written.add(n);
      if (Buffer.isBuffer(data)) await add(n, data); else await addFile(n, data.path, data.size);
    };
    for (const { tags, ex } of items) {
      await blob(ex.config, ex.configDigest);
      for (const l of ex.layers) await blob(l, l.diffID);
      const m = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: MEDIA.ociManifest,
        config: { mediaType: MEDIA.ociConfig, digest: ex.configDigest, size: ex.config.length },
        layers: ex.layers.map((l) => ({ mediaType: MEDIA.ociLayer, digest: l.diffID, size: l.size })),
      }));
      const md = sha256(m);
      await blob(m, md);
      const desc = { mediaType: MEDIA.ociManifest, digest: md, size: m.length, platform: { architecture: 'amd64', os: 'linux' } };
      if (tags.length === 0) index.manifests.push(desc);
      for (const t of tags) {
        index.manifests.push({ ...desc, annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': parseReference(t).tag ?? 'latest' } });
      }
    }
    await add('index.json', Buffer.from(JSON.stringify(index)));
  }
}

/** Fully qualified (`docker.io/library/busybox:latest`): docker takes it, and podman would put a
 *  short `busybox:latest` under `localhost/`. */
function dockerTag(t: string): string {
  return t;
}

