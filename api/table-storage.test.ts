import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from './core.js';
import { tableColumns, toTable } from './kinds.js';
import type { KubeObject } from './meta.js';
import type { StorageClass } from './storage.js';

const NOW = new Date('2026-12-07T15:00:00Z');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: '2026-12-07T14:00:00Z', ...extra });
const ko = (o: PersistentVolume | PersistentVolumeClaim | StorageClass): KubeObject => o as unknown as KubeObject;

test('persistent volume columns', () => {
  assert.deepEqual(tableColumns('PersistentVolume').map((c) => `${c.name}/${c.priority}`), [
    'Name/0', 'Capacity/0', 'Access Modes/0', 'Reclaim Policy/0', 'Status/0', 'Claim/0', 'StorageClass/0', 'VolumeAttributesClass/0', 'Reason/0', 'Age/0', 'VolumeMode/1',
  ]);
  const pv = (spec: PersistentVolume['spec'], status: PersistentVolume['status'] = {}, extra: Record<string, unknown> = {}): PersistentVolume => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: meta('pv1', extra), spec, status });
  const cases: [string, PersistentVolume, unknown[]][] = [
    ['available', pv({ capacity: { storage: '2Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, { phase: 'Available' }), ['pv1', '2Gi', 'RWO,RWX', 'Retain', 'Available', '', '', '<unset>', '', '60m', 'Filesystem']],
    ['bound with class', pv({ capacity: { storage: '1000M' }, accessModes: ['ReadWriteOncePod'], persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'ns', name: 'data' }, storageClassName: 'local-path', volumeAttributesClassName: 'gold' }, { phase: 'Failed', reason: 'Oops' }), ['pv1', '1G', 'RWOP', 'Delete', 'Failed', 'ns/data', 'local-path', 'gold', 'Oops', '60m', '<unset>']],
    ['beta class annotation, deleting', pv({ storageClassName: 'b' }, { phase: 'Bound' }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'a' }, deletionTimestamp: NOW.toISOString() }), ['pv1', '0', '', '', 'Terminating', '', 'a', '<unset>', '', '60m', '<unset>']],
  ];
  for (const [name, o, want] of cases) assert.deepEqual(toTable('PersistentVolume', [ko(o)], { now: NOW }).rows[0].cells, want, name);
});

test('persistent volume claim columns', () => {
  assert.deepEqual(tableColumns('PersistentVolumeClaim').map((c) => c.name), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']);
  const pvc = (spec: PersistentVolumeClaim['spec'], status: PersistentVolumeClaim['status']): PersistentVolumeClaim => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('data'), spec, status });
  const cases: [string, PersistentVolumeClaim, unknown[]][] = [
    ['pending: no capacity or modes yet', pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' }, { phase: 'Pending' }), ['data', 'Pending', '', '', '', '', '<unset>', '60m', 'Filesystem']],
    ['bound: the volume\'s capacity and modes', pvc({ accessModes: ['ReadWriteOnce'], volumeName: 'pv1', storageClassName: 'local-path' }, { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }), ['data', 'Bound', 'pv1', '2Gi', 'RWO,ROX', 'local-path', '<unset>', '60m', '<unset>']],
  ];
  for (const [name, o, want] of cases) assert.deepEqual(toTable('PersistentVolumeClaim', [ko(o)], { now: NOW }).rows[0].cells, want, name);
});

test('storage class columns and the default marker', () => {
  assert.deepEqual(tableColumns('StorageClass').map((c) => c.name), ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
  const sc = (annotations: Record<string, string>, extra: Partial<StorageClass> = {}): StorageClass => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta('local-path', { annotations }), provisioner: 'rancher.io/local-path', ...extra });
  const cases: [string, StorageClass, unknown[]][] = [
    ['default', sc({ 'storageclass.kubernetes.io/is-default-class': 'true' }), ['local-path (default)', 'rancher.io/local-path', 'Delete', 'Immediate', false, '60m']],
    ['beta default', sc({ 'storageclass.beta.kubernetes.io/is-default-class': 'true' }, { reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true }), ['local-path (default)', 'rancher.io/local-path', 'Retain', 'WaitForFirstConsumer', true, '60m']],
    ['not default', sc({ 'storageclass.kubernetes.io/is-default-class': 'false' }), ['local-path', 'rancher.io/local-path', 'Delete', 'Immediate', false, '60m']],
  ];
  for (const [name, o, want] of cases) assert.deepEqual(toTable('StorageClass', [ko(o)], { now: NOW }).rows[0].cells, want, name);
});
