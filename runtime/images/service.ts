// The ImageService: the store plus loading, pulling, lookup, removal and the busybox default.
import { Readable } from 'node:stream';
import { asPromise } from '../as-promise.js';
import { importImage, publicRecord } from './import.js';
import { loadArchive } from './archive.js';
import { pullImage } from './pull.js';
import { RegistryClient } from './registry.js';
import { ImageStore, type StoredImage } from './store.js';
import { buildBusyboxImage, BUSYBOX_TAG } from './busybox.js';
import { parseReference, repositoryName, formatReference } from './reference.js';
import {
  ImageInUseError, ImageNotFoundError,
  type ImageRecord, type ImageRunConfig, type ImageService, type ImageStoreOptions, type PullOptions,
  type RemoveImageOptions, type ResolvedImage,
} from './types.js';

export const DEFAULT_IMAGE_ROOT = '/var/lib/tskube/images';

/** Opens (creating if needed) the store at opts.root and returns the service. */
export async function createImageService(opts: ImageStoreOptions = {}): Promise<ImageService> {
  const store = new ImageStore(opts.root ?? DEFAULT_IMAGE_ROOT);
  await store.init();
  return new LocalImageService(store, opts);
}

/** Finds an image by id, id prefix (≥ 6 hex), tag or digest reference. */
export function findImage(images: readonly StoredImage[], ref: string): StoredImage | undefined {
  const idLike = /^(?:sha256:)?([a-f0-9]{6,64})$/.exec(ref);
  if (idLike) {
    const hits = images.filter((i) => i.id.slice(7).startsWith(idLike[1]));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1 && ref.length < 71) throw new Error(`ambiguous image id prefix ${ref}`);
  }
  let r;
  try { r = parseReference(ref); } catch { return undefined; }
  if (r.digest) {
    const byDigest = `${repositoryName(r)}@${r.digest}`;
    return images.find((i) => i.repoDigests.includes(byDigest) || (i.manifestDigest === r.digest && i.repoDigests.some((d) => d.startsWith(`${repositoryName(r)}@`))));
  }
  const tag = formatReference(r);
  return images.find((i) => i.repoTags.includes(tag));
}

class LocalImageService implements ImageService {
  private readonly client: RegistryClient;
  private readonly pulls = new Map<string, Promise<ImageRecord>>();
  private busybox?: Promise<ImageRecord>;

  constructor(private readonly store: ImageStore, private readonly opts: ImageStoreOptions) {
    this.client = new RegistryClient(opts.insecureRegistries);
  }

  pullImage(ref: string, opts?: PullOptions): Promise<ImageRecord> {
    // One in-flight pull per normalized reference; later callers share it.
    const key = formatReference(parseReference(ref));
    let p = this.pulls.get(key);
    if (!p) {
      p = pullImage(this.store, this.client, key, opts, this.opts.allowDevices).finally(() => this.pulls.delete(key));
      this.pulls.set(key, p);
    }
    return p;
  }

  loadArchive(path: string): Promise<ImageRecord[]> {
    return loadArchive(this.store, path, { allowDevices: this.opts.allowDevices });
  }

  async listImages(): Promise<ImageRecord[]> {
    return (await this.store.readIndex()).map(publicRecord);
  }

  imageStatus(ref: string): Promise<ImageRecord | null> {
    return asPromise(() => {
      const img = findImage(this.store.readIndexView(), ref);
      return img ? publicRecord(img) : null;
    });
  }

  async removeImage(ref: string, opts: RemoveImageOptions = {}): Promise<void> {
    const deleted = await this.store.updateIndex((images) => {
      const img = findImage(images, ref);
      if (!img) throw new ImageNotFoundError(ref);
      if (opts.inUse?.(img.id)) throw new ImageInUseError(img.id);
      let tag: string | undefined;
      try { tag = formatReference(parseReference(ref)); } catch { /* an id */ }
      if (tag && img.repoTags.includes(tag) && img.repoTags.length > 1) {
        img.repoTags = img.repoTags.filter((t) => t !== tag); // untag only; other tags keep it
        return false;
      }
      images.splice(images.indexOf(img), 1);
      return true;
    });
    if (deleted) await this.store.collectGarbage();
  }

  /** Run configs by config digest: the blob's content is its name, so an entry is never stale. */
  private readonly runConfigs = new Map<string, ImageRunConfig>();

  // Every container create resolves its image: the index, the layers and the config are read
  // without thread-pool round trips (each one a few ms on a busy node).
  async resolve(ref: string): Promise<ResolvedImage> {
    const img = findImage(this.store.readIndexView(), ref);
    if (!img) throw new ImageNotFoundError(ref);
    for (const l of img.layers) {
      if (!this.store.hasLayerSync(l)) throw new Error(`image ${ref}: layer ${l} is missing from the store`);
    }
    let config = this.runConfigs.get(img.id);
    if (!config) {
      const cfg = JSON.parse((await this.store.readBlob(img.id)).toString('utf8')) as { config?: ImageRunConfig };
      const c = cfg.config ?? {};
      config = {};
      for (const k of ['Entrypoint', 'Cmd', 'Env', 'WorkingDir', 'User', 'ExposedPorts', 'Labels'] as const) {
        if (c[k] !== undefined && c[k] !== null) (config as Record<string, unknown>)[k] = c[k];
      }
      if (this.runConfigs.size >= 256) this.runConfigs.clear();
      this.runConfigs.set(img.id, config);
    }
    // A copy: callers build the container's process from it.
    return { id: img.id, layers: img.layers.map((d) => this.store.layerDir(d)), config: structuredClone(config) };
  }

  ensureBusybox(): Promise<ImageRecord> {
    this.busybox ??= this.buildBusybox().finally(() => { this.busybox = undefined; });
    return this.busybox;
  }

  private async buildBusybox(): Promise<ImageRecord> {
    const existing = findImage(this.store.readIndexView(), BUSYBOX_TAG);
    if (existing && existing.layers.every((l) => this.store.hasLayerSync(l))) {
      return publicRecord(existing);
    }
    const img = await buildBusyboxImage(this.opts.busyboxPath ?? '/bin/busybox');
    return importImage(this.store, {
      config: img.config,
      manifest: img.manifest,
      layers: [{ size: img.layer.length, open: () => Promise.resolve(Readable.from([img.layer])) }],
      repoTags: [BUSYBOX_TAG],
      repoDigests: [],
    });
  }
}

