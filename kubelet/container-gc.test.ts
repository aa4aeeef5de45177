import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container } from '../runtime/cri.js';
import { selectDeadContainers, type PodState } from './container-gc.js';

function ctr(id: string, uid: string, name: string, attempt: number, state: Container['state'], createdAt = 0): Container {
  return { id, podSandboxId: 's', metadata: { name, attempt }, image: 'busybox', imageRef: 'i', state, createdAt, labels: { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': name }, annotations: {} };
}

const all = [
  ctr('a0', 'live', 'c', 0, 'CONTAINER_EXITED'),
  ctr('a1', 'live', 'c', 1, 'CONTAINER_EXITED'),
  ctr('a2', 'live', 'c', 2, 'CONTAINER_EXITED'),
  ctr('a3', 'live', 'c', 3, 'CONTAINER_RUNNING'),
  ctr('f0', 'done', 'c', 0, 'CONTAINER_EXITED'),
  ctr('g0', 'gone', 'c', 0, 'CONTAINER_EXITED'),
  ctr('y0', 'live', 'young', 0, 'CONTAINER_EXITED', 950),
  ctr('y1', 'live', 'young', 1, 'CONTAINER_EXITED', 990),
];
const state = (uid: string): PodState => (uid === 'gone' ? 'gone' : uid === 'done' ? 'finished' : 'active');
const ids = (cs: Container[]) => cs.map((c) => c.id).sort();

test('the newest dead attempt per container is kept (logs --previous), pods gone from every source lose all', () => {
  assert.deepEqual(ids(selectDeadContainers(all, state, { maxPerPodContainer: 1, minAgeMs: 0 }, 1000, false)), ['a0', 'a1', 'g0', 'y0']);
});

test('minimum TTL keeps young dead containers; no limit keeps every attempt', () => {
  assert.deepEqual(ids(selectDeadContainers(all, state, { maxPerPodContainer: 1, minAgeMs: 100 }, 1000, false)), ['a0', 'a1', 'g0']);
  assert.deepEqual(ids(selectDeadContainers(all, state, { maxPerPodContainer: -1, minAgeMs: 0 }, 1000, false)), ['g0']);
});

test('reclaiming disk: finished pods lose all their dead containers too', () => {
  assert.deepEqual(ids(selectDeadContainers(all, state, { maxPerPodContainer: 1, minAgeMs: 0 }, 1000, true)), ['a0', 'a1', 'f0', 'g0', 'y0']);
});
