// Loads images from OCI image layouts (directory or tar) and docker-archive tarballs
// (`docker save` / `podman save`). A tar is first extracted (regular files only, safely) into
// the store's scratch space, then read as a directory.
import { createReadStream } from 'node:fs';
import { link, lstat, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readTar } from './tar-reader.js';
import { decodeLayer } from './layer-stream.js';
import { cleanPath } from './unpack.js';
import { importImage, type LayerSource } from './import.js';
import { sha256, type ImageStore } from './store.js';
import { normalizeReference } from './reference.js';
import type { ImageRecord } from './types.js';
import { MEDIA, pickPlatform, type Descriptor, type OCIIndex, type OCIManifest } from './media.js';
import { asPromise } from '../as-promise.js';

export async function loadArchive(store: ImageStore, path: string, opts: { allowDevices?: boolean } = {}): Promise<ImageRecord[]> {
  const st = await stat(path);
  if (st.isDirectory()) return loadDirectory(store, path, opts);
  const dir = join(store.tmpDir, `archive-${randomBytes(6).toString('hex')}`);
  try {
    await extractArchive(path, dir);
    return await loadDirectory(store, dir, opts, basename(path).replace(/\.(tar|tgz|tar\.gz)$/, ''));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function loadDirectory(store: ImageStore, dir: string, opts: { allowDevices?: boolean }, name = basename(dir)): Promise<ImageRecord[]> {
  if (await exists(join(dir, 'manifest.json'))) return loadDockerArchive(store, dir, opts);
  if (await exists(join(dir, 'index.json'))) return loadOCILayout(store, dir, opts, name);
  throw new Error(`${name}: neither an OCI image layout (index.json) nor a docker archive (manifest.json)`);
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null)) !== null;
}

/** A path named inside the archive, kept inside `dir`. */
function inside(dir: string, rel: string): string {
  return join(dir, ...cleanPath(rel));
}

function fileSource(path: string, digest?: string, size?: number): LayerSource {
  return { digest, size, open: () => asPromise(() => createReadStream(path)) };
}

// ---- docker-archive -------------------------------------------------------------------------

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function loadDockerArchive(store: ImageStore, dir: string, opts: { allowDevices?: boolean }): Promise<ImageRecord[]> {
  const entries = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as DockerManifestEntry[];
  if (!Array.isArray(entries)) throw new Error('docker archive: manifest.json is not a list');
  const out: ImageRecord[] = [];
  for (const e of entries) {
    const config = await readFile(inside(dir, e.Config));
    const layers: LayerSource[] = [];
    for (const l of e.Layers) {
      const p = inside(dir, l);
      // Newer docker saves name layers blobs/sha256/<hex>: then the name is a digest to check.
      const m = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/.exec(l);
      layers.push(fileSource(p, m ? `sha256:${m[1]}` : undefined, (await stat(p)).size));
    }
    const repoTags = (e.RepoTags ?? []).map(normalizeReference);
    out.push(await importImage(store, { config, layers, repoTags, repoDigests: [], allowDevices: opts.allowDevices }));
  }
  return out;
}

// ---- OCI image layout -----------------------------------------------------------------------

async function readBlob(dir: string, d: Descriptor): Promise<Buffer> {
  const [alg, hex] = d.digest.split(':');
  if (alg !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw new Error(`unsupported digest ${d.digest}`);
  const data = await readFile(join(dir, 'blobs', alg, hex));
  const got = sha256(data);
  if (got !== d.digest) throw new Error(`blob ${d.digest} in layout has digest ${got}`);
  return data;
}

/** The tag an index entry carries: a full reference, or a bare tag put under the layout's name. */
function tagOf(d: Descriptor, layoutName: string): string[] {
  const a = d.annotations ?? {};
  const full = a['io.containerd.image.name'];
  if (full) return [normalizeReference(full)];
  const ref = a['org.opencontainers.image.ref.name'];
  if (!ref) return [];
  if (ref.includes('/') || ref.includes(':')) return [normalizeReference(ref)];
  const repo = layoutName.toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '') || 'image';
  return [normalizeReference(`localhost/${repo}:${ref}`)];
}

async function loadOCILayout(store: ImageStore, dir: string, opts: { allowDevices?: boolean }, name: string): Promise<ImageRecord[]> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as OCIIndex;
  const out: ImageRecord[] = [];
  for (const top of index.manifests ?? []) {
    let desc = top;
    if (desc.mediaType === MEDIA.ociIndex || desc.mediaType === MEDIA.dockerList) {
      const nested = JSON.parse((await readBlob(dir, desc)).toString('utf8')) as OCIIndex;
      desc = pickPlatform(nested.manifests ?? []);
    }
    const manifestBytes = await readBlob(dir, desc);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as OCIManifest;
    const config = await readBlob(dir, manifest.config);
    const layers = manifest.layers.map((l) => {
      const [alg, hex] = l.digest.split(':');
      if (alg !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw new Error(`unsupported digest ${l.digest}`);
      return fileSource(join(dir, 'blobs', alg, hex), l.digest, l.size);
    });
    out.push(await importImage(store, {
      config, manifest: manifestBytes, layers, repoTags: tagOf(top, name), repoDigests: [], allowDevices: opts.allowDevices,
    }));
  }
  return out;
}

// ---- extraction of the outer tar ------------------------------------------------------------

/** Extracts regular files and dirs; in-archive symlinks to files become hard links (old docker
 *  saves dedupe layers that way). Nothing can land outside `dir`. */
async function extractArchive(path: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const decoded = decodeLayer(createReadStream(path));
  for await (const e of readTar(decoded.data)) {
    const parts = cleanPath(e.name);
    if (parts.length === 0) continue;
    const dest = join(dir, ...parts);
    if (e.type === 'dir') { await mkdir(dest, { recursive: true }); continue; }
    await mkdir(join(dir, ...parts.slice(0, -1)), { recursive: true });
    if (e.type === 'file') {
      const fh = await open(dest, 'wx', 0o600);
      try { for await (const c of e.body()) await fh.write(c); } finally { await fh.close(); }
    } else if (e.type === 'symlink' || e.type === 'link') {
      const target = e.type === 'link' ? e.linkname : posix.join(posix.dirname(parts.join('/')), e.linkname);
      if (e.linkname.startsWith('/') && e.type === 'symlink') continue;
      let tparts: string[];
      try { tparts = cleanPath(posix.normalize(target)); } catch { continue; } // escapes: ignore
      const tpath = join(dir, ...tparts);
      if ((await lstat(tpath).catch(() => null))?.isFile()) await link(tpath, dest);
    }
  }
}
