// CRI NamespaceMode TARGET (an ephemeral container's targetContainerName): a container created
// with pidTargetContainerId runs in that container's PID namespace and sees its processes. Real kernel.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, mountsUnder, podConfig, testRuntime, type TestRuntimeEnv } from '../testing/runtime-env.js';

let env: TestRuntimeEnv;
before(() => {
  env = testRuntime();
});
after(async () => {
  await env.cleanup();
  assert.deepEqual(cgroupPids(env.prefix), []);
  assert.deepEqual(mountsUnder(env.root), []);
});

async function waitExited(id: string) {
  for (let i = 0; i < 100; i++) {
    const s = await env.runtime.containerStatus(id);
    if (s.state === 'CONTAINER_EXITED') return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`container ${id} did not exit`);
}

test('a container targeting another joins its pid namespace; without a target it does not; a stopped target is refused', async () => {
  const logs = join(env.root, 'logs', 'target');
  const p = await env.runtime.runPodSandbox(podConfig('target', { logDirectory: logs }));
  const target = await env.runtime.createContainer(p, { metadata: { name: 'c' }, image: 'busybox', command: ['sleep', '1234'] });
  await env.runtime.startContainer(target);
  const ps = async (name: string, extra: { pidTargetContainerId?: string }) => {
    const id = await env.runtime.createContainer(p, { metadata: { name }, image: 'busybox', logPath: `${name}.log`, command: ['ps'], ...extra });
    await env.runtime.startContainer(id);
    const st = await waitExited(id);
    assert.equal(st.exitCode, 0);
    return readFileSync(join(logs, `${name}.log`), 'utf8');
  };
  const joined = await ps('debugger', { pidTargetContainerId: target });
  assert.match(joined, /sleep 1234/);
  // The target's command is PID 1 there, as in the target itself.
  assert.match(joined, /\s1 \S+\s+sleep 1234/);
  const alone = await ps('alone', {});
  assert.doesNotMatch(alone, /sleep 1234/);
  await env.runtime.stopContainer(target, 0);
  await assert.rejects(env.runtime.createContainer(p, { metadata: { name: 'late' }, image: 'busybox', command: ['ps'], pidTargetContainerId: target }), /target container .* is not running/);
  await assert.rejects(env.runtime.createContainer(p, { metadata: { name: 'none' }, image: 'busybox', command: ['ps'], pidTargetContainerId: 'nope' }), /target container nope not found/);
  await env.runtime.stopPodSandbox(p);
  await env.runtime.removePodSandbox(p);
});
