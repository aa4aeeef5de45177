// Image garbage collection, as upstream's realImageGCManager: images any container (running
// or dead) uses are "used now"; the others, least recently used first (then first detected),
// go until enough bytes are freed, skipping those seen for less than --image-minimum-gc-age
// and the offline busybox image. A periodic pass frees space when the image filesystem is at
// or above --image-gc-high-threshold percent used, down to the low threshold; the eviction
// manager asks for every unused image under disk pressure.
import type { RuntimeService } from '../runtime/cri.js';
import type { ImageRecord, ImageService } from '../runtime/images/index.js';
import { BUSYBOX_TAG } from '../runtime/images/index.js';
import type { FsReading } from './node-proc.js';

export interface ImageGCPolicy {
  /** Percent of the image filesystem used at or above which GC runs (default 85). */
  highThresholdPercent: number;
  /** Percent it frees down to (default 80). */
  lowThresholdPercent: number;
  /** Images seen for less than this are kept (default 2 min). */
  minAgeMs: number;
}

export const DEFAULT_IMAGE_GC: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };

export interface ImageUse {
  firstDetected: number;
  lastUsed: number;
}

export interface GCImage {
  id: string;
  size: number;
  repoTags: string[];
}

/** Bytes to free for the thresholds (0: below the high one). */
export function bytesToFree(fs: { capacityBytes: number; availableBytes: number }, p: ImageGCPolicy): number {
  if (fs.capacityBytes <= 0) return 0;
  const usedPercent = 100 - (fs.availableBytes * 100) / fs.capacityBytes;
  if (usedPercent < p.highThresholdPercent) return 0;
  return Math.max(0, Math.ceil((fs.capacityBytes * (100 - p.lowThresholdPercent)) / 100 - fs.availableBytes));
}

/** The images to remove, in order, to free `want` bytes: unused, old enough, not protected, least recently used first. */
export function selectImages(images: GCImage[], use: Map<string, ImageUse>, inUse: Set<string>, now: number, minAgeMs: number, want: number, isProtected: (i: GCImage) => boolean): GCImage[] {
  const candidates = images
    .filter((i) => !inUse.has(i.id) && !isProtected(i))
    .map((i) => ({ i, u: use.get(i.id) ?? { firstDetected: now, lastUsed: 0 } }))
    .filter(({ u }) => now - u.firstDetected >= minAgeMs)
    .sort((a, b) => a.u.lastUsed - b.u.lastUsed || a.u.firstDetected - b.u.firstDetected);
  const out: GCImage[] = [];
  let freed = 0;
  for (const { i } of candidates) {
    if (freed >= want) break;
    out.push(i);
    freed += i.size;
  }
  return out;
}

export const protectedImage = (i: GCImage) => i.repoTags.includes(BUSYBOX_TAG);

export class ImageGC {
  /** By image id: when first seen, when last seen in use. */
  readonly use = new Map<string, ImageUse>();

  constructor(
    private readonly d: { runtime: RuntimeService; images: ImageService; imageFs: () => FsReading | undefined; policy: ImageGCPolicy; log: (m: string) => void; now?: () => number },
  ) {}

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  /** Refresh first-detected/last-used; returns the images and the ids in use now. */
  async detect(): Promise<{ images: ImageRecord[]; inUse: Set<string> }> {
    const now = this.now();
    const [images, containers] = await Promise.all([this.d.images.listImages(), this.d.runtime.listContainers()]);
    const inUse = new Set(containers.map((c) => c.imageRef));
    const ids = new Set(images.map((i) => i.id));
    for (const i of images) {
      const u = this.use.get(i.id) ?? { firstDetected: now, lastUsed: 0 };
      if (inUse.has(i.id)) u.lastUsed = now;
      this.use.set(i.id, u);
    }
    for (const id of this.use.keys()) if (!ids.has(id)) this.use.delete(id);
    return { images, inUse };
  }

  /** Remove unused images until `want` bytes are freed; returns the bytes freed. */
  async freeSpace(want: number): Promise<number> {
    const { images, inUse } = await this.detect();
    const pick = selectImages(images, this.use, inUse, this.now(), this.d.policy.minAgeMs, want, protectedImage);
    let freed = 0;
    for (const i of pick) {
      try {
        // By id: every tag goes; a container created meanwhile makes the store refuse.
        await this.d.images.removeImage(i.id, { inUse: (id) => inUse.has(id) });
        this.use.delete(i.id);
        freed += i.size;
        this.d.log(`image GC: removed ${i.repoTags[0] ?? i.id} (${i.size} bytes)`);
      } catch (e) {
        this.d.log(`image GC: removing ${i.id}: ${(e as Error).message}`);
      }
    }
    return freed;
  }

  /** The periodic pass (upstream's GarbageCollect, every 5 min): only above the high threshold. */
  async garbageCollect(): Promise<number> {
    const fs = this.d.imageFs();
    if (!fs) return 0;
    const want = bytesToFree(fs, this.d.policy);
    if (!want) {
      await this.detect();
      return 0;
    }
    const freed = await this.freeSpace(want);
    if (freed < want) this.d.log(`image GC: wanted to free ${want} bytes, but freed ${freed} bytes`);
    return freed;
  }

  /** Under disk pressure: every unused image old enough. */
  deleteUnusedImages(): Promise<number> {
    return this.freeSpace(Number.MAX_SAFE_INTEGER);
  }
}
