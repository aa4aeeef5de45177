// Table-driven tests of the pure planner: no runtime, no root, no I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from '../api/core.js';
import type { ContainerStatus as RtStatus, PodSandboxStatus } from '../runtime/cri.js';
import { containerHash } from './container-hash.js';
import { L_CONTAINER_HASH, L_CONTAINER_NAME, L_POD_UID } from './labels.js';
import { planPod, planTermination, type PlanInput, type PodAction, type PodPlan } from './pod-plan.js';

const NOW = 1_000_000;
const app = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: 'busybox', ...extra });

function pod(spec: Partial<NonNullable<Pod['spec']>>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [app('c')], restartPolicy: 'Always', ...spec } };
}

function sandbox(id: string, state: PodSandboxStatus['state'] = 'SANDBOX_READY', createdAt = 10): PodSandboxStatus {
  return { id, metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, state, createdAt, network: { ip: '10.1.0.2' }, hostNetwork: false, pid: state === 'SANDBOX_READY' ? 5 : 0, labels: { [L_POD_UID]: 'u1' }, annotations: {} };
}

interface Ctr {
  id?: string;
  state?: 'run' | 'exit' | 'created' | 'unknown';
  attempt?: number;
  exitCode?: number;
  sb?: string;
  /** The spec the container was made from (its hash label); default the pod's own spec of that name. */
  from?: Container;
}

/** A runtime container of the pod: `name` with its state; hash from the given spec. */
function ctr(spec: Container, o: Ctr = {}): RtStatus {
  const state = o.state === 'exit' ? 'CONTAINER_EXITED' : o.state === 'created' ? 'CONTAINER_CREATED' : o.state === 'unknown' ? 'CONTAINER_UNKNOWN' : 'CONTAINER_RUNNING';
  const attempt = o.attempt ?? 0;
  return {
    id: o.id ?? `${spec.name}-${attempt}`, podSandboxId: o.sb ?? 'sb1', metadata: { name: spec.name, attempt }, state, pid: state === 'CONTAINER_RUNNING' ? 9 : 0,
    createdAt: 100 + attempt, startedAt: 100 + attempt, finishedAt: state === 'CONTAINER_EXITED' ? 200 + attempt : 0, exitCode: o.exitCode ?? 0, image: 'busybox', imageRef: 'sha256:x',
    reason: '', message: '', labels: { [L_POD_UID]: 'u1', [L_CONTAINER_NAME]: spec.name, [L_CONTAINER_HASH]: containerHash(o.from ?? spec) }, annotations: {}, mounts: [], logPath: '',
  };
}

/** One line per action, short enough to read a table by. */
function show(a: PodAction): string {
  switch (a.type) {
    case 'createSandbox': return `createSandbox #${a.attempt}`;
    case 'killSandbox': return `killSandbox ${a.sandboxId}`;
    case 'removeSandbox': return `removeSandbox ${a.sandboxId}`;
    case 'startContainer': return `start ${a.kind} ${a.name} #${a.attempt}${a.restart ? ' restart' : ''}`;
    case 'resumeContainer': return `resume ${a.containerId}`;
    case 'killContainer': return `kill ${a.containerId} ${a.reason} grace=${a.gracePeriodSeconds}`;
    case 'removeContainer': return `remove ${a.containerId}`;
  }
}

interface Case {
  name: string;
  pod: Pod;
  sandboxes?: PodSandboxStatus[];
  containers?: RtStatus[];
  input?: Partial<PlanInput>;
  actions: string[];
  waits?: string[];
  outcome?: PodPlan['outcome'];
  wakeAt?: number;
  /** Messages (of kill actions) that must appear. */
  messages?: string[];
}

const C = app('c');
const I0 = app('i0', { command: ['true'] });
const I1 = app('i1', { command: ['true'] });
const withInit = (o: Partial<NonNullable<Pod['spec']>> = {}) => pod({ initContainers: [I0, I1], ...o });
const ready = [sandbox('sb1')];

const cases: Case[] = [
  { name: 'a new pod gets a sandbox and its containers', pod: pod({ containers: [C, app('d')] }), actions: ['createSandbox #0', 'start app c #0', 'start app d #0'] },
  { name: 'a new pod with init containers starts only the first init container', pod: withInit(), actions: ['createSandbox #0', 'start init i0 #0'] },
  { name: 'the next init container after one succeeded', pod: withInit(), sandboxes: ready, containers: [ctr(I0, { state: 'exit' })], actions: ['start init i1 #0'] },
  { name: 'a running init container: wait for it', pod: withInit(), sandboxes: ready, containers: [ctr(I0, { state: 'exit' }), ctr(I1)], actions: [] },
  { name: 'all init containers succeeded: the app containers start', pod: withInit(), sandboxes: ready, containers: [ctr(I0, { state: 'exit' }), ctr(I1, { state: 'exit' })], actions: ['start app c #0'] },
  { name: 'a failed init container with restartPolicy Never fails the pod', pod: withInit({ restartPolicy: 'Never' }), sandboxes: ready, containers: [ctr(I0, { state: 'exit', exitCode: 1 })], actions: [], outcome: { phase: 'Failed', reason: 'InitContainerFailed', message: 'Init container i0 failed and restartPolicy is Never' } },
  { name: 'a failed init container with OnFailure runs again', pod: withInit({ restartPolicy: 'OnFailure' }), sandboxes: ready, containers: [ctr(I0, { state: 'exit', exitCode: 1 })], actions: ['start init i0 #1 restart'] },
  {
    name: 'a failed init container in back-off waits', pod: withInit({ restartPolicy: 'OnFailure' }), sandboxes: ready, containers: [ctr(I0, { state: 'exit', exitCode: 1 })],
    input: { backoff: new Map([['i0', { until: NOW + 5000, delayMs: 10_000 }]]) }, actions: [], waits: ['i0 CrashLoopBackOff'], wakeAt: NOW + 5000,
  },
  { name: 'Always: an exit 0 is restarted', pod: pod({}), sandboxes: ready, containers: [ctr(C, { state: 'exit' })], actions: ['start app c #1 restart'] },
  { name: 'OnFailure: an exit 0 is not restarted; the pod succeeded', pod: pod({ restartPolicy: 'OnFailure' }), sandboxes: ready, containers: [ctr(C, { state: 'exit' })], actions: [], outcome: { phase: 'Succeeded' } },
  { name: 'OnFailure: an exit 1 is restarted', pod: pod({ restartPolicy: 'OnFailure' }), sandboxes: ready, containers: [ctr(C, { state: 'exit', exitCode: 1 })], actions: ['start app c #1 restart'] },
  { name: 'OnFailure: exit 0 of a container the kubelet killed is restarted', pod: pod({ restartPolicy: 'OnFailure' }), sandboxes: ready, containers: [ctr(C, { state: 'exit' })], input: { kubeletKilled: new Set(['c-0']) }, actions: ['start app c #1 restart'] },
  { name: 'Never: an exit 1 is final; the pod failed', pod: pod({ restartPolicy: 'Never' }), sandboxes: ready, containers: [ctr(C, { state: 'exit', exitCode: 1 })], actions: [], outcome: { phase: 'Failed' } },
  { name: 'Never: one of two still running keeps the pod going', pod: pod({ restartPolicy: 'Never', containers: [C, app('d')] }), sandboxes: ready, containers: [ctr(C, { state: 'exit' }), ctr(app('d'))], actions: [] },
  { name: 'a running container with its spec unchanged is left alone', pod: pod({}), sandboxes: ready, containers: [ctr(C)], actions: [] },
  {
    name: 'spec hash changed: killed and started again', pod: pod({ containers: [app('c', { image: 'busybox:2' })] }), sandboxes: ready, containers: [ctr(app('c', { image: 'busybox:2' }), { from: C })],
    actions: ['kill c-0 SpecChanged grace=30', 'start app c #1 restart'], messages: ['Container c definition changed, will be restarted'],
  },
  { name: 'spec hash changed with restartPolicy Never: restarted all the same', pod: pod({ restartPolicy: 'Never', containers: [app('c', { image: 'b2' })] }), sandboxes: ready, containers: [ctr(app('c', { image: 'b2' }), { from: C })], actions: ['kill c-0 SpecChanged grace=30', 'start app c #1 restart'] },
  {
    name: 'failed liveness probe: killed with the probe grace and restarted', pod: pod({ containers: [app('c', { livenessProbe: { exec: { command: ['x'] }, terminationGracePeriodSeconds: 3 } })] }), sandboxes: ready,
    containers: [ctr(app('c', { livenessProbe: { exec: { command: ['x'] }, terminationGracePeriodSeconds: 3 } }))], input: { probeFailures: new Map([['c-0', 'liveness']]) },
    actions: ['kill c-0 LivenessProbe grace=3', 'start app c #1 restart'], messages: ['Container c failed liveness probe, will be restarted'],
  },
  { name: 'failed liveness probe with Never: killed, not restarted', pod: pod({ restartPolicy: 'Never' }), sandboxes: ready, containers: [ctr(C)], input: { probeFailures: new Map([['c-0', 'liveness']]) }, actions: ['kill c-0 LivenessProbe grace=30'], messages: ['Container c failed liveness probe'] },
  { name: 'failed startup probe: killed and restarted', pod: pod({}), sandboxes: ready, containers: [ctr(C)], input: { probeFailures: new Map([['c-0', 'startup']]) }, actions: ['kill c-0 StartupProbe grace=30', 'start app c #1 restart'] },
  {
    name: 'dead sandbox: killed, a new one made, containers start again', pod: pod({}), sandboxes: [sandbox('sb1', 'SANDBOX_NOTREADY')], containers: [ctr(C, { state: 'exit', exitCode: 137 })],
    actions: ['killSandbox sb1', 'createSandbox #1', 'start app c #1'],
  },
  {
    name: 'dead sandbox with a container still running: it is killed first', pod: pod({}), sandboxes: [sandbox('sb1', 'SANDBOX_NOTREADY')], containers: [ctr(C)],
    actions: ['kill c-0 SandboxGone grace=0', 'killSandbox sb1', 'createSandbox #1', 'start app c #1'],
  },
  { name: 'dead sandbox, restartPolicy Never, containers ran: no new sandbox', pod: pod({ restartPolicy: 'Never' }), sandboxes: [sandbox('sb1', 'SANDBOX_NOTREADY')], containers: [ctr(C, { state: 'exit', exitCode: 137 })], actions: ['killSandbox sb1'], outcome: { phase: 'Failed' } },
  { name: 'dead sandbox, OnFailure, every container succeeded: no new sandbox', pod: pod({ restartPolicy: 'OnFailure' }), sandboxes: [sandbox('sb1', 'SANDBOX_NOTREADY')], containers: [ctr(C, { state: 'exit' })], actions: ['killSandbox sb1'], outcome: { phase: 'Succeeded' } },
  {
    name: 'dead sandbox with init containers: their old runs are purged, the first runs again', pod: withInit(), sandboxes: [sandbox('sb1', 'SANDBOX_NOTREADY')],
    containers: [ctr(I0, { state: 'exit' }), ctr(I1, { state: 'exit' }), ctr(C, { state: 'exit', exitCode: 137 })], actions: ['killSandbox sb1', 'createSandbox #1', 'remove i0-0', 'remove i1-0', 'start init i0 #0'],
  },
  { name: 'a running container no spec names is killed', pod: pod({}), sandboxes: ready, containers: [ctr(C), ctr(app('old'))], actions: ['kill old-0 NotInSpec grace=30'] },
  {
    name: 'past activeDeadlineSeconds: running containers killed, pod fails', pod: pod({ activeDeadlineSeconds: 5, terminationGracePeriodSeconds: 2 }), sandboxes: ready, containers: [ctr(C)], input: { startedAt: NOW - 6000 },
    actions: ['kill c-0 DeadlineExceeded grace=2'], outcome: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' },
  },
  { name: 'before activeDeadlineSeconds: wake up at the deadline', pod: pod({ activeDeadlineSeconds: 5 }), sandboxes: ready, containers: [ctr(C)], input: { startedAt: NOW - 1000 }, actions: [], wakeAt: NOW + 4000 },
  { name: 'a finished pod loses its ready sandbox only', pod: pod({}), sandboxes: [sandbox('sb1'), sandbox('sb0', 'SANDBOX_NOTREADY', 5)], containers: [ctr(C, { state: 'exit' })], input: { finished: true }, actions: ['killSandbox sb1'] },
  { name: 'a container created but never started is started', pod: pod({}), sandboxes: ready, containers: [ctr(C, { state: 'created' })], actions: ['resume c-0'] },
  {
    name: 'a container created in an old sandbox is removed, and that sandbox with it', pod: pod({}), sandboxes: [sandbox('sb1', 'SANDBOX_READY', 20), sandbox('sb0', 'SANDBOX_NOTREADY', 10)],
    containers: [ctr(C, { id: 'old', state: 'created', sb: 'sb0' }), ctr(C, { attempt: 1 })], actions: ['remove old', 'removeSandbox sb0'],
  },
  { name: 'an older sandbox still holding exited containers is kept (their status and logs)', pod: pod({}), sandboxes: [sandbox('sb1', 'SANDBOX_READY', 20), sandbox('sb0', 'SANDBOX_NOTREADY', 10)], containers: [ctr(C, { sb: 'sb0', state: 'exit' }), ctr(C, { attempt: 1 })], actions: [] },
  { name: 'two attempts are kept; a third start prunes to one', pod: pod({}), sandboxes: ready, containers: [ctr(C, { state: 'exit', attempt: 2 }), ctr(C, { state: 'exit', attempt: 1 }), ctr(C, { state: 'exit' })], actions: ['start app c #3 restart', 'remove c-1', 'remove c-0'] },
  { name: 'a container in an unknown state is killed before its next attempt', pod: pod({}), sandboxes: ready, containers: [ctr(C, { state: 'unknown' })], actions: ['kill c-0 Unknown grace=30', 'start app c #1'] },
  { name: 'an init container in an unknown state is killed before its next attempt', pod: withInit(), sandboxes: ready, containers: [ctr(I0, { state: 'unknown' })], actions: ['kill i0-0 Unknown grace=30', 'start init i0 #1'] },
  { name: 'in crash back-off: no start, wait', pod: pod({}), sandboxes: ready, containers: [ctr(C, { state: 'exit', exitCode: 1 })], input: { backoff: new Map([['c', { until: NOW + 1, delayMs: 10_000 }]]) }, actions: [], waits: ['c CrashLoopBackOff'], wakeAt: NOW + 1 },
  { name: 'crash back-off over: restarted', pod: pod({}), sandboxes: ready, containers: [ctr(C, { state: 'exit', exitCode: 1 })], input: { backoff: new Map([['c', { until: NOW, delayMs: 10_000 }]]) }, actions: ['start app c #1 restart'] },
  { name: 'in image pull back-off: no start, wait', pod: pod({}), sandboxes: ready, input: { pullBackoff: new Map([['c', { until: NOW + 20, delayMs: 10_000 }]]) }, actions: [], waits: ['c ImagePullBackOff'], wakeAt: NOW + 20 },
];

for (const tc of cases) {
  test(`planPod: ${tc.name}`, () => {
    const plan = planPod({ pod: tc.pod, observed: { sandboxes: tc.sandboxes ?? [], containers: tc.containers ?? [] }, now: NOW, ...tc.input });
    assert.deepEqual(plan.actions.map(show), tc.actions);
    assert.deepEqual(plan.waits.map((w) => `${w.name} ${w.reason}`), tc.waits ?? []);
    assert.deepEqual(plan.outcome, tc.outcome);
    if (tc.wakeAt !== undefined) assert.equal(plan.wakeAt, tc.wakeAt);
    for (const m of tc.messages ?? []) assert.ok(plan.actions.some((a) => a.type === 'killContainer' && a.message === m), `no kill with message ${m}: ${JSON.stringify(plan.actions)}`);
  });
}

test('planPod: the plan is a pure function of its input (same input, same plan; input untouched)', () => {
  const containers = [ctr(C, { state: 'exit', attempt: 1 }), ctr(C, { state: 'exit' })];
  const before = JSON.stringify(containers);
  const a = planPod({ pod: pod({}), observed: { sandboxes: ready, containers }, now: NOW });
  const b = planPod({ pod: pod({}), observed: { sandboxes: ready, containers }, now: NOW });
  assert.deepEqual(a, b);
  assert.equal(JSON.stringify(containers), before);
});

test('planTermination: running containers killed with the grace, then sandboxes and containers removed', () => {
  const { actions, gone } = planTermination({ sandboxes: [sandbox('sb1')], containers: [ctr(C), ctr(I0, { state: 'exit' })] }, 7);
  assert.deepEqual(actions.map(show), ['kill c-0 PodFinished grace=7', 'killSandbox sb1', 'removeSandbox sb1', 'remove c-0', 'remove i0-0']);
  assert.equal(gone, false);
  assert.deepEqual(planTermination({ sandboxes: [], containers: [] }, 7), { actions: [], gone: true });
});
