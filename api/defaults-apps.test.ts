import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from './apps.js';
import type { PodTemplateSpec } from './core.js';
import { applyDefaults } from './kinds.js';
import type { KubeObject } from './meta.js';

/** The typed objects as the generic entry point takes them. */
const asKube = <T>(o: T): KubeObject => o as unknown as KubeObject;

const template = (): PodTemplateSpec => ({ metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
const selector = { matchLabels: { app: 'a' } };
const meta = { name: 'x', namespace: 'ns' };

test('Deployment defaults: replicas 1, RollingUpdate 25%/25%, history 10, deadline 600; set values stay', () => {
  const cases: { name: string; spec: Deployment['spec']; want: Partial<NonNullable<Deployment['spec']>> }[] = [
    {
      name: 'empty',
      spec: { selector, template: template() },
      want: { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
    },
    {
      name: 'explicit zeros kept',
      spec: { selector, template: template(), replicas: 0, revisionHistoryLimit: 0, strategy: { rollingUpdate: { maxSurge: 0 } } },
      want: { replicas: 0, revisionHistoryLimit: 0, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '25%' } } },
    },
    { name: 'Recreate gets no rollingUpdate', spec: { selector, template: template(), strategy: { type: 'Recreate' } }, want: { strategy: { type: 'Recreate' } } },
  ];
  for (const c of cases) {
    const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...meta }, spec: c.spec };
    applyDefaults('Deployment', asKube(d));
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual((d.spec as unknown as Record<string, unknown>)[k], v, `${c.name}: ${k}`);
    // The template gets the pod defaults.
    assert.equal(d.spec?.template.spec?.restartPolicy, 'Always', c.name);
    assert.equal(d.spec?.template.spec?.containers[0].imagePullPolicy, 'Always', c.name);
    assert.equal(d.spec?.template.spec?.containers[0].terminationMessagePath, '/dev/termination-log', c.name);
    // Idempotent.
    const again = structuredClone(d);
    applyDefaults('Deployment', asKube(again));
    assert.deepEqual(again, d, c.name);
  }
});

test('apps/v1 does not default the selector or labels from the template', () => {
  const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...meta }, spec: { template: template() } as unknown as Deployment['spec'] };
  applyDefaults('Deployment', asKube(d));
  assert.equal(d.spec?.selector, undefined);
  assert.equal(d.metadata.labels, undefined);
});

test('ReplicaSet, DaemonSet and StatefulSet defaults', () => {
  const rs: ReplicaSet = { metadata: { ...meta }, spec: { selector, template: template() } };
  applyDefaults('ReplicaSet', asKube(rs));
  assert.equal(rs.spec?.replicas, 1);

  const ds: DaemonSet = { metadata: { ...meta }, spec: { selector, template: template() } };
  applyDefaults('DaemonSet', asKube(ds));
  assert.deepEqual(ds.spec?.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec?.revisionHistoryLimit, 10);
  const onDelete: DaemonSet = { metadata: { ...meta }, spec: { selector, template: template(), updateStrategy: { type: 'OnDelete' } } };
  applyDefaults('DaemonSet', asKube(onDelete));
  assert.deepEqual(onDelete.spec?.updateStrategy, { type: 'OnDelete' });

  const ss: StatefulSet = {
    metadata: { ...meta },
    spec: { selector, template: template(), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] },
  };
  applyDefaults('StatefulSet', asKube(ss));
  assert.equal(ss.spec?.replicas, 1);
  assert.equal(ss.spec?.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(ss.spec?.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(ss.spec?.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(ss.spec?.revisionHistoryLimit, 10);
  assert.equal(ss.spec?.volumeClaimTemplates?.[0].spec?.volumeMode, 'Filesystem');
  assert.equal(ss.spec?.volumeClaimTemplates?.[0].status?.phase, 'Pending');
  // An explicit RollingUpdate without a rollingUpdate block stays without one (upstream's order).
  const bare: StatefulSet = { metadata: { ...meta }, spec: { selector, template: template(), updateStrategy: { type: 'RollingUpdate' } } };
  applyDefaults('StatefulSet', asKube(bare));
  assert.deepEqual(bare.spec?.updateStrategy, { type: 'RollingUpdate' });
});

test('defaults survive missing or malformed specs (validation reports them)', () => {
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']) {
    for (const spec of [undefined, null, 'x', { template: 'x' }, { template: { spec: null } }, { volumeClaimTemplates: [null, 'x'] }]) {
      assert.doesNotThrow(() => applyDefaults(kind, { metadata: { ...meta }, spec } as never), `${kind} ${JSON.stringify(spec)}`);
    }
  }
});
