// Containers outlive the Node process that started them: kill -9 it, and a
// new runtime instance re-adopts them from the state dir.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Runtime } from './runtime.js';
import { cgroupPids, testRuntime } from '../testing/runtime-env.js';
import { isAlive } from './proc.js';

const env = testRuntime();
after(async () => {
  await env.cleanup();
  assert.deepEqual(cgroupPids(env.prefix), []);
});

test('kill -9 of the starting Node process: containers keep running, a new instance lists, stops, and keeps exit codes', async () => {
  const ts = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`../testing/runtime-readopt-child.${ts ? 'ts' : 'js'}`, import.meta.url));
  const args = { stateDir: env.options.stateDir, containersDir: env.options.containersDir, cgroupRoot: env.prefix, busyboxLayer: env.busyboxLayer, logDir: join(env.root, 'logs') };
  const child = spawn(process.execPath, [...(ts ? ['--import', 'tsx'] : []), script, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (c) => reject(new Error(`child exited ${c}`)));
  });
  const { pod, ids } = JSON.parse(line) as { pod: string; ids: string[] };
  assert.equal(ids.length, 10);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const rt = new Runtime(env.options);
  const before = await rt.listContainers({ podSandboxId: pod });
  assert.equal(before.length, 10);
  assert.ok(before.every((c) => c.state === 'CONTAINER_RUNNING'), 'all running after the parent died');
  const pids = await Promise.all(ids.map(async (id) => (await rt.containerStatus(id)).pid));
  assert.ok(pids.every(isAlive));
  assert.equal((await rt.podSandboxStatus(pod)).state, 'SANDBOX_READY');

  // The odd ones finish while no runtime instance is watching.
  for (let i = 1; i < 10; i += 2) {
    const r = await rt.execSync(ids[i], ['touch', '/go'], 10);
    assert.equal(r.exitCode, 0);
  }
  for (let i = 1; i < 10; i += 2) assert.ok(await rt.waitExit(ids[i], 20_000));

  // Yet another instance: exit codes recorded by the monitors, running ones still running.
  const rt2 = new Runtime(env.options);
  for (let i = 0; i < 10; i++) {
    const st = await rt2.containerStatus(ids[i]);
    if (i % 2) {
      assert.equal(st.state, 'CONTAINER_EXITED', `c${i}`);
      assert.equal(st.exitCode, i);
      assert.ok(st.finishedAt >= st.startedAt);
    } else assert.equal(st.state, 'CONTAINER_RUNNING', `c${i}`);
  }
  await Promise.all(ids.filter((_, i) => i % 2 === 0).map((id) => rt2.stopContainer(id, 10)));
  for (let i = 0; i < 10; i += 2) {
    const st = await rt2.containerStatus(ids[i]);
    assert.equal(st.state, 'CONTAINER_EXITED');
    assert.equal(st.exitCode, 0, 'stopped with SIGTERM, trap exit 0');
  }
  assert.equal((await rt2.listContainers({ state: 'CONTAINER_RUNNING' })).length, 0);
  await rt2.removePodSandbox(pod);
  assert.equal((await rt2.listPodSandbox()).length, 0);
});

test('a container whose monitor was killed is still stoppable, its exit reported as lost', async () => {
  const rt = new Runtime(env.options);
  const pod = await rt.runPodSandbox({ metadata: { name: 'orphan', namespace: 'default', uid: `${env.prefix}-orphan` } });
  const id = await rt.createContainer(pod, { metadata: { name: 'o' }, image: 'busybox', command: ['sleep', '1000'] });
  await rt.startContainer(id);
  const { readFileSync } = await import('node:fs');
  const started = readFileSync(join(env.options.stateDir!, 'containers', id, 'started'), 'utf8');
  const monitor = Number(/monitor_pid=(\d+)/.exec(started)![1]);
  process.kill(monitor, 'SIGKILL');
  for (let i = 0; i < 100 && isAlive(monitor); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await rt.containerStatus(id)).state, 'CONTAINER_RUNNING', 'the container itself lives on');
  await rt.stopContainer(id, 0);
  const st = await rt.containerStatus(id);
  assert.equal(st.state, 'CONTAINER_EXITED');
  assert.equal(st.exitCode, 255);
  assert.match(st.message, /lost/);
  await rt.removePodSandbox(pod);
});
