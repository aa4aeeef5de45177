// Builders for real OCI image layouts and docker-archive tarballs, used by tests (and handy for
// benchmarks): they produce the same on-disk formats skopeo/docker write.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha256 } from '../runtime/images/store.js';
import { TarWriter } from '../runtime/images/tar-writer.js';
import { MEDIA } from '../runtime/images/media.js';

export interface FixtureImage {
  /** Layer tars, lowest first (uncompressed). */
  layers: Buffer[];
  gzip?: boolean;
  /** Merged into the config's `config` section. */
  config?: Record<string, unknown>;
}

export interface BuiltImage {
  config: Buffer;
  manifest: Buffer;
  blobs: Map<string, Buffer>;
  manifestDigest: string;
  configDigest: string;
}

export function buildImage(img: FixtureImage): BuiltImage {
  const blobs = new Map<string, Buffer>();
  const layerDescs = img.layers.map((tar) => {
    const blob = img.gzip ? gzipSync(tar) : tar;
    const digest = sha256(blob);
    blobs.set(digest, blob);
    return { mediaType: img.gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest, size: blob.length };
  });
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/bin'], ...img.config },
    rootfs: { type: 'layers', diff_ids: img.layers.map((t) => sha256(t)) },
  }));
  const configDigest = sha256(config);
  blobs.set(configDigest, config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: config.length },
    layers: layerDescs,
  }));
  const manifestDigest = sha256(manifest);
  blobs.set(manifestDigest, manifest);
  return { config, manifest, blobs, manifestDigest, configDigest };
}

/** An OCI image layout directory; `refName` goes in org.opencontainers.image.ref.name. */
export async function writeOCILayout(dir: string, images: (FixtureImage & { refName?: string })[]): Promise<BuiltImage[]> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const built = images.map(buildImage);
  const manifests = [];
  for (let i = 0; i < built.length; i++) {
    for (const [d, b] of built[i].blobs) await writeFile(join(dir, 'blobs', 'sha256', d.slice(7)), b);
    manifests.push({
      mediaType: MEDIA.ociManifest, digest: built[i].manifestDigest, size: built[i].manifest.length,
      ...(images[i].refName ? { annotations: { 'org.opencontainers.image.ref.name': images[i].refName } } : {}),
    });
  }
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }));
  return built;
}

/** A classic `docker save` tarball: <n>/layer.tar, <configdigest>.json, manifest.json. */
export function dockerArchive(images: (FixtureImage & { repoTags: string[] })[]): Buffer {
  const t = new TarWriter();
  const manifest = [];
  for (const img of images) {
    const built = buildImage({ ...img, gzip: false });
    const configName = `${built.configDigest.slice(7)}.json`;
    t.file(configName, built.config);
    const layers = img.layers.map((tar, i) => {
      const name = `${sha256(`${built.configDigest}${i}`).slice(7)}/layer.tar`;
      t.dir(name.split('/')[0]);
      t.file(name, tar);
      return name;
    });
    manifest.push({ Config: configName, RepoTags: img.repoTags, Layers: layers });
  }
  t.file('manifest.json', JSON.stringify(manifest));
  return t.finish();
}
