import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../api/core.js';
import type { PodDisruptionBudget } from '../api/policy.js';
import { budgetStatus, countHealthy, expectedPodCount, failSafeStatus, liveDisruptedPods, needsExpectedScale, DELETION_TIMEOUT_MS } from './disruption-logic.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const pod = (name: string, ready: boolean, extra: Partial<Pod['metadata']> = {}): Pod =>
  ({ metadata: { name, namespace: 'n', labels: { app: 'a' }, ...extra }, spec: { containers: [] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
const pdb = (spec: PodDisruptionBudget['spec'], status?: Partial<PodDisruptionBudget['status']>): PodDisruptionBudget =>
  ({ metadata: { name: 'b', namespace: 'n', generation: 2 }, spec: { selector: { matchLabels: { app: 'a' } }, ...spec }, ...(status ? { status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status } } : {}) });

test('expected and desired counts: minAvailable int counts pods, percentages and maxUnavailable the controllers\' scale (rounded up)', () => {
  const pods = [pod('a', true), pod('b', true), pod('c', false)];
  assert.deepEqual(expectedPodCount(pdb({ minAvailable: 2 }), pods, 10), { expectedCount: 3, desiredHealthy: 2 });
  assert.deepEqual(expectedPodCount(pdb({ minAvailable: '50%' }), pods, 5), { expectedCount: 5, desiredHealthy: 3 });
  assert.deepEqual(expectedPodCount(pdb({ maxUnavailable: '30%' }), pods, 5), { expectedCount: 5, desiredHealthy: 3 });
  assert.deepEqual(expectedPodCount(pdb({ maxUnavailable: 9 }), pods, 5), { expectedCount: 5, desiredHealthy: 0 });
  assert.equal(needsExpectedScale(pdb({ minAvailable: 1 })), false);
  assert.equal(needsExpectedScale(pdb({ minAvailable: '1%' })), true);
  assert.equal(needsExpectedScale(pdb({ maxUnavailable: 1 })), true);
});

test('healthy pods: ready, not deleting, not recently evicted; stale or deleted evictions are dropped', () => {
  const recent = new Date(NOW - 1000).toISOString();
  const old = new Date(NOW - DELETION_TIMEOUT_MS - 1).toISOString();
  const pods = [pod('a', true), pod('b', true), pod('c', true, { deletionTimestamp: '2026-01-01T00:00:00Z' }), pod('d', false), pod('e', true)];
  const b = pdb({ minAvailable: 1 }, { disruptedPods: { a: recent, e: old, c: recent, gone: recent } });
  const live = liveDisruptedPods(b, pods, NOW);
  assert.deepEqual(live.disruptedPods, { a: recent });
  assert.equal(live.recheckAt, Date.parse(recent) + DELETION_TIMEOUT_MS);
  assert.equal(countHealthy(pods, live.disruptedPods, NOW), 2); // b and e
});

test('status: disruptionsAllowed never negative, the condition follows it and keeps its transition time', () => {
  const pods = [pod('a', true), pod('b', true), pod('c', true)];
  const s1 = budgetStatus(pdb({ minAvailable: 2 }), pods, 0, NOW).status;
  assert.equal(s1.disruptionsAllowed, 1);
  assert.equal(s1.currentHealthy, 3);
  assert.equal(s1.desiredHealthy, 2);
  assert.equal(s1.expectedPods, 3);
  assert.equal(s1.observedGeneration, 2);
  assert.deepEqual(s1.conditions?.map((c) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);
  const s2 = budgetStatus({ ...pdb({ minAvailable: 5 }), status: s1 }, pods, 0, NOW + 5000).status;
  assert.equal(s2.disruptionsAllowed, 0);
  assert.equal(s2.conditions?.[0].reason, 'InsufficientPods');
  assert.equal(s2.conditions?.[0].lastTransitionTime, '2026-01-01T00:10:05Z');
  const s3 = budgetStatus({ ...pdb({ minAvailable: 6 }), status: s2 }, pods, 0, NOW + 9000).status;
  assert.equal(s3.conditions?.[0].lastTransitionTime, '2026-01-01T00:10:05Z');
  assert.equal(budgetStatus(pdb({ maxUnavailable: 1 }), [], 0, NOW).status.disruptionsAllowed, 0, 'no expected pods: nothing allowed');
  const fs = failSafeStatus({ ...pdb({ maxUnavailable: 1 }), status: s1 }, 'found no controller ref for pod "a"', NOW);
  assert.equal(fs.disruptionsAllowed, 0);
  assert.equal(fs.observedGeneration, 2);
  assert.deepEqual([fs.conditions?.[0].reason, fs.conditions?.[0].message], ['SyncFailed', 'found no controller ref for pod "a"']);
});
