// Adds one image (config + layers) to the store, whatever it came from: an OCI layout, a
// docker-archive, a registry, or the busybox builder. Layers already present are not reopened.
import type { ImageStore, StoredImage } from './store.js';
import { sha256 } from './store.js';
import type { ImageRecord } from './types.js';

export interface LayerSource {
  /** Compressed digest to verify (manifest digest), when known. */
  digest?: string;
  /** Size as stored/transferred, for the image size. */
  size?: number;
  open(): Promise<AsyncIterable<Buffer>>;
}

export interface ImportRequest {
  config: Buffer;
  manifest?: Buffer;
  layers: LayerSource[];
  repoTags: string[];
  repoDigests: string[];
  allowDevices?: boolean;
  /** Told about each layer: skipped (already present) or unpacked. */
  onLayer?: (index: number, diffID: string, skipped: boolean) => void;
}

interface ImageConfigJSON {
  created?: string;
  rootfs?: { type?: string; diff_ids?: string[] };
}

const LAYER_CONCURRENCY = 3;

export function diffIDsOf(config: Buffer): string[] {
  let parsed: ImageConfigJSON;
  try {
    parsed = JSON.parse(config.toString('utf8')) as ImageConfigJSON;
  } catch {
    throw new Error('image config is not valid JSON');
  }
  const ids = parsed.rootfs?.diff_ids;
  if (!Array.isArray(ids)) throw new Error('image config has no rootfs.diff_ids');
  return ids;
}

export async function importImage(store: ImageStore, req: ImportRequest): Promise<ImageRecord> {
  const diffIDs = diffIDsOf(req.config);
  if (diffIDs.length !== req.layers.length) {
    throw new Error(`image has ${req.layers.length} layers but its config lists ${diffIDs.length} diff_ids`);
  }
  const created = (JSON.parse(req.config.toString('utf8')) as ImageConfigJSON).created;
  const unpin = store.pin(diffIDs);
  try {
    let size = req.config.length;
    // Up to LAYER_CONCURRENCY layers download/unpack at once (each into its own directory).
    let next = 0;
    const worker = async () => {
      while (next < diffIDs.length) {
        const i = next++;
        const src = req.layers[i];
        let d;
        try {
          d = await store.addLayer(diffIDs[i], () => src.open(), { digest: src.digest, allowDevices: req.allowDevices });
        } catch (e) {
          next = diffIDs.length; // start nothing new once one layer failed
          throw e;
        }
        req.onLayer?.(i, diffIDs[i], d === null);
        size += src.size ?? d?.compressedSize ?? 0;
      }
    };
    // Wait for every worker before failing, so no unpack is still running when the caller
    // hears of the error (and nothing is half-written behind its back).
    const settled = await Promise.allSettled(Array.from({ length: Math.min(LAYER_CONCURRENCY, diffIDs.length) }, worker));
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    const id = sha256(req.config);
    return await store.updateIndex(async (images) => {
      await store.writeBlob(req.config);
      const manifestDigest = req.manifest ? await store.writeBlob(req.manifest) : undefined;
      // A tag names one image: move it away from any other image that had it.
      for (const other of images) {
        if (other.id !== id) other.repoTags = other.repoTags.filter((t) => !req.repoTags.includes(t));
      }
      let rec = images.find((i) => i.id === id);
      if (!rec) {
        rec = { id, repoTags: [], repoDigests: [], size, layers: diffIDs, created, manifestDigest } satisfies StoredImage;
        images.push(rec);
      }
      rec.repoTags = [...new Set([...rec.repoTags, ...req.repoTags])];
      rec.repoDigests = [...new Set([...rec.repoDigests, ...req.repoDigests])];
      rec.manifestDigest ??= manifestDigest;
      return publicRecord(rec);
    });
  } finally {
    unpin();
  }
}

export function publicRecord(s: StoredImage): ImageRecord {
  const r: ImageRecord = { id: s.id, repoTags: [...s.repoTags], repoDigests: [...s.repoDigests], size: s.size, layers: [...s.layers] };
  if (s.created) r.created = s.created;
  return r;
}
