import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, RuntimeService } from '../runtime/cri.js';
import type { ImageRecord, ImageService } from '../runtime/images/index.js';
import { bytesToFree, ImageGC, protectedImage, selectImages, type GCImage } from './image-gc.js';

const img = (id: string, size: number, tag = `x/${id}:1`): GCImage & ImageRecord => ({ id, size, repoTags: [tag], repoDigests: [], layers: [] });

test('bytes to free: nothing below the high threshold, down to the low one above it', () => {
  const p = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 0 };
  assert.equal(bytesToFree({ capacityBytes: 1000, availableBytes: 200 }, p), 0, '80% used');
  assert.equal(bytesToFree({ capacityBytes: 1000, availableBytes: 100 }, p), 100, '90% used: to 80%');
  assert.equal(bytesToFree({ capacityBytes: 0, availableBytes: 0 }, p), 0);
});

test('selection: unused, old enough, unprotected, least recently used first, only as many as needed', () => {
  const images = [img('a', 100), img('b', 100), img('c', 100), img('d', 100), img('busy', 100, 'docker.io/library/busybox:latest')];
  const use = new Map([
    ['a', { firstDetected: 0, lastUsed: 50 }],
    ['b', { firstDetected: 0, lastUsed: 10 }],
    ['c', { firstDetected: 990, lastUsed: 0 }],
    ['d', { firstDetected: 0, lastUsed: 20 }],
    ['busy', { firstDetected: 0, lastUsed: 0 }],
  ]);
  const pick = (want: number, inUse = new Set<string>()) => selectImages(images, use, inUse, 1000, 100, want, protectedImage).map((i) => i.id);
  assert.deepEqual(pick(150), ['b', 'd']);
  assert.deepEqual(pick(Infinity), ['b', 'd', 'a'], 'c too young, busybox protected');
  assert.deepEqual(pick(Infinity, new Set(['b'])), ['d', 'a'], 'in use: kept');
  assert.deepEqual(pick(0), []);
});

test('ImageGC: an image a container uses is marked used; unused ones are removed by id, under the store in-use check', async () => {
  let now = 0;
  const images: (GCImage & ImageRecord)[] = [img('old', 10), img('used', 20), img('new', 30)];
  const removed: string[] = [];
  const svc = {
    listImages: () => Promise.resolve([...images]),
    removeImage: (id: string, o?: { inUse?: (id: string) => boolean }) => {
      if (o?.inUse?.(id)) return Promise.reject(new Error('in use'));
      removed.push(id);
      images.splice(images.findIndex((i) => i.id === id), 1);
      return Promise.resolve();
    },
  } as unknown as ImageService;
  const containers: Partial<Container>[] = [{ id: 'c1', imageRef: 'used', state: 'CONTAINER_EXITED' }];
  const rt = { listContainers: () => Promise.resolve(containers) } as unknown as RuntimeService;
  const gc = new ImageGC({ runtime: rt, images: svc, imageFs: () => ({ capacityBytes: 100, availableBytes: 5, usedBytes: 95, inodes: 1, inodesFree: 1, inodesUsed: 0 }), policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 50 }, log: () => undefined, now: () => now });
  await gc.detect();
  now = 100;
  assert.equal(await gc.garbageCollect(), 40, 'wanted 15: both unused go (least recently used first), the used one stays');
  assert.deepEqual(removed, ['old', 'new']);
  assert.equal(gc.use.get('used')?.lastUsed, 100);
});
