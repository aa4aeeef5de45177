// The executor against the recording fake runtime: no root, no real runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRuntime } from '../testing/kubelet-fake-runtime.js';
import { describeFailures, executePlan, type ActionHandlers } from './pod-actions.js';
import type { PodAction } from './pod-plan.js';

async function setup() {
  const rt = new FakeRuntime();
  const sb = await rt.runPodSandbox({ metadata: { name: 'p', namespace: 'ns', uid: 'u' } });
  const c = await rt.createContainer(sb, { metadata: { name: 'c', attempt: 0 }, image: 'busybox' }, { metadata: { name: 'p', namespace: 'ns', uid: 'u' } });
  await rt.startContainer(c);
  return { rt, sb, c };
}

function handlers(rt: FakeRuntime, log: string[]): ActionHandlers {
  return {
    createSandbox: async (a) => {
      log.push(`createSandbox #${a.attempt}`);
      return rt.runPodSandbox({ metadata: { name: 'p', namespace: 'ns', uid: 'u', attempt: a.attempt } });
    },
    prepare: (id) => void log.push(`prepare ${id === undefined ? '-' : 'sb'}`),
    startContainer: async (a, sb) => {
      log.push(`start ${a.name}`);
      const id = await rt.createContainer(sb, { metadata: { name: a.name, attempt: a.attempt }, image: 'busybox' }, { metadata: { name: 'p', namespace: 'ns', uid: 'u' } });
      await rt.startContainer(id);
    },
    beforeKill: (a) => void log.push(`killing ${a.name}`),
  };
}

test('executePlan: kill then restart; a failed kill skips the restart of that container and is reported', async () => {
  const { rt, sb, c } = await setup();
  const log: string[] = [];
  const plan: PodAction[] = [
    { type: 'killContainer', containerId: c, name: 'c', reason: 'SpecChanged', message: 'Container c definition changed, will be restarted', gracePeriodSeconds: 5 },
    { type: 'startContainer', name: 'c', kind: 'app', attempt: 1, reason: 'spec changed', restart: true },
  ];
  rt.fail('stopContainer', { error: () => new Error('did not exit after SIGKILL') });
  const bad = await executePlan(rt, plan, sb, handlers(rt, log));
  assert.equal(bad.results[0].ok, false);
  assert.equal(bad.results[1].ok, false);
  assert.ok(!bad.results[1].ok && bad.results[1].skipped, 'the start is skipped, not tried');
  assert.deepEqual(describeFailures(bad.results), ['failed to "KillContainer" for "c" with KillContainerError: "did not exit after SIGKILL"']);
  assert.equal(rt.callsOf('createContainer').length, 1, 'no new attempt was created');
  assert.equal(rt.containers.get(c)!.state, 'CONTAINER_RUNNING');

  const good = await executePlan(rt, plan, sb, handlers(rt, log));
  assert.ok(good.results.every((r) => r.ok));
  assert.deepEqual(rt.callsOf('stopContainer').map((x) => x.args), [[c, 5], [c, 5]], 'killed with the plan grace period');
  assert.equal(rt.containers.get(c)!.state, 'CONTAINER_EXITED');
  assert.equal([...rt.containers.values()].filter((x) => x.state === 'CONTAINER_RUNNING').length, 1);
  // The sandbox is prepared (volumes kept current) on every run, also when the start is skipped.
  assert.deepEqual(log, ['killing c', 'prepare sb', 'killing c', 'prepare sb', 'start c']);
});

test('executePlan: NotFound means already gone; any other error is a failure', async () => {
  const { rt, sb } = await setup();
  const plan: PodAction[] = [
    { type: 'removeContainer', containerId: 'nope', name: 'x', attempt: 0, reason: 'test' },
    { type: 'killContainer', containerId: 'nope', name: 'x', reason: 'PodFinished', message: 'Stopping container x', gracePeriodSeconds: 0 },
    { type: 'removeSandbox', containerId: undefined, sandboxId: sb, reason: 'test' } as PodAction,
  ];
  rt.fail('removePodSandbox', { error: () => new Error('cgroup busy') });
  const ex = await executePlan(rt, plan, undefined, handlers(rt, []));
  assert.deepEqual(ex.results.map((r) => (r.ok ? `ok${r.alreadyGone ? ' gone' : ''}` : 'failed')), ['ok', 'ok gone', 'failed']);
  assert.ok(rt.sandboxes.has(sb), 'the sandbox was not forgotten');
});

test('executePlan: no sandbox, no container start; prepare failing skips starts but not kills', async () => {
  const { rt, sb, c } = await setup();
  rt.fail('runPodSandbox');
  const ex = await executePlan(rt, [{ type: 'createSandbox', attempt: 1, reason: 'no pod sandbox' }, { type: 'startContainer', name: 'd', kind: 'app', attempt: 0, reason: 'new', restart: false }], undefined, handlers(rt, []));
  assert.deepEqual(ex.results.map((r) => r.ok || ('skipped' in r && r.skipped ? 'skipped' : 'failed')), ['failed', 'skipped']);
  assert.equal(ex.sandboxId, undefined);

  const h = handlers(rt, []);
  h.prepare = () => Promise.reject(new Error('MountVolume.SetUp failed'));
  const ex2 = await executePlan(rt, [{ type: 'killContainer', containerId: c, name: 'c', reason: 'NotInSpec', message: 'x', gracePeriodSeconds: 0 }, { type: 'startContainer', name: 'd', kind: 'app', attempt: 0, reason: 'new', restart: false }], sb, h);
  assert.equal(ex2.prepareError?.message, 'MountVolume.SetUp failed');
  assert.deepEqual(ex2.results.map((r) => r.ok || ('skipped' in r && r.skipped ? 'skipped' : 'failed')), [true, 'skipped']);
  assert.equal(rt.containers.get(c)!.state, 'CONTAINER_EXITED');
});
