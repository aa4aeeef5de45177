import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, PodSpec } from '../api/core.js';
import { computeConditions, computePhase, sameStatus } from './pod-status.js';

const running = (name: string): ContainerStatus => ({ name, ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: {} } });
const exited = (name: string, exitCode: number): ContainerStatus => ({ name, ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode } } });
const waiting = (name: string, last?: number): ContainerStatus => ({ name, ready: false, restartCount: 1, image: 'busybox', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, ...(last !== undefined ? { lastState: { terminated: { exitCode: last } } } : {}) });
const spec = (restartPolicy: PodSpec['restartPolicy'], names = ['a', 'b'], init: string[] = []): PodSpec => ({ restartPolicy, containers: names.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) });

test('phase follows kubelet getPhase', () => {
  assert.equal(computePhase(spec('Always'), [], [running('a'), running('b')]), 'Running');
  assert.equal(computePhase(spec('Always'), [], [running('a')]), 'Pending', 'a container without status');
  assert.equal(computePhase(spec('Always'), [], [running('a'), waiting('b')]), 'Pending', 'waiting, never ran');
  assert.equal(computePhase(spec('Always'), [], [running('a'), waiting('b', 1)]), 'Running', 'crash looping counts as stopped');
  assert.equal(computePhase(spec('Never'), [], [exited('a', 0), exited('b', 0)]), 'Succeeded');
  assert.equal(computePhase(spec('Never'), [], [exited('a', 0), exited('b', 2)]), 'Failed');
  assert.equal(computePhase(spec('OnFailure'), [], [exited('a', 0), exited('b', 2)]), 'Running', 'OnFailure restarts the failed one');
  assert.equal(computePhase(spec('OnFailure'), [], [exited('a', 0), exited('b', 0)]), 'Succeeded');
  assert.equal(computePhase(spec('Always'), [], [exited('a', 0), exited('b', 0)]), 'Running');
  assert.equal(computePhase(spec('Never', ['a'], ['i']), [exited('i', 1)], [waiting('a')]), 'Failed', 'failed init, Never');
  assert.equal(computePhase(spec('Always', ['a'], ['i']), [waiting('i', 1)], [waiting('a')]), 'Pending', 'failed init retried');
  assert.equal(computePhase(spec('Always', ['a'], ['i']), [running('i')], [waiting('a')]), 'Pending');
});

test('conditions: Ready needs every container ready; finished pods are not ready', () => {
  const s = spec('Always');
  const c = computeConditions(s, 'Running', true, [], [running('a'), { ...running('b'), ready: false }]);
  assert.equal(c.find((x) => x.type === 'Ready')?.status, 'False');
  assert.match(c.find((x) => x.type === 'Ready')?.message ?? '', /\[b\]/);
  assert.equal(c.find((x) => x.type === 'Initialized')?.status, 'True');
  assert.equal(computeConditions(s, 'Running', true, [], [running('a'), running('b')]).find((x) => x.type === 'Ready')?.status, 'True');
  const done = computeConditions(spec('Never'), 'Succeeded', false, [], [exited('a', 0), exited('b', 0)]);
  assert.equal(done.find((x) => x.type === 'Ready')?.reason, 'PodCompleted');
});

test('sameStatus ignores condition timestamps only', () => {
  const a = { phase: 'Running' as const, conditions: [{ type: 'Ready', status: 'True' as const, lastTransitionTime: 'x' }] };
  assert.ok(sameStatus(a, { ...a, conditions: [{ ...a.conditions[0], lastTransitionTime: 'y' }] }));
  assert.ok(!sameStatus(a, { ...a, phase: 'Failed' }));
});
