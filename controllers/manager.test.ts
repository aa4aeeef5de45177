import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseControllers, parseDuration, runControllerManager } from '../cmd/controller-manager.js';
import { sleep, waitFor } from '../testing/wait.js';
import { startControllerManager } from './manager.js';
import { activePods, rcObject, startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');
const compiled = import.meta.url.endsWith('.js');

/** The controller manager as its own process (the compiled .js in CI, the .ts through tsx otherwise). */
function spawnManager(server: string): ChildProcess {
  const entry = join(here, '..', 'cmd', `controller-manager.${compiled ? 'js' : 'ts'}`);
  const args = [...(compiled ? [] : ['--import', 'tsx']), entry, '--master', server, '--controllers', 'replication,garbagecollector'];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  child.stderr.resume();
  return child;
}

describe('flag parsing', () => {
  it('parses Go durations and controller lists', () => {
    assert.equal(parseDuration('40s'), 40_000);
    assert.equal(parseDuration('5m0s'), 300_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.throws(() => parseDuration('5 minutes'));
    assert.deepEqual(parseControllers('*,-eventttl').sort(), ['clusterrole-aggregation', 'cronjob', 'csrapproving', 'csrsigning', 'daemonset', 'deployment', 'disruption', 'endpoints', 'endpointslice', 'endpointslicemirroring', 'garbagecollector', 'horizontalpodautoscaling', 'job', 'namespace', 'nodeipam', 'nodelifecycle', 'persistentvolume-binder', 'podgc', 'pv-protection', 'pvc-protection', 'replicaset', 'replication', 'resourcequota', 'root-ca-cert-publisher', 'serviceaccount', 'statefulset', 'ttl-after-finished']);
    assert.deepEqual(parseControllers('replication'), ['replication']);
    assert.throws(() => parseControllers('nosuch'));
  });

  it('--terminated-pod-gc-threshold: documented, a non-negative integer', async () => {
    const out: string[] = [];
    const log = console.log;
    const err = console.error;
    console.log = (m: string) => out.push(m);
    console.error = (m: string) => out.push(m);
    try {
      assert.equal(await runControllerManager(['--help']), 0);
      assert.match(out.join('\n'), /--terminated-pod-gc-threshold value\n\s+terminated pods \(Succeeded\/Failed\) kept before the pod garbage collector deletes the oldest; 0 keeps them all.*12500/);
      assert.equal(await runControllerManager(['--master', 'http://127.0.0.1:1', '--terminated-pod-gc-threshold=-5']), 2);
      assert.match(out.join('\n'), /--terminated-pod-gc-threshold must be a non-negative integer, got "-5"/);
    } finally {
      console.log = log;
      console.error = err;
    }
  });
});

describe('controller manager', { timeout: 240_000 }, () => {
  let env: ControllerTestEnv;
  const children: ChildProcess[] = [];
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await env?.stop();
  });

  it('in-process: RC 0 -> 100 creates all pods, events recorded, stop() is clean', async () => {
    const { client, ns } = env;
    const cm = await startControllerManager({ client, log: () => {} });
    try {
      const t0 = Date.now();
      await client.replicationControllers(ns).create(rcObject('hundred', 100));
      await waitFor(async () => (await activePods(client, ns, 'app=hundred')).length >= 100, 30_000, '100 pods');
      console.log(`# RC 0 -> 100 (whole manager): ${Date.now() - t0} ms`);
      await waitFor(async () => (await client.events(ns).list()).items.some((e) => e.reason === 'SuccessfulCreate' && e.source?.component === 'replication-controller'), 20_000, 'SuccessfulCreate event');
      await client.replicationControllers(ns).delete('hundred');
      await waitFor(async () => (await client.pods(ns).list({ labelSelector: 'app=hundred' })).items.length === 0, 30_000, 'pods collected');
    } finally {
      await cm.stop();
    }
  });

  it('kill -9 of the controller-manager process mid-scale: a new one converges, never above replicas at rest', async () => {
    const { client, ns, t } = env;
    let child = spawnManager(t.url);
    children.push(child);
    await client.replicationControllers(ns).create(rcObject('k9', 200));
    await waitFor(async () => (await activePods(client, ns, 'app=k9')).length >= 30, 60_000, 'scale-up started');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const atKill = (await activePods(client, ns, 'app=k9')).length;
    child = spawnManager(t.url);
    children.push(child);
    await waitFor(async () => (await activePods(client, ns, 'app=k9')).length === 200, 90_000, '200 pods');
    // Now down to 50, and kill it in the middle of that.
    await client.replicationControllers(ns).scale('k9', 50);
    await waitFor(async () => (await activePods(client, ns, 'app=k9')).length < 190, 60_000, 'scale-down started');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    child = spawnManager(t.url);
    children.push(child);
    await waitFor(async () => (await activePods(client, ns, 'app=k9')).length === 50, 90_000, '50 pods');
    await sleep(1500);
    const final = await activePods(client, ns, 'app=k9');
    assert.equal(final.length, 50, `at rest exactly 50 (had ${atKill} at the first kill)`);
    const total = (await client.pods(ns).list({ labelSelector: 'app=k9' })).items.length;
    assert.equal(total, 50, 'no extra pods at all');
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    assert.equal(child.exitCode, 0, 'SIGTERM: clean exit');
  });
});
