import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from '../api/apps.js';
import type { Pod } from '../api/core.js';
import { claimOwnerRefs, claimsFor, isMemberOf, newStatefulSetPod, parseOrdinal } from './statefulset-identity.js';
import { planStatefulSet, revisionForNewPod, type StatefulSetAction } from './statefulset-plan.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function sts(spec: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'su', generation: 2 },
    spec: { replicas: 3, serviceName: 'nginx', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
  };
}

type State = 'ready' | 'pending' | 'running' | 'failed' | 'terminating';
function pod(ordinal: number, state: State = 'ready', rev = 'web-new'): Pod {
  return {
    metadata: { name: `web-${ordinal}`, namespace: 'ns', uid: `p${ordinal}`, labels: { app: 'web', 'controller-revision-hash': rev }, ...(state === 'terminating' ? { deletionTimestamp: iso(T0) } : {}) },
    spec: { containers: [] },
    status: {
      phase: state === 'pending' ? 'Pending' : state === 'failed' ? 'Failed' : 'Running',
      conditions: state === 'ready' || state === 'terminating' ? [{ type: 'Ready', status: 'True', lastTransitionTime: iso(T0) }] : [],
    },
  };
}

const show = (a: StatefulSetAction) => (a.type === 'create' ? `create ${a.ordinal}${a.revision === 'current' ? ' (current)' : ''}` : `delete ${a.ordinal} (${a.why})`);
const plan = (s: StatefulSet, pods: Pod[], current = 'web-new', update = 'web-new') => planStatefulSet({ set: s, pods, currentRevision: current, updateRevision: update, now: T0 + 3600_000 });

describe('StatefulSet ordering (OrderedReady and Parallel)', () => {
  const cases: { name: string; set: StatefulSet; pods: Pod[]; want: string[]; current?: string }[] = [
    { name: 'empty: web-0 first, only it', set: sts(), pods: [], want: ['create 0'] },
    { name: 'web-0 pending: wait', set: sts(), pods: [pod(0, 'pending')], want: [] },
    { name: 'web-0 running but not ready: wait', set: sts(), pods: [pod(0, 'running')], want: [] },
    { name: 'web-0 ready: web-1 next', set: sts(), pods: [pod(0)], want: ['create 1'] },
    { name: 'a hole below is filled first', set: sts(), pods: [pod(0), pod(2)], want: ['create 1'] },
    { name: 'failed pod: deleted (replaced once gone), nothing after it', set: sts(), pods: [pod(0, 'failed'), pod(1)], want: ['delete 0 (failed)'] },
    { name: 'terminating pod: wait', set: sts(), pods: [pod(0, 'terminating')], want: [] },
    { name: 'Parallel: every missing ordinal at once', set: sts({ podManagementPolicy: 'Parallel' }), pods: [pod(1, 'pending')], want: ['create 0', 'create 2'] },
    { name: 'scale down: highest first, one at a time', set: sts({ replicas: 1 }), pods: [pod(0), pod(1), pod(2)], want: ['delete 2 (condemned)'] },
    { name: 'scale down waits while the higher one terminates', set: sts({ replicas: 1 }), pods: [pod(0), pod(1), pod(2, 'terminating')], want: [] },
    { name: 'scale down waits for an unready replica', set: sts({ replicas: 1 }), pods: [pod(0, 'running'), pod(1), pod(2)], want: [] },
    { name: 'scale down may delete the first unhealthy condemned pod', set: sts({ replicas: 1 }), pods: [pod(0), pod(1), pod(2, 'running')], want: ['delete 2 (condemned)'] },
    { name: 'Parallel scale down: all condemned at once', set: sts({ replicas: 1, podManagementPolicy: 'Parallel' }), pods: [pod(0), pod(1), pod(2)], want: ['delete 2 (condemned)', 'delete 1 (condemned)'] },
    { name: 'ordinals.start 5: web-5 first', set: sts({ ordinals: { start: 5 } }), pods: [], want: ['create 5'] },
    { name: 'ordinals.start 5: web-0 is condemned', set: sts({ ordinals: { start: 5 }, replicas: 1 }), pods: [pod(5), pod(0)], want: ['delete 0 (condemned)'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(plan(c.set, c.pods).actions.map(show), c.want));
});

describe('StatefulSet with huge replicas', () => {
  it('2^31-1 replicas: no array that size; OrderedReady makes one pod, Parallel at most 500 per sync', () => {
    const max = 2 ** 31 - 1;
    assert.deepEqual(plan(sts({ replicas: max }), [pod(0)]).actions.map(show), ['create 1']);
    const par = plan(sts({ replicas: max, podManagementPolicy: 'Parallel' }), [pod(0)]).actions;
    assert.equal(par.length, 500);
    assert.equal(show(par[0]), 'create 1');
  });
});

describe('StatefulSet RollingUpdate, partition and OnDelete', () => {
  const ru = (partition?: number): Partial<NonNullable<StatefulSet['spec']>> => ({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: partition === undefined ? {} : { partition } } });
  const cases: { name: string; set: StatefulSet; pods: Pod[]; want: string[] }[] = [
    { name: 'all old: the highest ordinal goes first', set: sts(ru()), pods: [pod(0, 'ready', 'web-old'), pod(1, 'ready', 'web-old'), pod(2, 'ready', 'web-old')], want: ['delete 2 (update)'] },
    { name: 'then the next one down', set: sts(ru()), pods: [pod(0, 'ready', 'web-old'), pod(1, 'ready', 'web-old'), pod(2)], want: ['delete 1 (update)'] },
    { name: 'waits for the updated pod to be ready', set: sts(ru()), pods: [pod(0, 'ready', 'web-old'), pod(1, 'ready', 'web-old'), pod(2, 'running')], want: [] },
    { name: 'partition 2: only ordinal 2 is updated', set: sts(ru(2)), pods: [pod(0, 'ready', 'web-old'), pod(1, 'ready', 'web-old'), pod(2)], want: [] },
    { name: 'partition 2: ordinal 2 old is updated', set: sts(ru(2)), pods: [pod(0, 'ready', 'web-old'), pod(1, 'ready', 'web-old'), pod(2, 'ready', 'web-old')], want: ['delete 2 (update)'] },
    { name: 'OnDelete: nothing is deleted', set: sts({ updateStrategy: { type: 'OnDelete' } }), pods: [pod(0, 'ready', 'web-old'), pod(1, 'ready', 'web-old'), pod(2, 'ready', 'web-old')], want: [] },
    { name: 'partition: a missing ordinal below it is recreated from the current revision', set: sts(ru(2)), pods: [pod(1, 'ready', 'web-old'), pod(2)], want: ['create 0 (current)'] },
    { name: 'a missing ordinal at the partition or above gets the update revision', set: sts(ru(1)), pods: [pod(0, 'ready', 'web-old')], want: ['create 1'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(plan(c.set, c.pods, 'web-old', 'web-new').actions.map(show), c.want));

  it('revisionForNewPod follows the partition; OnDelete always the update revision', () => {
    assert.equal(revisionForNewPod(sts(ru(2)), 1), 'current');
    assert.equal(revisionForNewPod(sts(ru(2)), 2), 'update');
    assert.equal(revisionForNewPod(sts({ updateStrategy: { type: 'OnDelete' } }), 0), 'update');
  });

  it('status: counts, revisions, and a finished update makes the update revision current', () => {
    const s = plan(sts(ru()), [pod(0, 'ready', 'web-old'), pod(1, 'running'), pod(2)], 'web-old', 'web-new').status;
    assert.deepEqual([s.replicas, s.readyReplicas, s.availableReplicas, s.currentReplicas, s.updatedReplicas, s.currentRevision, s.updateRevision, s.observedGeneration], [3, 2, 2, 1, 2, 'web-old', 'web-new', 2]);
    const done = plan(sts(ru()), [pod(0), pod(1), pod(2)], 'web-old', 'web-new').status;
    assert.deepEqual([done.currentRevision, done.currentReplicas, done.updatedReplicas], ['web-new', 3, 3]);
    const partial = plan(sts(ru(1)), [pod(0, 'ready', 'web-old'), pod(1), pod(2)], 'web-old', 'web-new').status;
    assert.equal(partial.currentRevision, 'web-old', 'a partitioned update is not complete');
  });
});

describe('StatefulSet identity and claims', () => {
  it('ordinals are parsed from names; only <set>-<n> pods are members', () => {
    assert.deepEqual(parseOrdinal('web-12'), { parent: 'web', ordinal: 12 });
    assert.deepEqual(parseOrdinal('my-web-0'), { parent: 'my-web', ordinal: 0 });
    assert.equal(parseOrdinal('web').ordinal, -1);
    assert.equal(parseOrdinal('web-1x').ordinal, -1);
    assert.equal(parseOrdinal('web-99999999999999999999').ordinal, -1);
    assert.equal(isMemberOf(sts(), pod(3)), true);
    assert.equal(isMemberOf(sts(), { metadata: { name: 'webx-3' } }), false);
  });

  it('the pod: name, hostname, subdomain, labels, owner, claim volumes replacing template volumes', () => {
    const s = sts({ volumeClaimTemplates: [{ metadata: { name: 'data', labels: { tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] });
    s.spec!.template.spec!.volumes = [{ name: 'data', emptyDir: {} }, { name: 'tmp', emptyDir: {} }];
    const p = newStatefulSetPod(s, s.spec?.template, 2, 'web-abc');
    assert.equal(p.metadata?.name, 'web-2');
    assert.equal(p.spec?.hostname, 'web-2');
    assert.equal(p.spec?.subdomain, 'nginx');
    assert.deepEqual(p.metadata?.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2', 'controller-revision-hash': 'web-abc' });
    assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'su', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(p.spec?.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-2' } }, { name: 'tmp', emptyDir: {} }]);
    const [c] = claimsFor(s, 2);
    assert.equal(c.metadata?.name, 'data-web-2');
    assert.deepEqual(c.metadata?.labels, { tier: 'db', app: 'web' });
    assert.equal(c.spec?.resources?.requests?.storage, '1Gi');
  });

  it('claim owners follow persistentVolumeClaimRetentionPolicy', () => {
    const p: Pod = { metadata: { name: 'web-2', uid: 'p2' } };
    const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'su' };
    const podRef = { apiVersion: 'v1', kind: 'Pod', name: 'web-2', uid: 'p2' };
    const pol = (whenDeleted: 'Retain' | 'Delete', whenScaled: 'Retain' | 'Delete') => sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
    const cases: [StatefulSet, boolean, unknown[]][] = [
      [sts(), false, []],
      [pol('Retain', 'Retain'), true, []],
      [pol('Delete', 'Retain'), false, [setRef]],
      [pol('Delete', 'Retain'), true, [setRef]],
      [pol('Retain', 'Delete'), false, []],
      [pol('Retain', 'Delete'), true, [podRef]],
      [pol('Delete', 'Delete'), false, [setRef]],
      [pol('Delete', 'Delete'), true, [podRef]],
    ];
    for (const [s, scaledDown, want] of cases) assert.deepEqual(claimOwnerRefs(s, p, [], scaledDown), want, JSON.stringify([s.spec?.persistentVolumeClaimRetentionPolicy, scaledDown]));
    // Other owners are kept.
    const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cx' };
    assert.deepEqual(claimOwnerRefs(pol('Delete', 'Retain'), p, [other, podRef], false), [other, setRef]);
  });
});
