import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PersistentVolumeClaim } from '../../api/core.js';
import { RESOURCES } from '../../api/resources.js';
import type { StorageClass } from '../../api/storage.js';
import { defaultClassName, persistentVolumeClaimStrategy } from './volumes.js';

const sc = (name: string, created: string, isDefault: string | undefined): StorageClass => ({
  metadata: { name, creationTimestamp: created, ...(isDefault !== undefined ? { annotations: { 'storageclass.kubernetes.io/is-default-class': isDefault } } : {}) },
  provisioner: 'x',
});

test('defaultClassName: only "true" counts; the newest default wins, then the name', () => {
  assert.equal(defaultClassName([]), undefined);
  assert.equal(defaultClassName([sc('a', '2026-01-01T00:00:00Z', 'True'), sc('b', '2026-01-01T00:00:00Z', undefined)]), undefined);
  assert.equal(defaultClassName([sc('old', '2026-01-01T00:00:00Z', 'true'), sc('new', '2026-02-01T00:00:00Z', 'true')]), 'new');
  assert.equal(defaultClassName([sc('b', '2026-01-01T00:00:00Z', 'true'), sc('a', '2026-01-01T00:00:00Z', 'true')]), 'a');
});

test('PVC create: the default class only for claims naming none, the pvc-protection finalizer, bad finalizers left to validation', async () => {
  const info = RESOURCES.find((r) => r.resource === 'persistentvolumeclaims')!;
  const s = persistentVolumeClaimStrategy(info, () => Promise.resolve([sc('lp', '2026-01-01T00:00:00Z', 'true')]));
  const ctx = { fieldManager: 'test', dryRun: false };
  const make = (spec: unknown, meta: Record<string, unknown> = {}) => ({ metadata: { name: 'c', ...meta }, spec }) as unknown as PersistentVolumeClaim;
  const cases: [string, PersistentVolumeClaim, string | undefined | null][] = [
    ['absent', make({}), 'lp'],
    ['null', make({ storageClassName: null }), 'lp'],
    ['"" means no class', make({ storageClassName: '' }), ''],
    ['named', make({ storageClassName: 'other' }), 'other'],
    ['beta annotation', make({}, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'x' } }), undefined],
  ];
  for (const [name, pvc, want] of cases) {
    await s.prepareForCreate!(pvc, ctx);
    assert.equal(pvc.spec?.storageClassName, want, name);
    assert.deepEqual(pvc.metadata.finalizers, ['kubernetes.io/pvc-protection'], name);
    assert.deepEqual(pvc.status, { phase: 'Pending' });
  }
  const kept = make({}, { finalizers: ['a', 'kubernetes.io/pvc-protection'] });
  await s.prepareForCreate!(kept, ctx);
  assert.deepEqual(kept.metadata.finalizers, ['a', 'kubernetes.io/pvc-protection']);
  const bad = make('nonsense', { finalizers: 'nope' });
  await s.prepareForCreate!(bad, ctx);
  assert.equal(bad.metadata.finalizers, 'nope');
  assert.equal(bad.spec, 'nonsense');
});
