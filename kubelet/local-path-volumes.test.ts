import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/core.js';
import type { StorageClass } from '../api/storage.js';
import { checkClaimBinding } from './claim-volumes.js';
import { removeVolumeDir } from './local-path-provisioner.js';
import { claimDir, ownedDir, provisionedVolume, shouldDelete, whyNotProvision } from './local-path-volumes.js';

const UID = '0f8e5c1a-2b3c-4d5e-8f90-123456789abc';
const sc: StorageClass = { metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' };

function claim(annotations: Record<string, string>, extra: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim {
  return { metadata: { name: 'data', namespace: 'web', uid: UID, annotations }, spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra } };
}

const ours = { 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path', 'volume.kubernetes.io/selected-node': 'n1' };

test('whyNotProvision: only our claims, on our node, once the node is chosen', () => {
  const cases: [string, PersistentVolumeClaim, StorageClass | undefined, string | undefined][] = [
    ['ours on this node', claim(ours), sc, undefined],
    ['another provisioner', claim({ ...ours, 'volume.kubernetes.io/storage-provisioner': 'x.io/y' }), sc, 'not ours'],
    ['no node chosen yet', claim({ 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path' }), sc, 'no node selected'],
    ['Immediate class: this node', claim({ 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path' }), { ...sc, volumeBindingMode: 'Immediate' }, undefined],
    ['another node', claim({ ...ours, 'volume.kubernetes.io/selected-node': 'n2' }), sc, 'another node'],
    ['already bound', claim(ours, { volumeName: 'pv1' }), sc, 'already bound'],
    ['class gone', claim(ours), undefined, 'no class'],
    ['Block', claim(ours, { volumeMode: 'Block' }), sc, 'Block volumes are not supported'],
  ];
  for (const [name, c, cls, want] of cases) assert.equal(whyNotProvision(c, cls, 'n1'), want, name);
});

test('the volume of a claim: its directory, hostPath, node affinity, class policy', () => {
  const dir = claimDir('/var/lib/tskube/storage', claim(ours));
  assert.equal(dir, `/var/lib/tskube/storage/pvc-${UID}_web_data`);
  const pv = provisionedVolume(claim(ours), sc, 'n1', dir);
  assert.equal(pv.metadata.name, `pvc-${UID}`);
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
  assert.deepEqual(pv.spec?.hostPath, { path: dir, type: 'DirectoryOrCreate' });
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(pv.spec?.storageClassName, 'local-path');
  assert.deepEqual(pv.spec?.capacity, { storage: '1Gi' });
  assert.deepEqual(pv.spec?.claimRef?.uid, UID);
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0].matchExpressions, [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }]);
  assert.equal(ownedDir('/var/lib/tskube/storage', pv), dir);
  assert.equal(shouldDelete({ ...pv, status: { phase: 'Released' } }, 'n1'), true);
  assert.equal(shouldDelete({ ...pv, status: { phase: 'Bound' } }, 'n1'), false);
  assert.equal(shouldDelete({ ...pv, status: { phase: 'Released' } }, 'n2'), false);
  assert.equal(shouldDelete({ ...pv, spec: { ...pv.spec, persistentVolumeReclaimPolicy: 'Retain' }, status: { phase: 'Released' } }, 'n1'), false);
});

test('ownedDir refuses any path that is not a provisioner directory under the storage dir', () => {
  const base = provisionedVolume(claim(ours), sc, 'n1', '/s/x');
  const at = (path: string): PersistentVolume => ({ ...base, spec: { ...base.spec, hostPath: { path } } });
  for (const p of ['/etc', '/s', '/s/', `/s/pvc-${UID}_web_data/../../etc`, `/s/../etc/pvc-${UID}_web_data`, `/s/sub/pvc-${UID}_web_data`, '/s/notpvc', `/s/pvc-${UID}_web_data/inner`]) {
    assert.ok(ownedDir('/s', at(p)) instanceof Error, p);
  }
  assert.equal(ownedDir('/s', at(`/s/pvc-${UID}_web_data`)), `/s/pvc-${UID}_web_data`);
});

test('removeVolumeDir removes the directory and never what its symlinks point at', async () => {
  const root = mkdtempSync(join(tmpdir(), 'localpath-'));
  try {
    const storage = join(root, 'storage');
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'keep');
    const dir = join(storage, `pvc-${UID}_web_data`);
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'file'), 'x');
    symlinkSync(outside, join(dir, 'escape'));
    symlinkSync(outside, join(dir, 'sub', 'escape2'));
    const pv = provisionedVolume(claim(ours), sc, 'n1', dir);
    await removeVolumeDir(storage, pv);
    assert.equal(existsSync(dir), false);
    assert.equal(existsSync(join(outside, 'precious')), true);
    // The volume directory itself replaced by a link: refused, the target untouched.
    symlinkSync(outside, dir);
    await assert.rejects(removeVolumeDir(storage, pv), /is not a directory/);
    assert.ok(lstatSync(dir).isSymbolicLink());
    assert.equal(existsSync(join(outside, 'precious')), true);
    // Already gone: nothing to do.
    rmSync(dir);
    await removeVolumeDir(storage, pv);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('checkClaimBinding: upstream words for claims that are not bound', () => {
  const c: PersistentVolumeClaim = { metadata: { name: 'data', namespace: 'web', uid: 'u1' }, spec: {}, status: { phase: 'Pending' } };
  assert.equal(checkClaimBinding('web', c, undefined), 'PVC web/data has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("")');
  const bound: PersistentVolumeClaim = { ...c, spec: { volumeName: 'pv1' }, status: { phase: 'Bound' } };
  assert.match(checkClaimBinding('web', bound, undefined) as string, /failed to fetch PV "pv1"/);
  const pv: PersistentVolume = { metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'web', name: 'data', uid: 'other' }, hostPath: { path: '/x' } } };
  assert.match(checkClaimBinding('web', bound, pv) as string, /does not point to the expected PVC/);
  const good = { ...pv, spec: { ...pv.spec, claimRef: { namespace: 'web', name: 'data', uid: 'u1' } } };
  assert.equal(checkClaimBinding('web', bound, good), good);
  assert.match(checkClaimBinding('web', { ...bound, metadata: { ...bound.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, good) as string, /is being deleted/);
});
