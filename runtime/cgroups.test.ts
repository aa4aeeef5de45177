// Resource limits on the real kernel: OOM kill reported as OOMKilled, pids
// limit stops a fork bomb, cpu quota throttles, stats, freezer, updates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, podConfig, testRuntime, type TestRuntimeEnv } from '../testing/runtime-env.js';
import type { ContainerConfig } from './cri.js';

let env: TestRuntimeEnv;
let pod: string;
const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

before(async () => {
  env = testRuntime();
  pod = await env.runtime.runPodSandbox(podConfig('limits', { logDirectory: join(env.root, 'logs'), resources: { memoryLimitBytes: 512 * 1024 * 1024 } }));
});

after(async () => {
  await env.cleanup();
  assert.deepEqual(cgroupPids(env.prefix), []);
  assert.ok(!existsSync(join(v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory', env.prefix)), 'cgroup root removed');
});

async function start(name: string, cfg: Partial<ContainerConfig>) {
  const id = await env.runtime.createContainer(pod, { metadata: { name }, image: 'busybox', logPath: `${name}.log`, ...cfg });
  await env.runtime.startContainer(id);
  return id;
}

function cgFile(controller: string, id: string, file: string): string {
  const rel = (JSON.parse(readFileSync(join(env.runtime.stateDir, 'containers', id, 'container.json'), 'utf8')) as { cgroup: string }).cgroup;
  return v2 ? join('/sys/fs/cgroup', rel, file) : join('/sys/fs/cgroup', controller, rel, file);
}

test('memory limit: an over-limit process is OOM-killed and reported OOMKilled', async () => {
  const id = await start('oom', { command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1'], resources: { memoryLimitBytes: 32 * 1024 * 1024 } });
  assert.equal(readFileSync(cgFile('memory', id, v2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim(), String(32 * 1024 * 1024));
  assert.ok(await env.runtime.waitExit(id, 30_000));
  const st = await env.runtime.containerStatus(id);
  assert.equal(st.state, 'CONTAINER_EXITED');
  assert.equal(st.exitCode, 137);
  assert.equal(st.reason, 'OOMKilled');
  // A container that exits normally under its limit is not reported as OOM.
  const fine = await start('fine', { command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1M', 'count=1'], resources: { memoryLimitBytes: 32 * 1024 * 1024 } });
  assert.ok(await env.runtime.waitExit(fine, 30_000));
  assert.equal((await env.runtime.containerStatus(fine)).reason, 'Completed');
});

test('pids limit stops a fork bomb', async () => {
  const id = await start('bomb', {
    // The inner shell may die on a failed fork; its sleepers stay, held by PID 1.
    command: ['sh', '-c', 'sh -c \'i=0; while [ $i -lt 100 ]; do sleep 1000 & i=$((i+1)); done\'; echo spawned; exec sleep 1000'],
    resources: { pidsLimit: 20 },
  });
  const log = join(env.root, 'logs', 'bomb.log');
  for (let i = 0; i < 200 && !(existsSync(log) && readFileSync(log, 'utf8').includes('spawned')); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(readFileSync(log, 'utf8'), /stderr F .*can't fork/);
  const stats = await env.runtime.containerStats(id);
  assert.ok(stats.pids.current <= 20 && stats.pids.current >= 15, `pids.current=${stats.pids.current}`);
  assert.equal(readFileSync(cgFile('pids', id, 'pids.max'), 'utf8').trim(), '20');
  await env.runtime.stopContainer(id, 0);
  assert.equal((await env.runtime.containerStats(id)).pids.current, 0, 'all processes died with PID 1');
});

test('cpu quota throttles; shares written; usage stats', async () => {
  const id = await start('spin', { command: ['sh', '-c', 'while true; do :; done'], resources: { cpuQuota: 10_000, cpuPeriod: 100_000, cpuShares: 256 } });
  if (!v2) {
    assert.equal(readFileSync(cgFile('cpu', id, 'cpu.cfs_quota_us'), 'utf8').trim(), '10000');
    assert.equal(readFileSync(cgFile('cpu', id, 'cpu.shares'), 'utf8').trim(), '256');
  }
  const before = env.runtime.cgroupStats(id);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 1500));
  const after = env.runtime.cgroupStats(id);
  const wall = (Date.now() - t0) * 1e6;
  assert.ok(after.nrThrottled > before.nrThrottled, `nr_throttled grew (${before.nrThrottled} → ${after.nrThrottled})`);
  const used = after.cpuUsageNs - before.cpuUsageNs;
  assert.ok(used > 0 && used < wall * 0.3, `cpu used ${used / 1e6} ms of ${wall / 1e6} ms wall at a 10% quota`);
  const s = await env.runtime.containerStats(id);
  assert.ok(s.memory.workingSetBytes > 0 && s.cpu.usageCoreNanoSeconds > 0);
  const all = await env.runtime.listContainerStats({ podSandboxId: pod });
  assert.ok(all.some((x) => x.containerId === id));
  await env.runtime.stopContainer(id, 0);
});

test('CPU weight: written by the init once the root is built, before the container runs anything', async () => {
  const id = await env.runtime.createContainer(pod, {
    metadata: { name: 'weight' }, image: 'busybox', logPath: 'weight.log', resources: { cpuShares: 2 },
    // Its first act reads its own cgroup's weight (the cgroup namespace shows its own cgroup at the top).
    command: ['sh', '-c', v2 ? 'cat /sys/fs/cgroup/cpu.weight' : 'cat /sys/fs/cgroup/cpu/cpu.shares'],
  });
  // Not yet: the init's setup runs at the default weight.
  assert.equal(readFileSync(cgFile('cpu', id, v2 ? 'cpu.weight' : 'cpu.shares'), 'utf8').trim(), v2 ? '100' : '1024');
  await env.runtime.startContainer(id);
  assert.equal(readFileSync(cgFile('cpu', id, v2 ? 'cpu.weight' : 'cpu.shares'), 'utf8').trim(), v2 ? '1' : '2');
  assert.ok(await env.runtime.waitExit(id, 30_000));
  assert.equal((await env.runtime.containerStatus(id)).exitCode, 0);
  assert.match(readFileSync(join(env.root, 'logs', 'weight.log'), 'utf8'), v2 ? /stdout F 1\n/ : /stdout F 2\n/);
});

test('freezer pauses and resumes a container; resources can be updated', async () => {
  const id = await start('ticker', { command: ['sh', '-c', 'while true; do echo t; sleep 0.05; done'] });
  const log = join(env.root, 'logs', 'ticker.log');
  for (let i = 0; i < 100 && !(existsSync(log) && statSync(log).size > 0); i++) await new Promise((r) => setTimeout(r, 50));
  await env.runtime.pauseContainer(id);
  const frozenSize = statSync(log).size;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(statSync(log).size, frozenSize, 'no output while frozen');
  await env.runtime.unpauseContainer(id);
  for (let i = 0; i < 100 && statSync(log).size === frozenSize; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(statSync(log).size > frozenSize, 'output resumes');
  await env.runtime.updateContainerResources(id, { memoryLimitBytes: 64 * 1024 * 1024 });
  assert.equal(readFileSync(cgFile('memory', id, v2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * 1024 * 1024));
  // A frozen container can still be stopped.
  await env.runtime.pauseContainer(id);
  await env.runtime.stopContainer(id, 1);
  assert.equal((await env.runtime.containerStatus(id)).state, 'CONTAINER_EXITED');
});

test('removing containers and the sandbox removes their cgroups', async () => {
  const id = await start('short', { command: ['true'] });
  assert.ok(await env.runtime.waitExit(id, 10_000));
  const dir = cgFile('memory', id, '');
  assert.ok(existsSync(dir));
  await env.runtime.removeContainer(id);
  assert.ok(!existsSync(dir));
  const podDir = join(dir, '..');
  assert.ok(existsSync(podDir));
  await env.runtime.removePodSandbox(pod);
  assert.ok(!existsSync(podDir));
});
