// What an idle pod's shim processes hold (issue 18): the sealed copy (shim/sealed.c) is made once
// and shared by the monitors, and what its registry names is only used when it really is a sealed
// copy of the same bytes; the pause process re-executes itself lean once set up (shim/pause.c).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, mountsUnder, podConfig, testRuntime, type TestRuntimeEnv } from '../testing/runtime-env.js';

let env: TestRuntimeEnv;
let pod: string;
let registry: string;

before(async () => {
  env = testRuntime();
  registry = join(env.runtime.stateDir, 'sealed-shim-pid');
  pod = await env.runtime.runPodSandbox(podConfig('sealed'));
});

after(async () => {
  await env.cleanup();
  assert.deepEqual(cgroupPids(env.prefix), []);
  assert.deepEqual(mountsUnder(env.root), []);
});

/** Starts a sleeping container; its monitor's pid and the inode of the file the monitor runs from. */
async function monitorOf(name: string): Promise<{ id: string; pid: number; ino: number }> {
  const id = await env.runtime.createContainer(pod, { metadata: { name }, image: 'busybox', command: ['sleep', '1000'] });
  await env.runtime.startContainer(id);
  const started = readFileSync(join(env.runtime.stateDir, 'containers', id, 'started'), 'utf8');
  const pid = Number(/^monitor_pid=(\d+)$/m.exec(started)?.[1]);
  assert.ok(pid > 1, started);
  assert.match(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:tskube-shim/, 'the monitor runs from a sealed memfd');
  return { id, pid, ino: statSync(`/proc/${pid}/exe`).ino };
}

test('monitors share one sealed copy; a registry naming anything else costs a new copy, never its use', async () => {
  const a = await monitorOf('a');
  assert.equal(readFileSync(registry, 'utf8').trim(), String(a.pid), 'the first monitor registered its copy');
  const b = await monitorOf('b');
  assert.equal(b.ino, a.ino, 'the second monitor runs from the same copy');
  const x = await env.runtime.execSync(b.id, ['true'], 10);
  assert.equal(x.exitCode, 0, 'exec runs from the shared copy too');

  // A process that is not a sealed copy (this Node process), then nonsense: a fresh copy each time.
  writeFileSync(registry, `${process.pid}\n`);
  const c = await monitorOf('c');
  assert.notEqual(c.ino, a.ino, 'an unsealed executable is never run');
  assert.equal(readFileSync(registry, 'utf8').trim(), String(c.pid), 'the new copy is registered');
  writeFileSync(registry, '../../1\n');
  const d = await monitorOf('d');
  assert.notEqual(d.ino, c.ino);

  // The registered monitor gone (its container stopped): the next start makes a new copy.
  await env.runtime.stopContainer(d.id, 0);
  for (let i = 0; i < 200 && existsSync(`/proc/${d.pid}`); i++) await new Promise((r) => setTimeout(r, 10));
  const e = await monitorOf('e');
  assert.notEqual(e.ino, d.ino);
  assert.equal(readFileSync(registry, 'utf8').trim(), String(e.pid));
});

test('the pause process, once set up, runs as pause-idle and keeps its namespaces and SIGCHLD ignored', async () => {
  for (const shareProcessNamespace of [false, true]) {
    const sb = await env.runtime.runPodSandbox(podConfig('idle', { shareProcessNamespace }));
    const started = readFileSync(join(env.runtime.stateDir, 'sandboxes', sb, 'started'), 'utf8');
    const pid = Number(/^pid=(\d+)$/m.exec(started)?.[1]);
    let argv: string[] = [];
    for (let i = 0; i < 200 && argv[1] !== 'pause-idle'; i++) {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[1] !== 'pause-idle') await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(argv[1], 'pause-idle', `pause ${pid} re-executed (${argv.join(' ')})`);
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/net`), readlinkSync('/proc/self/ns/net'), 'still holds the pod network namespace');
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/uts`), readlinkSync('/proc/self/ns/uts'));
    const sigIgn = BigInt(`0x${/^SigIgn:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]}`);
    assert.ok(sigIgn & (1n << 16n), 'SIGCHLD (17) still ignored: orphans are reaped');
    const c = await env.runtime.createContainer(sb, { metadata: { name: 'c' }, image: 'busybox', command: ['hostname'] });
    await env.runtime.startContainer(c);
    assert.ok(await env.runtime.waitExit(c, 10_000));
    assert.equal((await env.runtime.containerStatus(c)).exitCode, 0, 'a container joins its namespaces');
    await env.runtime.stopPodSandbox(sb);
    await env.runtime.removePodSandbox(sb);
  }
});
