// The planner's ephemeral containers: started once in the live sandbox, never restarted, a target's
// PID namespace handed on, never killed as "not in spec". Pure logic, no runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, EphemeralContainer, Pod } from '../api/core.js';
import type { ContainerStatus as RtStatus, PodSandboxStatus } from '../runtime/cri.js';
import { containerHash } from './container-hash.js';
import { L_CONTAINER_HASH, L_CONTAINER_NAME, L_POD_UID } from './labels.js';
import { planPod, type PodAction } from './pod-plan.js';

const C: Container = { name: 'c', image: 'busybox' };
const D: EphemeralContainer = { name: 'debugger', image: 'busybox', targetContainerName: 'c' };
const E: EphemeralContainer = { name: 'plain', image: 'busybox' };
const pod = (ephemeral: EphemeralContainer[], extra: Partial<NonNullable<Pod['spec']>> = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [C], restartPolicy: 'Always', ephemeralContainers: ephemeral, ...extra } });
const sandbox: PodSandboxStatus = { id: 'sb1', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, state: 'SANDBOX_READY', createdAt: 10, network: { ip: '10.1.0.2' }, hostNetwork: false, pid: 5, labels: { [L_POD_UID]: 'u1' }, annotations: {} };

function ctr(spec: Container, state: RtStatus['state'], exitCode = 0): RtStatus {
  return {
    id: `${spec.name}-0`, podSandboxId: 'sb1', metadata: { name: spec.name, attempt: 0 }, state, pid: state === 'CONTAINER_RUNNING' ? 9 : 0, createdAt: 100, startedAt: 100,
    finishedAt: state === 'CONTAINER_EXITED' ? 200 : 0, exitCode, image: 'busybox', imageRef: 'sha256:x', reason: '', message: '',
    labels: { [L_POD_UID]: 'u1', [L_CONTAINER_NAME]: spec.name, [L_CONTAINER_HASH]: containerHash(spec) }, annotations: {}, mounts: [], logPath: '',
  };
}

const plan = (p: Pod, containers: RtStatus[], sandboxes = [sandbox]) => planPod({ pod: p, observed: { sandboxes, containers }, now: 1_000_000 });
const starts = (actions: PodAction[]) => actions.filter((a) => a.type === 'startContainer');

test('an ephemeral container targeting a running container starts with that container\'s id as its PID target', () => {
  const p = plan(pod([D, E]), [ctr(C, 'CONTAINER_RUNNING')]);
  assert.deepEqual(starts(p.actions).map((a) => a.type === 'startContainer' && [a.name, a.kind, a.attempt, a.restart, a.pidTargetContainerId]), [
    ['debugger', 'ephemeral', 0, false, 'c-0'],
    ['plain', 'ephemeral', 0, false, undefined],
  ]);
});

test('a running ephemeral container is left alone, never killed as not in the spec', () => {
  const p = plan(pod([D]), [ctr(C, 'CONTAINER_RUNNING'), ctr(D, 'CONTAINER_RUNNING')]);
  assert.deepEqual(p.actions, []);
});

test('an exited ephemeral container is never restarted, whatever its exit code and restartPolicy', () => {
  for (const code of [0, 1]) {
    const p = plan(pod([D]), [ctr(C, 'CONTAINER_RUNNING'), ctr(D, 'CONTAINER_EXITED', code)]);
    assert.deepEqual(starts(p.actions), []);
    assert.equal(p.outcome, undefined, 'the pod goes on');
  }
});

test('the target not running: the ephemeral container waits for it', () => {
  const p = plan(pod([D], { restartPolicy: 'Never' }), [ctr(C, 'CONTAINER_CREATED')]);
  assert.deepEqual(starts(p.actions), []);
});

test('no live sandbox: a new one starts the app containers only', () => {
  const p = plan(pod([D, E]), [], []);
  assert.deepEqual(p.actions.map((a) => a.type === 'startContainer' ? `${a.kind} ${a.name}` : a.type), ['createSandbox', 'app c']);
});

test('a finished pod starts no ephemeral container', () => {
  const p = plan(pod([E], { restartPolicy: 'Never' }), [ctr(C, 'CONTAINER_EXITED')]);
  assert.deepEqual(starts(p.actions), []);
  assert.deepEqual(p.outcome, { phase: 'Succeeded' });
});
