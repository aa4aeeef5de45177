// Writes an image of the store as an OCI image layout (what `podman pull oci:DIR` and skopeo read),
// with each layer tar made again from its unpacked directory: for layers the builder made, the
// same bytes, so the config's diff_ids must match. The offline busybox base layer was written by
// another tar writer: it comes from buildBusyboxImage again. (The image commands' own `save` is
// another branch's; this is only to check the built layout.)
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxImage } from '../runtime/images/busybox.js';
import { ImageStore } from '../runtime/images/store.js';
import { findImage } from '../runtime/images/service.js';
import { layerDirEntries, layerTar } from '../runtime/images/build/layer-tar.js';
import { MEDIA } from '../runtime/images/media.js';

export async function exportOCILayout(imagesRoot: string, ref: string, dir: string, tag = 'latest'): Promise<{ manifest: string; config: string }> {
  const store = new ImageStore(imagesRoot);
  const img = findImage(await store.readIndex(), ref);
  if (!img) throw new Error(`no image ${ref}`);
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const put = (b: Buffer) => {
    const h = createHash('sha256').update(b).digest('hex');
    writeFileSync(join(dir, 'blobs/sha256', h), b);
    return { digest: `sha256:${h}`, size: b.length };
  };
  const busybox = await buildBusyboxImage();
  const layers = [];
  for (const diffID of img.layers) {
    const chunks: Buffer[] = [];
    for await (const c of layerTar(layerDirEntries(store.layerDir(diffID)))) chunks.push(c);
    let tar: Buffer = Buffer.concat(chunks);
    if (`sha256:${createHash('sha256').update(tar).digest('hex')}` !== diffID) tar = busybox.layer;
    layers.push({ mediaType: MEDIA.ociLayer, ...put(tar) });
  }
  const config = readFileSync(store.blobPath(img.id));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, ...put(config) }, layers }));
  const m = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA.ociManifest, ...m, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  return { manifest: m.digest, config: img.id };
}
