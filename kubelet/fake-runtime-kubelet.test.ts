// A kubelet on the recording fake runtime (no root) against a real apiserver. A pod whose
// containers cannot be stopped stays Terminating: the kubelet reports the failure as an event and
// in the pod's status, retries with back-off, and deletes the pod object only once stopContainer
// has succeeded. Also: a failed liveness probe and a crash go through plan → execute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../api/core.js';
import { isNotFound } from '../client/errors.js';
import { RestClient } from '../client/rest.js';
import { createImageService } from '../runtime/images/index.js';
import { startTestApi } from '../testing/cluster.js';
import { FakeRuntime } from '../testing/kubelet-fake-runtime.js';
import { startKubelet, type KubeletHandle } from './kubelet.js';

async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Harness {
  client: RestClient;
  fake: FakeRuntime;
  nodeName: string;
  logs: string[];
}

async function withKubelet(body: (h: Harness) => Promise<void>, backoff = { backoffBaseMs: 200, backoffMaxMs: 2000 }): Promise<void> {
  const prefix = `tkt${randomBytes(2).toString('hex')}`;
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const api = await startTestApi();
  const client = new RestClient(api.url);
  const fake = new FakeRuntime();
  const logs: string[] = [];
  let k: KubeletHandle | undefined;
  try {
    const images = await createImageService({ root: join(root, 'images') });
    const nodeName = `${prefix}-node`;
    k = await startKubelet({
      client, nodeName, nodeIP: '127.0.0.1', runtime: fake, images, rootDir: join(root, 'kubelet'), logDir: join(root, 'logs'), stateDir: join(root, 'run'),
      port: -1, healthzPort: -1, relistMs: 100, statusIntervalMs: 1000, leaseIntervalMs: 1000, ...backoff, log: (m) => logs.push(m),
    });
    await body({ client, fake, nodeName, logs });
  } catch (e) {
    console.error(logs.join('\n'));
    throw e;
  } finally {
    await k?.stop();
    await api.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function eventsOf(client: RestClient, pod: string): Promise<Event[]> {
  return (await client.events('default').list()).items.filter((e: Event) => e.involvedObject?.name === pod);
}

test('a failed liveness probe: the plan kills the container and starts the next attempt', async () => {
  await withKubelet(async ({ client, fake, nodeName }) => {
    const pods = client.pods('default');
    await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'live' }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox', livenessProbe: { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 1 } }] } });
    await until('the pod Running', async () => (await pods.get('live')).status?.phase === 'Running');
    const first = [...fake.containers.values()].find((c) => c.state === 'CONTAINER_RUNNING')!.id;
    fake.fail('execSync', { id: first, times: Infinity, error: () => new Error('command failed with exit code 1') });
    const p = await until('restartCount 1 and running', async () => {
      const p = await pods.get('live');
      const cs = p.status?.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state?.running ? p : undefined;
    });
    assert.equal(p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 137);
    assert.equal(fake.containers.get(first)?.state, 'CONTAINER_EXITED');
    const evs = await until('the Killing event', async () => {
      const evs = await eventsOf(client, 'live');
      return evs.some((e) => e.reason === 'Killing') ? evs : undefined;
    });
    assert.ok(evs.some((e) => e.reason === 'Killing' && e.message === 'Container c failed liveness probe, will be restarted'), JSON.stringify(evs.map((e) => e.message)));
    assert.ok(evs.some((e) => e.reason === 'Unhealthy' && /^Liveness probe failed: /.test(e.message ?? '')));
  });
});

test('OnFailure: a crash is restarted after the back-off, an exit 0 ends the pod Succeeded', async () => {
  await withKubelet(async ({ client, fake, nodeName }) => {
    const pods = client.pods('default');
    await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'job' }, spec: { nodeName, restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } });
    await until('the pod Running', async () => (await pods.get('job')).status?.phase === 'Running');
    const running = () => [...fake.containers.values()].find((c) => c.state === 'CONTAINER_RUNNING');
    fake.exit(running()!.id, 1);
    await until('attempt 1 running', () => running()?.metadata.attempt === 1);
    fake.exit(running()!.id, 1);
    // The second restart waits a back-off step: CrashLoopBackOff shows meanwhile.
    const waiting = await until('CrashLoopBackOff', async () => (await pods.get('job')).status?.containerStatuses?.[0]?.state?.waiting);
    assert.equal(waiting.reason, 'CrashLoopBackOff');
    await until('attempt 2 running', () => running()?.metadata.attempt === 2);
    fake.exit(running()!.id, 0);
    await until('the pod Succeeded', async () => (await pods.get('job')).status?.phase === 'Succeeded');
    // Finished: the sandbox is stopped, the exited containers are kept (status, logs).
    await until('the sandbox stopped', () => [...fake.sandboxes.values()].every((s) => s.state === 'SANDBOX_NOTREADY'));
    assert.ok(fake.containers.size >= 2);
  }, { backoffBaseMs: 1500, backoffMaxMs: 3000 }); // a back-off window long enough to see CrashLoopBackOff under load
});

test('stopContainer failing keeps the pod Terminating with an event until the container is really gone', async () => {
  await withKubelet(async ({ client, fake, nodeName }) => {
    const pods = client.pods('default');
    await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stuck' }, spec: { nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1000'] }] } });
    await until('the pod Running', async () => (await pods.get('stuck')).status?.phase === 'Running');
    const cid = [...fake.containers.values()].find((c) => c.metadata.name === 'c' && c.state === 'CONTAINER_RUNNING')!.id;

    fake.fail('stopContainer', { times: Infinity, error: () => new Error(`container ${cid} did not exit after SIGKILL`) });
    await pods.delete('stuck', { gracePeriodSeconds: 1 });

    const ev = await until('a FailedKillPod event', async () => {
      const list = await client.events('default').list();
      return list.items.find((e: Event) => e.involvedObject?.name === 'stuck' && e.reason === 'FailedKillPod');
    });
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message ?? '', /error killing pod: failed to "KillContainer" for "c" with KillContainerError: "container [0-9a-f]+ did not exit after SIGKILL"/);
    const stuck = await until('the failure in the pod status', async () => {
      const p = await pods.get('stuck');
      return p.status?.reason === 'FailedKillPod' ? p : undefined;
    });
    assert.ok(stuck.metadata?.deletionTimestamp, 'the pod is Terminating');
    assert.match(stuck.status?.message ?? '', /did not exit after SIGKILL/);
    // Retried with back-off (not once and given up), and still there a while later.
    await until('a retry of stopContainer', () => fake.callsOf('stopContainer').filter((c) => c.args[0] === cid && c.error).length >= 3);
    const p = await pods.get('stuck');
    assert.ok(p.metadata?.deletionTimestamp);
    assert.equal(fake.containers.get(cid)?.state, 'CONTAINER_RUNNING', 'the container still runs');

    fake.clearFailures('stopContainer');
    await until('the pod deleted', async () => {
      try {
        await pods.get('stuck');
        return false;
      } catch (e) {
        return isNotFound(e);
      }
    });
    assert.equal(fake.containers.size, 0, 'no container left in the runtime');
    assert.equal(fake.sandboxes.size, 0, 'no sandbox left in the runtime');
    assert.ok(fake.callsOf('stopContainer').some((c) => c.args[0] === cid && !c.error), 'the pod went only after a stopContainer succeeded');
  });
});
