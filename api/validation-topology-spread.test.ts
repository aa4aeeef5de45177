import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopologySpreadConstraint } from './core.js';
import { validateTopologySpreadConstraints } from './validation-topology-spread.js';

const ok: TopologySpreadConstraint = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } };
const msgs = (list: unknown[]) => validateTopologySpreadConstraints(list as TopologySpreadConstraint[], 'spec.topologySpreadConstraints').map((e) => `${e.field}: ${e.message}`);

test('valid constraints pass', () => {
  assert.deepEqual(msgs([ok, { ...ok, whenUnsatisfiable: 'ScheduleAnyway', minDomains: undefined }, { ...ok, topologyKey: 'kubernetes.io/hostname', minDomains: 2, nodeAffinityPolicy: 'Ignore', nodeTaintsPolicy: 'Honor', matchLabelKeys: ['rev'] }]), []);
});

test('bad fields are rejected with upstream wording', () => {
  const f = 'spec.topologySpreadConstraints[0]';
  assert.deepEqual(msgs([{ ...ok, maxSkew: 0 }]), [`${f}.maxSkew: Invalid value: 0: must be greater than zero`]);
  assert.deepEqual(msgs([{ ...ok, maxSkew: 1e12 }]), [`${f}.maxSkew: Invalid value: 1000000000000: must be less than or equal to 2147483647`]);
  assert.deepEqual(msgs([{ ...ok, topologyKey: '' }]), [`${f}.topologyKey: Required value: can not be empty`]);
  assert.match(msgs([{ ...ok, whenUnsatisfiable: 'Maybe' }])[0], /whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"/);
  assert.deepEqual(msgs([{ ...ok, whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 }]), [`${f}.minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway`]);
  assert.deepEqual(msgs([{ ...ok, minDomains: 0 }]), [`${f}.minDomains: Invalid value: 0: must be greater than zero`]);
  assert.match(msgs([{ ...ok, nodeTaintsPolicy: 'Sometimes' }])[0], /nodeTaintsPolicy: Unsupported value: "Sometimes"/);
  assert.deepEqual(msgs([ok, ok]), ['spec.topologySpreadConstraints[1].{topologyKey, whenUnsatisfiable}: Duplicate value: "{topology.kubernetes.io/zone, DoNotSchedule}"']);
  assert.deepEqual(msgs([{ ...ok, matchLabelKeys: ['app'] }]), [`${f}.matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`]);
  assert.deepEqual(msgs([{ ...ok, labelSelector: undefined, matchLabelKeys: ['rev'] }]), [`${f}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set`]);
  assert.equal(msgs([null]).length, 3);
});
