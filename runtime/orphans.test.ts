// removeUnrecorded: what a runtime killed between starting a thing and writing its
// record leaves behind (a pause process and its cgroup, an address, a container
// directory, cgroup and snapshot with no container.json) is found and removed, and
// recorded sandboxes and containers are left alone. The "killed half-way" states are
// made by running the real operations and then removing the record they wrote last.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createPodNetwork } from './network/index.js';
import type { PodNetwork } from './network/types.js';
import { removeUnrecorded } from './orphans.js';
import { isAlive } from './proc.js';
import { Runtime } from './runtime.js';
import { cgroupPids, podConfig, testRuntime, type TestRuntimeEnv } from '../testing/runtime-env.js';

const rand = randomBytes(2).toString('hex');
const bridge = `tko${rand}`;
const chainPrefix = `TKO${rand.toUpperCase()}`;
let env: TestRuntimeEnv;
let net: PodNetwork;

function pickSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (;;) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!routes.includes(`172.30.${x}.`)) return `172.30.${x}.0/24`;
  }
}

before(() => {
  env = testRuntime();
  net = createPodNetwork({ bridgeName: bridge, podCIDR: pickSubnet(), stateDir: join(env.root, 'net'), chainPrefix, enableForwarding: false });
  env.runtime = new Runtime({ ...env.options, network: net });
});

after(async () => {
  try {
    await env.cleanup();
  } finally {
    await net.cleanup().catch(() => undefined);
    try {
      execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
  }
  assert.deepEqual(cgroupPids(env.prefix), []);
});

const cgroupExists = (rt: Runtime, rel: string) => rt.cgroups.exists(rel);

test('unrecorded sandboxes and containers are killed and removed; recorded ones stay', async () => {
  const rt = env.runtime;
  const stateDir = env.options.stateDir!;
  // Recorded: a ready sandbox with a running container.
  const keptCfg = podConfig('kept');
  const kept = await rt.runPodSandbox(keptCfg);
  const keptCt = await rt.createContainer(kept, { metadata: { name: 'c' }, image: 'busybox', command: ['sleep', '1000'] });
  await rt.startContainer(keptCt);
  const keptPid = (await rt.containerStatus(keptCt)).pid;

  // A sandbox of another pod whose record was never written (kill -9 during runPodSandbox).
  const lostCfg = podConfig('lost');
  const lost = await rt.runPodSandbox(lostCfg);
  const lostPause = (await rt.podSandboxStatus(lost)).pid;
  const lostIP = (await net.status(lost))!.ip;
  rmSync(join(stateDir, 'sandboxes', lost, 'sandbox.json'));
  // A second, unrecorded attempt inside the kept pod's cgroup (the pod exists, its old sandbox was lost).
  const lost2 = await rt.runPodSandbox(keptCfg);
  const lost2Pause = (await rt.podSandboxStatus(lost2)).pid;
  rmSync(join(stateDir, 'sandboxes', lost2, 'sandbox.json'));
  // A container whose record was never written (kill -9 during createContainer): dir, snapshot and cgroup.
  const halfCt = await rt.createContainer(kept, { metadata: { name: 'half' }, image: 'busybox', command: ['true'] });
  const halfCgroup = `${env.prefix}/pod${keptCfg.metadata.uid}/${halfCt.slice(0, 32)}`;
  rmSync(join(stateDir, 'containers', halfCt, 'container.json'));

  assert.ok([lostPause, lost2Pause].every(isAlive));
  assert.equal((await rt.listPodSandbox()).length, 1, 'the runtime lists only the recorded sandbox');

  const gone = await removeUnrecorded(rt, net);

  assert.deepEqual(gone.failed, []);
  assert.deepEqual(gone.processes.sort(), [lostPause, lost2Pause].sort());
  for (const pid of [lostPause, lost2Pause]) {
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(!isAlive(pid), `pause ${pid} killed`);
  }
  assert.ok(!cgroupExists(rt, `${env.prefix}/pod${lostCfg.metadata.uid}`), 'the lost pod cgroup is gone');
  assert.ok(!cgroupExists(rt, `${env.prefix}/pod${keptCfg.metadata.uid}/pause-${lost2.slice(0, 12)}`), 'the lost attempt cgroup is gone');
  assert.ok(!cgroupExists(rt, halfCgroup), 'the half-created container cgroup is gone');
  assert.deepEqual(gone.sandboxes.sort(), [lost, lost2].sort());
  assert.deepEqual(gone.containers, [halfCt]);
  assert.ok(!existsSync(join(stateDir, 'sandboxes', lost)) && !existsSync(join(env.options.containersDir!, halfCt)));
  assert.deepEqual(gone.network.sort(), [lost, lost2].sort());
  assert.equal(await net.status(lost), null);
  assert.ok(!existsSync(join(env.root, 'net', 'ipam', lostIP)), 'the address is free again');

  // The recorded sandbox and its container are untouched.
  assert.equal((await rt.podSandboxStatus(kept)).state, 'SANDBOX_READY');
  assert.equal((await rt.containerStatus(keptCt)).state, 'CONTAINER_RUNNING');
  assert.ok(isAlive(keptPid));
  assert.ok(readFileSync(`/proc/${keptPid}/cgroup`, 'utf8').includes(`/${env.prefix}/pod${keptCfg.metadata.uid}/`));
  // A second pass finds nothing.
  const again = await removeUnrecorded(rt, net);
  assert.deepEqual(again, { processes: [], cgroups: [], sandboxes: [], containers: [], network: [], failed: [] });
  await rt.removePodSandbox(kept);
  assert.deepEqual(cgroupPids(env.prefix), []);
});
