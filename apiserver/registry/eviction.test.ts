import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../api/core.js';
import type { PodDisruptionBudget } from '../../api/policy.js';
import { takeDisruption, budgetsFor } from './eviction.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const pod = (name: string, ready: boolean, extra: Partial<Pod['metadata']> = {}): Pod =>
  ({ metadata: { name, namespace: 'n', labels: { app: 'a' }, ...extra }, spec: { containers: [] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
const pdb = (spec: PodDisruptionBudget['spec'], status?: Partial<PodDisruptionBudget['status']>): PodDisruptionBudget =>
  ({ metadata: { name: 'b', namespace: 'n', generation: 2 }, spec: { selector: { matchLabels: { app: 'a' } }, ...spec }, ...(status ? { status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status } } : {}) });

test('an eviction takes one disruption and records the pod, or is refused with upstream\'s 429 and cause', () => {
  const b = pdb({ minAvailable: 2 }, { observedGeneration: 2, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
  const next = takeDisruption(b, 'a', new Date(NOW));
  assert.equal(next.status?.disruptionsAllowed, 0);
  assert.deepEqual(next.status?.disruptedPods, { a: '2026-01-01T00:10:00Z' });
  assert.equal(next.status?.conditions?.[0].reason, 'InsufficientPods');
  assert.throws(() => takeDisruption(next, 'b', new Date(NOW)), (e: { code: number; message: string; details: { causes: { reason: string; message: string }[] } }) => {
    assert.equal(e.code, 429);
    assert.equal(e.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(e.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget b needs 2 healthy pods and has 3 currently' }]);
    return true;
  });
  assert.throws(() => takeDisruption({ ...b, status: { ...b.status!, observedGeneration: 1 } }, 'a', new Date(NOW)), /Cannot evict pod/);
  assert.throws(() => takeDisruption({ ...b, status: { ...b.status!, disruptionsAllowed: -1 } }, 'a', new Date(NOW)), /pdb disruptions allowed is negative/);
});

test('policy/v1 selection: an empty selector takes every pod, a missing one none', () => {
  const p = pod('a', true);
  assert.equal(budgetsFor(p, [{ ...pdb({}), spec: { selector: {} } }]).length, 1);
  assert.equal(budgetsFor(p, [{ ...pdb({}), spec: {} }]).length, 0);
  assert.equal(budgetsFor(p, [{ ...pdb({}), spec: { selector: { matchLabels: { app: 'z' } } } }]).length, 0);
});
