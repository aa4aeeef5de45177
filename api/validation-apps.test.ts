import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './meta.js';
import { applyDefaults, validate, validateStatusFields } from './kinds.js';

type Obj = Record<string, unknown>;

/** A valid object of `kind`, defaulted, with `edit` applied to its spec first. */
function workload(kind: string, edit: (spec: Obj) => void = () => undefined): KubeObject {
  const spec: Obj = {
    selector: { matchLabels: { app: 'a' } },
    template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  };
  edit(spec);
  return applyDefaults(kind, { apiVersion: 'apps/v1', kind, metadata: { name: 'x', namespace: 'ns' }, spec });
}

const messages = (obj: KubeObject, old?: KubeObject) => validate(obj.kind!, obj, old).map((c) => `${c.field}: ${c.message}`);
const tmpl = (s: Obj) => s.template as { metadata: { labels: Obj }; spec: Obj };

test('valid workloads pass', () => {
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']) assert.deepEqual(messages(workload(kind)), [], kind);
});

test('spec errors carry upstream\'s paths and wording', () => {
  const cases: { name: string; kind: string; edit: (s: Obj) => void; want: string[] }[] = [
    { name: 'negative replicas', kind: 'Deployment', edit: (s) => (s.replicas = -1), want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
    {
      name: 'missing selector',
      kind: 'Deployment',
      edit: (s) => delete s.selector,
      want: ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"a"}: `selector` does not match template `labels`'],
    },
    {
      name: 'empty selector',
      kind: 'ReplicaSet',
      edit: (s) => (s.selector = {}),
      want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
    },
    {
      name: 'empty selector (statefulset)',
      kind: 'StatefulSet',
      edit: (s) => (s.selector = { matchLabels: {} }),
      want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset'],
    },
    {
      name: 'template labels do not match',
      kind: 'DaemonSet',
      edit: (s) => (tmpl(s).metadata.labels = { app: 'b', z: '1' }),
      want: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"b", "z":"1"}: `selector` does not match template `labels`'],
    },
    {
      name: 'selector expression without values',
      kind: 'Deployment',
      edit: (s) => (s.selector = { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'k', operator: 'In' }] }),
      want: [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        // LabelSelectorAsSelector fails too, so the template is not checked against it.
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"a"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"k", Operator:"In", Values:[]string(nil)}}}: invalid label selector',
      ],
    },
    { name: 'restartPolicy Never', kind: 'ReplicaSet', edit: (s) => (tmpl(s).spec.restartPolicy = 'Never'), want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'] },
    {
      name: 'activeDeadlineSeconds',
      kind: 'Deployment',
      edit: (s) => (tmpl(s).spec.activeDeadlineSeconds = 5),
      want: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'],
    },
    { name: 'pod spec checked', kind: 'StatefulSet', edit: (s) => (tmpl(s).spec.containers = []), want: ['spec.template.spec.containers: Required value'] },
    {
      name: 'maxSurge and maxUnavailable both 0',
      kind: 'Deployment',
      edit: (s) => (s.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }),
      want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0'],
    },
    {
      name: 'bad percent, more than 100%',
      kind: 'Deployment',
      edit: (s) => (s.strategy = { rollingUpdate: { maxSurge: 'lots', maxUnavailable: '150%' } }),
      want: [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"lots\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
      ],
    },
    {
      name: 'Recreate with rollingUpdate',
      kind: 'Deployment',
      edit: (s) => (s.strategy = { type: 'Recreate', rollingUpdate: {} }),
      want: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    },
    { name: 'unknown strategy', kind: 'Deployment', edit: (s) => (s.strategy = { type: 'Blue' }), want: ['spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"'] },
    {
      name: 'progress deadline not above minReadySeconds',
      kind: 'Deployment',
      edit: (s) => Object.assign(s, { minReadySeconds: 30, progressDeadlineSeconds: 30 }),
      want: ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds'],
    },
    {
      name: 'daemonset surge and unavailable both set',
      kind: 'DaemonSet',
      edit: (s) => (s.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }),
      want: ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero'],
    },
    {
      name: 'daemonset both zero',
      kind: 'DaemonSet',
      edit: (s) => (s.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }),
      want: ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    },
    {
      name: 'statefulset policies',
      kind: 'StatefulSet',
      edit: (s) => Object.assign(s, { podManagementPolicy: 'Random', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }),
      want: [
        "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
        'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
        'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
      ],
    },
    {
      name: 'statefulset claim templates',
      kind: 'StatefulSet',
      edit: (s) => (s.volumeClaimTemplates = [{ metadata: {}, spec: { accessModes: ['ReadWriteSometimes'] } }]),
      want: [
        'spec.volumeClaimTemplates[0].metadata.name: Required value: name or generateName is required',
        'spec.volumeClaimTemplates[0].spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        'spec.volumeClaimTemplates[0].spec.resources[storage]: Required value',
      ],
    },
  ];
  for (const c of cases) {
    const got = messages(workload(c.kind, c.edit));
    for (const w of c.want) assert.ok(got.includes(w), `${c.name}: want ${w}\n got ${JSON.stringify(got, null, 1)}`);
    assert.equal(got.length, c.want.length, `${c.name}: ${JSON.stringify(got, null, 1)}`);
  }
});

test('hostile shapes are reported, never thrown', () => {
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']) {
    // Out-of-range numbers are refused when the body is decoded (structure.ts); here they must not throw.
    assert.doesNotThrow(() => messages(workload(kind, (s) => (s.replicas = 2 ** 53))));
    for (const edit of [
      (s: Obj) => (s.template = null),
      (s: Obj) => (s.selector = { matchLabels: { ['__proto__']: 'x' }, matchExpressions: [null, { key: 5, operator: {} }] }),
      (s: Obj) => (tmpl(s).metadata.labels = JSON.parse('{"__proto__":"a"}') as Obj),
    ]) {
      assert.doesNotThrow(() => messages(workload(kind, edit)), kind);
      assert.ok(messages(workload(kind, edit)).length > 0, `${kind} ${edit.toString()}`);
    }
  }
});

test('updates: apps/v1 selectors are immutable; a StatefulSet changes only its mutable fields', () => {
  const old = workload('Deployment');
  const moved = workload('Deployment', (s) => {
    s.selector = { matchLabels: { app: 'b' } };
    tmpl(s).metadata.labels = { app: 'b' };
  });
  assert.deepEqual(messages(moved, old), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
  assert.deepEqual(messages(workload('Deployment', (s) => (s.replicas = 5)), old), []);
  const ssOld = workload('StatefulSet');
  assert.deepEqual(messages(workload('StatefulSet', (s) => Object.assign(s, { replicas: 3, minReadySeconds: 2 })), ssOld), []);
  assert.deepEqual(messages(workload('StatefulSet', (s) => (s.serviceName = 'other')), ssOld), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
});

test('status rules: non-negative counters, ready/available bounded, collisionCount never decremented', () => {
  const cases: { kind: string; status: Obj; old?: Obj; want: string[] }[] = [
    { kind: 'Deployment', status: { replicas: 2, readyReplicas: 2, availableReplicas: 1, updatedReplicas: 2 }, want: [] },
    { kind: 'Deployment', status: { replicas: 1, readyReplicas: 2 }, want: ['status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas'] },
    { kind: 'Deployment', status: { observedGeneration: -1 }, want: ['status.observedGeneration: Invalid value: -1: must be greater than or equal to 0'] },
    { kind: 'Deployment', status: { collisionCount: 1 }, old: { collisionCount: 2 }, want: ['status.collisionCount: Invalid value: 1: cannot be decremented'] },
    { kind: 'ReplicaSet', status: { replicas: 2, readyReplicas: 1, availableReplicas: 2 }, want: ['status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas'] },
    { kind: 'DaemonSet', status: { currentNumberScheduled: -2, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }, want: ['status.currentNumberScheduled: Invalid value: -2: must be greater than or equal to 0'] },
    { kind: 'StatefulSet', status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, currentReplicas: 2 }, want: ['status.currentReplicas: Invalid value: 2: cannot be greater than status.replicas'] },
  ];
  for (const c of cases) {
    const obj = { ...workload(c.kind), status: c.status };
    const old = { ...workload(c.kind), status: c.old ?? {} };
    assert.deepEqual(validateStatusFields(c.kind, obj, old).map((e) => `${e.field}: ${e.message}`), c.want, JSON.stringify(c));
  }
});

test('ControllerRevision: data required, revision non-negative, data immutable', () => {
  const cr = (data: unknown, revision: number): KubeObject => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'ns' }, data, revision });
  assert.deepEqual(messages(cr({ spec: {} }, 1)), []);
  assert.deepEqual(messages(cr(undefined, -1)), ['data: Required value: data is mandatory', 'revision: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(messages(cr({ spec: { a: 1 } }, 2), cr({ spec: {} }, 1)), ['data: Invalid value: {"spec":{"a":1}}: field is immutable']);
});
