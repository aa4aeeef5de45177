import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableColumns, toTable } from './kinds.js';
import type { KubeObject } from './meta.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const created = new Date(NOW.getTime() - 200_000).toISOString();

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox:1.36' }], nodeSelector: { disk: 'ssd', zone: 'z1' } },
};
const obj = (kind: string, rest: Record<string, unknown>): KubeObject => ({ apiVersion: 'apps/v1', kind, metadata: { name: 'x', namespace: 'ns', creationTimestamp: created }, ...rest });

test('apps/v1 columns as kubectl names them (wide ones at priority 1)', () => {
  const cases: [string, string[], string[]][] = [
    ['Deployment', ['Name', 'Ready', 'Up-to-date', 'Available', 'Age'], ['Containers', 'Images', 'Selector']],
    ['ReplicaSet', ['Name', 'Desired', 'Current', 'Ready', 'Age'], ['Containers', 'Images', 'Selector']],
    ['DaemonSet', ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age'], ['Containers', 'Images', 'Selector']],
    ['StatefulSet', ['Name', 'Ready', 'Age'], ['Containers', 'Images']],
    ['ControllerRevision', ['Name', 'Controller', 'Revision', 'Age'], []],
  ];
  for (const [kind, normal, wide] of cases) {
    const cols = tableColumns(kind);
    assert.deepEqual(cols.filter((c) => c.priority === 0).map((c) => c.name), normal, kind);
    assert.deepEqual(cols.filter((c) => c.priority === 1).map((c) => c.name), wide, kind);
  }
});

test('apps/v1 rows (table)', () => {
  const cases: [string, KubeObject, unknown[]][] = [
    [
      'deployment',
      obj('Deployment', {
        spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['b', 'a'] }] }, template },
        status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 1 },
      }),
      ['x', '2/3', 3, 1, '3m20s', 'a,b', 'nginx,busybox:1.36', 'app=web,tier notin (a,b)'],
    ],
    ['deployment without status', obj('Deployment', { spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template } }), ['x', '0/1', 0, 0, '3m20s', 'a,b', 'nginx,busybox:1.36', 'app=web']],
    [
      'replicaset',
      obj('ReplicaSet', { spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 3, readyReplicas: 2 } }),
      ['x', 4, 3, 2, '3m20s', 'a,b', 'nginx,busybox:1.36', 'app=web'],
    ],
    [
      'daemonset',
      obj('DaemonSet', {
        spec: { selector: { matchLabels: { app: 'web' } }, template },
        status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1, numberMisscheduled: 0 },
      }),
      ['x', 2, 2, 1, 2, 1, 'disk=ssd,zone=z1', '3m20s', 'a,b', 'nginx,busybox:1.36', 'app=web'],
    ],
    ['statefulset', obj('StatefulSet', { spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 2, readyReplicas: 1 } }), ['x', '1/2', '3m20s', 'a,b', 'nginx,busybox:1.36']],
    [
      'controllerrevision',
      { ...obj('ControllerRevision', { revision: 3, data: {} }), metadata: { name: 'x', creationTimestamp: created, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }] } },
      ['x', 'daemonset.apps/agent', 3, '3m20s'],
    ],
    ['controllerrevision without owner', obj('ControllerRevision', { revision: 1, data: {} }), ['x', '<none>', 1, '3m20s']],
  ];
  for (const [name, o, cells] of cases) assert.deepEqual(toTable(o.kind!, [o], { now: NOW }).rows[0].cells, cells, name);
});
