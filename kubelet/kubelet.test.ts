// The kubelet against a real apiserver + etcd and the real runtime (namespaces,
// cgroups, a pod bridge of its own): node registration, pods through their
// phases, restarts and back-off, graceful deletion, static pods, logs, and a
// kubelet restart that leaves running containers alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Lease, Pod } from '../api/core.js';
import { isNotFound } from '../client/errors.js';
import { cgroupPids } from '../testing/runtime-env.js';
import { L_POD_UID } from './labels.js';
import { startKubeletTestEnv, testPod, waitFor, type KubeletTestEnv } from '../testing/kubelet-env.js';

let env: KubeletTestEnv;

before(async () => {
  env = await startKubeletTestEnv();
});

after(async () => {
  if (!env) return;
  const { prefix } = env;
  await env.cleanup();
  assert.deepEqual(cgroupPids(prefix), [], 'no process left in our cgroups');
});

const getPod = (name: string) => env.client.pods('default').get(name);

async function waitPhase(name: string, phase: string, timeoutMs = 30_000): Promise<Pod> {
  let last: Pod | undefined;
  try {
    return await waitFor(`${name} ${phase}`, async () => {
      last = await getPod(name);
      return last.status?.phase === phase ? last : false;
    }, timeoutMs);
  } catch (e) {
    console.error(`${name}: last status ${JSON.stringify(last?.status)}\nkubelet log:\n${env.logs.slice(-30).join('\n')}`);
    throw e;
  }
}

test('node registers Ready with capacity, node info and a lease that is renewed', async () => {
  const node = await env.client.nodes().get(env.nodeName);
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
  for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) assert.equal(node.status?.conditions?.find((c) => c.type === t)?.status, 'False');
  assert.equal(node.status?.capacity?.pods, '110');
  assert.ok(Number(node.status?.capacity?.cpu) >= 1);
  assert.match(node.status?.capacity?.memory ?? '', /^\d+Ki$/);
  assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, 'tskube://0.1');
  assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.32.0-tskube');
  assert.ok(node.spec?.podCIDR);
  assert.deepEqual(node.status?.addresses?.map((a) => a.type).sort(), ['Hostname', 'InternalIP']);
  const leases = env.client.resource<Lease>('leases', 'kube-node-lease');
  const l1 = await leases.get(env.nodeName);
  assert.equal(l1.spec?.holderIdentity, env.nodeName);
  await waitFor('lease renewal', async () => (await leases.get(env.nodeName)).spec?.renewTime !== l1.spec?.renewTime, 10_000);
});

test('a bound busybox pod runs: Running, podIP, conditions, CRI log file, logs endpoint', async () => {
  const t0 = Date.now();
  await env.client.pods('default').create(testPod('run1', env.nodeName));
  const pod = await waitPhase('run1', 'Running');
  const latency = Date.now() - t0;
  console.log(`# POST→Running (polled): ${latency} ms`);
  assert.match(pod.status?.podIP ?? '', /^172\.30\.\d+\.\d+$/);
  assert.equal(pod.status?.hostIP, '127.0.0.1');
  assert.ok(pod.status?.startTime);
  const cs = pod.status.containerStatuses![0];
  assert.equal(cs.restartCount, 0);
  assert.ok(cs.state?.running);
  assert.match(cs.containerID ?? '', /^tskube:\/\/[0-9a-f]{64}$/);
  assert.equal(cs.started, true);
  const ready = await waitFor('Ready', async () => (await getPod('run1')).status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True'));
  assert.ok(ready);
  const file = join(env.root, 'logs', `default_run1_${pod.metadata.uid}`, 'main', '0.log');
  const line = await waitFor('log line', () => Promise.resolve(existsSync(file) && readFileSync(file, 'utf8').split('\n')[0]));
  assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) stdout F hello$/);
  const res = await fetch(`http://127.0.0.1:${env.kubelet.port}/containerLogs/default/run1/main`);
  assert.equal(await res.text(), 'hello\n');
  const ts = await (await fetch(`http://127.0.0.1:${env.kubelet.port}/containerLogs/default/run1/main?timestamps=true`)).text();
  assert.match(ts, /^\S+ hello\n$/);
});

test('restartPolicy Never: exit 0 → Succeeded, exit 1 → Failed', async () => {
  await env.client.pods('default').create(testPod('ok1', env.nodeName, { restartPolicy: 'Never', command: ['sh', '-c', 'exit 0'] }));
  await env.client.pods('default').create(testPod('bad1', env.nodeName, { restartPolicy: 'Never', command: ['sh', '-c', 'exit 1'] }));
  const ok = await waitPhase('ok1', 'Succeeded');
  assert.equal(ok.status!.containerStatuses![0].state?.terminated?.exitCode, 0);
  assert.equal(ok.status!.containerStatuses![0].state?.terminated?.reason, 'Completed');
  const bad = await waitPhase('bad1', 'Failed');
  assert.equal(bad.status!.containerStatuses![0].state?.terminated?.exitCode, 1);
  assert.equal(bad.status!.containerStatuses![0].state?.terminated?.reason, 'Error');
  assert.equal(bad.status!.containerStatuses![0].restartCount, 0);
});

test('restartPolicy Always with a crashing container: restartCount grows, CrashLoopBackOff, lastState kept', async () => {
  await env.client.pods('default').create(testPod('crash1', env.nodeName, { command: ['sh', '-c', 'echo boom; exit 3'] }));
  const p = await waitFor('CrashLoopBackOff', async () => {
    const pod = await getPod('crash1');
    const cs = pod.status?.containerStatuses?.[0];
    return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && cs.restartCount >= 2 ? pod : false;
  }, 40_000);
  const cs = p.status!.containerStatuses![0];
  assert.equal(cs.lastState?.terminated?.exitCode, 3);
  assert.equal(p.status?.phase, 'Running');
  const events = await env.client.events('default').list({ fieldSelector: 'involvedObject.name=crash1' });
  assert.ok(events.items.some((e) => e.reason === 'BackOff'), 'BackOff event');
  const prev = await (await fetch(`http://127.0.0.1:${env.kubelet.port}/containerLogs/default/crash1/main?previous=true`)).text();
  assert.equal(prev, 'boom\n');
});

test('graceful delete: containers stopped, sandbox gone, API object deleted', async () => {
  await env.client.pods('default').create(testPod('del1', env.nodeName));
  const pod = await waitPhase('del1', 'Running');
  const uid = pod.metadata.uid!;
  await env.client.pods('default').delete('del1', { gracePeriodSeconds: 2 });
  await waitFor('pod object gone', async () => {
    try {
      await getPod('del1');
      return false;
    } catch (e) {
      return isNotFound(e);
    }
  });
  assert.deepEqual(await env.runtime.listContainers({ labelSelector: { [L_POD_UID]: uid } }), []);
  assert.deepEqual(await env.runtime.listPodSandbox({ labelSelector: { [L_POD_UID]: uid } }), []);
});

test('static pod: running with a mirror pod within 5 s, mirror recreated when deleted, removed with the file', async () => {
  const { writeFileSync, rmSync } = await import('node:fs');
  const file = join(env.root, 'manifests', 'web.yaml');
  const t0 = Date.now();
  writeFileSync(file, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: c\n    image: busybox\n    command: ["sleep", "1000"]\n`);
  const name = `web-${env.nodeName}`;
  const mirror = await waitFor('mirror Running', async () => {
    const p = await getPod(name);
    return p.status?.phase === 'Running' ? p : false;
  }, 5000, 50);
  console.log(`# static pod file → mirror Running: ${Date.now() - t0} ms`);
  assert.ok(mirror.metadata?.annotations?.['kubernetes.io/config.mirror']);
  assert.equal(mirror.metadata?.annotations?.['kubernetes.io/config.source'], 'file');
  await env.client.pods('default').delete(name, { gracePeriodSeconds: 0 });
  await waitFor('mirror recreated', async () => (await getPod(name)).metadata?.uid !== mirror.metadata?.uid, 10_000);
  const staticUid = mirror.metadata.annotations['kubernetes.io/config.mirror'];
  assert.equal((await env.runtime.listContainers({ labelSelector: { [L_POD_UID]: staticUid } })).filter((c) => c.state === 'CONTAINER_RUNNING').length, 1, 'deleting the mirror does not restart the static pod');
  rmSync(file);
  await waitFor('mirror gone', async () => {
    try {
      await getPod(name);
      return false;
    } catch (e) {
      return isNotFound(e);
    }
  }, 10_000);
  await waitFor('static containers gone', async () => (await env.runtime.listContainers({ labelSelector: { [L_POD_UID]: staticUid } })).length === 0, 10_000);
});

test('kubelet restart re-adopts running containers without restarting them; a pod deleted meanwhile is torn down', async () => {
  await env.client.pods('default').create(testPod('keep1', env.nodeName));
  await env.client.pods('default').create(testPod('gone1', env.nodeName, { terminationGracePeriodSeconds: 0 }));
  const keep = await waitPhase('keep1', 'Running');
  const gone = await waitPhase('gone1', 'Running');
  const before = (await env.runtime.listContainers({ labelSelector: { [L_POD_UID]: keep.metadata.uid! } })).map((c) => c.id);
  await env.kubelet.stop();
  // While the kubelet is down: the pod disappears from the API for good.
  await env.api.req('DELETE', `/api/v1/namespaces/default/pods/gone1?gracePeriodSeconds=0`);
  await env.restartKubelet();
  await waitFor('orphan torn down', async () => (await env.runtime.listPodSandbox({ labelSelector: { [L_POD_UID]: gone.metadata.uid! } })).length === 0, 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  const after = await env.runtime.listContainers({ labelSelector: { [L_POD_UID]: keep.metadata.uid! } });
  assert.deepEqual(after.map((c) => c.id), before, 'same container, not restarted');
  assert.equal(after[0].state, 'CONTAINER_RUNNING');
  const p = await getPod('keep1');
  assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 0);
  assert.equal(p.status?.phase, 'Running');
});

test('metrics and healthz are served', async () => {
  assert.equal(await (await fetch(`http://127.0.0.1:${env.kubelet.port}/healthz`)).text(), 'ok');
  const m = await (await fetch(`http://127.0.0.1:${env.kubelet.port}/metrics`)).text();
  assert.match(m, /kubelet_running_pods \d+/);
  assert.match(m, /kubelet_pod_start_duration_seconds_count \d+/);
  void readdirSync;
});
