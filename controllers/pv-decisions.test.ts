import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../api/core.js';
import type { StorageClass } from '../api/storage.js';
import { findMatchingVolume } from '../api/volume-claims.js';
import { claimBoundTo, decideClaim, decideVolume, MSG_NO_CLASS, MSG_WAIT_FOR_FIRST_CONSUMER, volumeBoundTo, volumeUnbound, type StorageLookup } from './pv-decisions.js';
import { claimFinalizerChange, volumeFinalizerChange } from './storage-protection.js';

function pv(name: string, size: string, extra: Partial<PersistentVolume['spec']> = {}, phase: NonNullable<PersistentVolume['status']>['phase'] = 'Available', meta: Partial<PersistentVolume['metadata']> = {}): PersistentVolume {
  return { metadata: { name, uid: `uid-${name}`, ...meta }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], ...extra }, status: { phase } };
}

function pvc(name: string, size: string, extra: Partial<PersistentVolumeClaim['spec']> = {}, meta: Partial<PersistentVolumeClaim['metadata']> = {}): PersistentVolumeClaim {
  return { metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...meta }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...extra }, status: { phase: 'Pending' } };
}

const classes: Record<string, StorageClass> = {
  fast: { metadata: { name: 'fast' }, provisioner: 'example.com/fast', volumeBindingMode: 'Immediate' },
  'local-path': { metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
};

function lookup(volumes: PersistentVolume[], claims: PersistentVolumeClaim[] = []): StorageLookup {
  return {
    volumes: () => volumes,
    volume: (n) => volumes.find((v) => v.metadata.name === n),
    claim: (ns, n) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === n),
    storageClass: (n) => (Object.hasOwn(classes, n) ? classes[n] : undefined),
  };
}

const node = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } } };
const onNode = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In' as const, values: [n] }] }] } });

test('findMatchingVolume: smallest fit, class, modes, selector, phase, pre-binding, node affinity', () => {
  const cases: { name: string; claim: PersistentVolumeClaim; volumes: PersistentVolume[]; want: string | undefined; delay?: boolean; withNode?: boolean }[] = [
    { name: 'smallest that fits', claim: pvc('c', '1Gi'), volumes: [pv('big', '10Gi'), pv('small', '2Gi'), pv('tiny', '500Mi')], want: 'small' },
    { name: 'exact size fits', claim: pvc('c', '1Gi'), volumes: [pv('a', '1Gi')], want: 'a' },
    { name: 'too small', claim: pvc('c', '1Gi'), volumes: [pv('a', '1000Mi')], want: undefined },
    { name: 'class must match', claim: pvc('c', '1Gi', { storageClassName: 'fast' }), volumes: [pv('none', '1Gi'), pv('fast', '5Gi', { storageClassName: 'fast' })], want: 'fast' },
    { name: 'no class only matches no class', claim: pvc('c', '1Gi'), volumes: [pv('fast', '5Gi', { storageClassName: 'fast' })], want: undefined },
    { name: 'access modes must be covered', claim: pvc('c', '1Gi', { accessModes: ['ReadWriteMany'] }), volumes: [pv('rwo', '1Gi'), pv('rwx', '9Gi', { accessModes: ['ReadWriteOnce', 'ReadWriteMany'] })], want: 'rwx' },
    { name: 'fewest modes before smallest', claim: pvc('c', '1Gi'), volumes: [pv('two', '1Gi', { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }), pv('one', '5Gi')], want: 'one' },
    { name: 'selector', claim: pvc('c', '1Gi', { selector: { matchLabels: { tier: 'db' } } }), volumes: [pv('a', '1Gi'), pv('b', '2Gi', {}, 'Available', { labels: { tier: 'db' } })], want: 'b' },
    { name: 'not Available is skipped', claim: pvc('c', '1Gi'), volumes: [pv('rel', '1Gi', {}, 'Released'), pv('ok', '3Gi')], want: 'ok' },
    { name: 'claimed by another is skipped', claim: pvc('c', '1Gi'), volumes: [pv('taken', '1Gi', { claimRef: { namespace: 'ns', name: 'other' } })], want: undefined },
    { name: 'pre-bound wins over smaller', claim: pvc('c', '1Gi'), volumes: [pv('small', '1Gi'), pv('mine', '8Gi', { claimRef: { namespace: 'ns', name: 'c' } }, 'Bound')], want: 'mine' },
    { name: 'pre-bound to an older claim uid does not match', claim: pvc('c', '1Gi'), volumes: [pv('old', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'gone' } })], want: undefined },
    { name: 'being deleted never matches', claim: pvc('c', '1Gi'), volumes: [pv('del', '1Gi', {}, 'Available', { deletionTimestamp: '2026-01-01T00:00:00Z' })], want: undefined },
    { name: 'delayed binding without node: only pre-bound', claim: pvc('c', '1Gi'), volumes: [pv('a', '1Gi')], delay: true, want: undefined },
    { name: 'node affinity excludes other nodes', claim: pvc('c', '1Gi'), volumes: [pv('n2', '1Gi', { nodeAffinity: onNode('n2') }), pv('n1', '2Gi', { nodeAffinity: onNode('n1') })], withNode: true, want: 'n1' },
    { name: 'Block vs Filesystem', claim: pvc('c', '1Gi', { volumeMode: 'Block' }), volumes: [pv('fs', '1Gi')], want: undefined },
    { name: 'unparsable size counts as 0', claim: pvc('c', '1Gi'), volumes: [pv('bad', 'lots')], want: undefined },
  ];
  for (const c of cases) {
    const got = findMatchingVolume(c.claim, c.volumes, { delayBinding: c.delay, ...(c.withNode ? { node } : {}) });
    assert.equal(got?.metadata.name, c.want, c.name);
  }
});

test('decideClaim: bind, provision, wait for first consumer, no class, pre-bound, lost', () => {
  const d1 = decideClaim(pvc('c', '1Gi'), lookup([pv('a', '2Gi')]));
  assert.equal(d1.action, 'bind');
  const d2 = decideClaim(pvc('c', '1Gi'), lookup([]));
  assert.deepEqual(d2, { action: 'phase', phase: 'Pending', event: { type: 'Normal', reason: 'FailedBinding', message: MSG_NO_CLASS } });
  const d3 = decideClaim(pvc('c', '1Gi', { storageClassName: 'local-path' }), lookup([pv('lp', '5Gi', { storageClassName: 'local-path' })]));
  assert.deepEqual(d3, { action: 'phase', phase: 'Pending', event: { type: 'Normal', reason: 'WaitForFirstConsumer', message: MSG_WAIT_FOR_FIRST_CONSUMER } });
  // With a node selected, the provisioner is asked.
  const d4 = decideClaim(pvc('c', '1Gi', { storageClassName: 'local-path' }, { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } }), lookup([]));
  assert.equal(d4.action, 'provision');
  assert.equal(d4.action === 'provision' && d4.provisioner, 'rancher.io/local-path');
  assert.equal(d4.action === 'provision' && d4.event.reason, 'ExternalProvisioning');
  // Already asked: no second write.
  const asked = pvc('c', '1Gi', { storageClassName: 'fast' }, { annotations: { 'volume.kubernetes.io/storage-provisioner': 'example.com/fast' } });
  assert.deepEqual(decideClaim(asked, lookup([])), { action: 'phase', phase: 'Pending' });
  const d5 = decideClaim(pvc('c', '1Gi', { storageClassName: 'nope' }), lookup([]));
  assert.equal(d5.action === 'phase' && d5.event?.message, 'storageclass.storage.k8s.io "nope" not found');
  // Pre-bound by volumeName to a volume that is too small.
  const d6 = decideClaim(pvc('c', '5Gi', { volumeName: 'a' }), lookup([pv('a', '1Gi')]));
  assert.equal(d6.action === 'phase' && d6.event?.message, 'Cannot bind to requested volume "a": requested PV is too small');
  const d7 = decideClaim(pvc('c', '1Gi', { volumeName: 'a' }), lookup([pv('a', '1Gi', { claimRef: { namespace: 'ns', name: 'other', uid: 'x' } }, 'Bound')]));
  assert.equal(d7.action === 'phase' && d7.event?.reason, 'FailedBinding');
  assert.equal(decideClaim(pvc('c', '1Gi', { volumeName: 'missing' }), lookup([])).action, 'phase');
  // Bound claims.
  const bound = pvc('c', '1Gi', { volumeName: 'a' }, { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } });
  const lostD = decideClaim(bound, lookup([]));
  assert.equal(lostD.action === 'phase' && lostD.phase, 'Lost');
  assert.equal(lostD.action === 'phase' && lostD.event?.message, 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
  assert.equal(decideClaim(bound, lookup([pv('a', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'uid-c' } }, 'Bound')])).action, 'bind');
  const mis = decideClaim(bound, lookup([pv('a', '1Gi', { claimRef: { namespace: 'ns', name: 'd', uid: 'uid-d' } }, 'Bound')]));
  assert.equal(mis.action === 'phase' && mis.event?.reason, 'ClaimMisbound');
});

test('decideVolume: phases and reclaim', () => {
  const claim = pvc('c', '1Gi', { volumeName: 'a' });
  const ref = { namespace: 'ns', name: 'c', uid: 'uid-c' };
  const cases: { name: string; v: PersistentVolume; claims: PersistentVolumeClaim[]; want: unknown }[] = [
    { name: 'new volume becomes Available', v: pv('a', '1Gi', {}, 'Pending'), claims: [], want: { action: 'phase', phase: 'Available' } },
    { name: 'Available stays', v: pv('a', '1Gi'), claims: [], want: { action: 'none' } },
    { name: 'bound claim: Bound', v: pv('a', '1Gi', { claimRef: ref }, 'Available'), claims: [claim], want: { action: 'phase', phase: 'Bound' } },
    { name: 'claim gone: Released', v: pv('a', '1Gi', { claimRef: ref, persistentVolumeReclaimPolicy: 'Retain' }, 'Bound'), claims: [], want: { action: 'phase', phase: 'Released' } },
    { name: 'claim recreated (new uid): Released', v: pv('a', '1Gi', { claimRef: ref }, 'Bound'), claims: [pvc('c', '1Gi', {}, { uid: 'new' })], want: { action: 'phase', phase: 'Released' } },
    { name: 'Released + Retain: kept', v: pv('a', '1Gi', { claimRef: ref, persistentVolumeReclaimPolicy: 'Retain' }, 'Released'), claims: [], want: { action: 'none' } },
    { name: 'Released + Delete, provisioned: left to the provisioner', v: pv('a', '1Gi', { claimRef: ref, persistentVolumeReclaimPolicy: 'Delete' }, 'Released', { annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }), claims: [], want: { action: 'none' } },
    { name: 'claim not yet bound: sync it', v: pv('a', '1Gi', { claimRef: ref }, 'Available'), claims: [pvc('c', '1Gi')], want: { action: 'syncClaim', namespace: 'ns', name: 'c' } },
    { name: 'claim bound elsewhere: unbind', v: pv('a', '1Gi', { claimRef: ref }, 'Bound'), claims: [pvc('c', '1Gi', { volumeName: 'b' })], want: { action: 'unbind' } },
  ];
  for (const c of cases) assert.deepEqual(decideVolume(c.v, lookup([], c.claims)), c.want, c.name);
  const failed = decideVolume(pv('a', '1Gi', { claimRef: ref, persistentVolumeReclaimPolicy: 'Delete' }, 'Released'), lookup([], []));
  assert.equal(failed.action === 'phase' && failed.phase, 'Failed');
  assert.equal(failed.action === 'phase' && failed.event?.reason, 'VolumeFailedDelete');
});

test('bind writes: claimRef and annotations set once', () => {
  const claim = pvc('c', '1Gi', {}, { resourceVersion: '7' });
  const v = volumeBoundTo(pv('a', '1Gi'), claim)!;
  assert.deepEqual(v.spec?.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c', uid: 'uid-c', apiVersion: 'v1', resourceVersion: '7' });
  assert.equal(v.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal(volumeBoundTo(v, claim), undefined);
  const c = claimBoundTo(claim, v)!;
  assert.equal(c.spec?.volumeName, 'a');
  assert.deepEqual(c.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
  assert.equal(claimBoundTo(c, v), undefined);
  // The user's own pre-binding (volumeName set by them) gets no bound-by-controller on the claim.
  const userBound = claimBoundTo(pvc('c', '1Gi', { volumeName: 'a' }), v)!;
  assert.deepEqual(userBound.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes' });
  // Unbinding: the controller's binding goes; a user's keeps the name without the uid.
  assert.equal(volumeUnbound(v).spec?.claimRef, undefined);
  const userPre = volumeUnbound(pv('a', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'u' } }));
  assert.deepEqual(userPre.spec?.claimRef, { namespace: 'ns', name: 'c', uid: '' });
});

test('protection finalizers: added, kept while in use, removed when free', () => {
  const pod = (phase: string, claimName: string): Pod => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] }, status: { phase } as Pod['status'] });
  const deleting = pvc('c', '1Gi', {}, { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['kubernetes.io/pvc-protection'] });
  assert.equal(claimFinalizerChange(pvc('c', '1Gi'), []), 'add');
  assert.equal(claimFinalizerChange(pvc('c', '1Gi', {}, { finalizers: ['kubernetes.io/pvc-protection'] }), []), 'none');
  assert.equal(claimFinalizerChange(deleting, [pod('Running', 'c')]), 'none');
  assert.equal(claimFinalizerChange(deleting, [pod('Pending', 'c')]), 'none');
  assert.equal(claimFinalizerChange(deleting, [pod('Succeeded', 'c'), pod('Running', 'other')]), 'remove');
  assert.equal(claimFinalizerChange(deleting, []), 'remove');
  assert.equal(volumeFinalizerChange(pv('a', '1Gi')), 'add');
  const delPv = (phase: 'Bound' | 'Released') => pv('a', '1Gi', {}, phase, { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['kubernetes.io/pv-protection'] });
  assert.equal(volumeFinalizerChange(delPv('Bound')), 'none');
  assert.equal(volumeFinalizerChange(delPv('Released')), 'remove');
});
