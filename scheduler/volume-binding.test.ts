import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from '../api/core.js';
import type { StorageClass } from '../api/storage.js';
import { claimWithSelectedNode, claimsBound, filterVolumes, MSG_UNBOUND_IMMEDIATE, preFilterVolumes, REASON_BIND_CONFLICT, REASON_NODE_CONFLICT, REASON_PV_NOT_EXIST, type VolumeLookup } from './volume-binding.js';

const classes: Record<string, StorageClass> = {
  'local-path': { metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
  manual: { metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
  fast: { metadata: { name: 'fast' }, provisioner: 'x.io/fast', volumeBindingMode: 'Immediate' },
};

function claim(name: string, extra: Partial<PersistentVolumeClaim['spec']> = {}, meta: Partial<PersistentVolumeClaim['metadata']> = {}, phase: 'Pending' | 'Bound' = 'Pending'): PersistentVolumeClaim {
  return { metadata: { name, namespace: 'ns', uid: `u-${name}`, ...meta }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra }, status: { phase } };
}

function volume(name: string, extra: Partial<PersistentVolume['spec']> = {}): PersistentVolume {
  return { metadata: { name }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], ...extra }, status: { phase: 'Available' } };
}

function lookup(claims: PersistentVolumeClaim[], volumes: PersistentVolume[] = []): VolumeLookup {
  return {
    claim: (ns, n) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === n),
    volume: (n) => volumes.find((v) => v.metadata.name === n),
    volumes: () => volumes,
    storageClass: (n) => (Object.hasOwn(classes, n) ? classes[n] : undefined),
  };
}

const pod = (...claims: string[]): Pod => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) } });
const node = (name: string): Node => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
const affinity = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In' as const, values: [n] }] }] } });

test('preFilterVolumes: missing, deleting, unbound immediate, WaitForFirstConsumer', () => {
  assert.equal(preFilterVolumes(pod('x'), lookup([])), 'persistentvolumeclaim "x" not found');
  assert.equal(preFilterVolumes(pod('x'), lookup([claim('x', {}, { deletionTimestamp: '2026-01-01T00:00:00Z' })])), 'persistentvolumeclaim "x" is being deleted');
  assert.equal(preFilterVolumes(pod('x'), lookup([claim('x', { storageClassName: 'fast' })])), MSG_UNBOUND_IMMEDIATE);
  assert.equal(preFilterVolumes(pod('x'), lookup([claim('x')])), MSG_UNBOUND_IMMEDIATE);
  const ok = preFilterVolumes(pod('a', 'b'), lookup([claim('a', { storageClassName: 'local-path' }), claim('b', { volumeName: 'pv1' })]));
  assert.ok(typeof ok !== 'string');
  assert.deepEqual(ok.toBind.map((c) => c.metadata.name), ['a']);
  assert.deepEqual(ok.bound.map((c) => c.metadata.name), ['b']);
});

test('filterVolumes: node affinity, missing volume, static match, provisioning, no provisioner', () => {
  const bound = claim('b', { volumeName: 'pv1' });
  const l1 = lookup([bound], [volume('pv1', { nodeAffinity: affinity('n1') })]);
  const vols = preFilterVolumes(pod('b'), l1);
  assert.ok(typeof vols !== 'string');
  assert.deepEqual(filterVolumes(vols, node('n1'), l1).reasons, []);
  assert.deepEqual(filterVolumes(vols, node('n2'), l1).reasons, [REASON_NODE_CONFLICT]);
  assert.deepEqual(filterVolumes(vols, node('n1'), lookup([bound])).reasons, [REASON_PV_NOT_EXIST]);

  const wffc = claim('w', { storageClassName: 'local-path' });
  const lp = lookup([wffc], [volume('static', { storageClassName: 'local-path', nodeAffinity: affinity('n2') })]);
  const v2 = preFilterVolumes(pod('w'), lp);
  assert.ok(typeof v2 !== 'string');
  const onN2 = filterVolumes(v2, node('n2'), lp);
  assert.deepEqual(onN2.plan?.staticBindings.map((b) => b.volume.metadata.name), ['static']);
  const onN1 = filterVolumes(v2, node('n1'), lp);
  assert.deepEqual(onN1.plan?.provision.map((c) => c.metadata.name), ['w']);
  // A class that cannot provision and no volume: the node cannot serve it.
  const manual = claim('m', { storageClassName: 'manual' });
  const lm = lookup([manual]);
  const v3 = preFilterVolumes(pod('m'), lm);
  assert.ok(typeof v3 !== 'string');
  assert.deepEqual(filterVolumes(v3, node('n1'), lm).reasons, [REASON_BIND_CONFLICT]);
  // Already given to another node by an earlier attempt.
  const elsewhere = claim('w', { storageClassName: 'local-path' }, { annotations: { 'volume.kubernetes.io/selected-node': 'n2' } });
  const le = lookup([elsewhere]);
  const v4 = preFilterVolumes(pod('w'), le);
  assert.ok(typeof v4 !== 'string');
  assert.deepEqual(filterVolumes(v4, node('n1'), le).reasons, [REASON_BIND_CONFLICT]);
});

test('claimWithSelectedNode and claimsBound', () => {
  const c = claim('w', { storageClassName: 'local-path' });
  const sel = claimWithSelectedNode(c, 'n1')!;
  assert.equal(sel.metadata.annotations?.['volume.kubernetes.io/selected-node'], 'n1');
  assert.equal(claimWithSelectedNode(sel, 'n1'), undefined);
  assert.equal(claimsBound(pod('w'), lookup([c])), false);
  const bound = claim('w', { volumeName: 'pv' }, { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }, 'Bound');
  const pv = volume('pv', { claimRef: { namespace: 'ns', name: 'w', uid: 'u-w' } });
  assert.equal(claimsBound(pod('w'), lookup([bound], [pv])), true);
  assert.equal(claimsBound(pod('w'), lookup([bound], [])), false);
  assert.equal(claimsBound(pod('w'), lookup([])), 'persistentvolumeclaim "w" not found');
});
