// PodDisruptionBudgets, the disruption controller and pods/eviction on a real apiserver
// and etcd, driven by kubectl 1.32: `kubectl create pdb` (protobuf), the status the
// controller keeps (percentages against an RC's scale), evictions answered 201 / 429 with
// upstream's words, dry runs, and `kubectl drain` evicting one pod at a time while the
// budget allows only one disruption, finishing once replacements are ready elsewhere.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Pod } from '../api/core.js';
import type { PodDisruptionBudget } from '../api/policy.js';
import { startEnv, rcObject, type ControllerTestEnv } from '../testing/controllers-env.js';
import { createNode, kubectl, markReady } from '../testing/controllers-apps.js';
import { eventually } from '../testing/wait.js';
import { startControllerManager, type ControllerManager } from './manager.js';

let env: ControllerTestEnv;
let cm: ControllerManager;
let rcUid = '';

before(async () => {
  env = await startEnv();
  cm = await startControllerManager({ client: env.client, controllers: ['disruption'], recordEvents: false, log: () => undefined });
  await createNode(env.client, `${env.tag}-n1`);
  await createNode(env.client, `${env.tag}-n2`);
  // The RC only owns the pods (its controller is not running): its spec.replicas is the scale.
  const rc = await env.client.replicationControllers(env.ns).create(rcObject('web', 4, { app: 'web' }));
  rcUid = rc.metadata?.uid ?? '';
});

after(async () => {
  await cm?.stop();
  await env?.stop();
});

async function readyPod(name: string, node: string, labels: Record<string, string> = { app: 'web' }): Promise<Pod> {
  const p = await env.client.pods(env.ns).create({
    metadata: { name, labels, ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: rcUid, controller: true }] },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
  });
  await markReady(env.client, p);
  return p;
}

const pdbOf = (name: string) => env.client.resource<PodDisruptionBudget>('poddisruptionbudgets', env.ns).get(name);

async function evict(name: string, body: unknown = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } }, query = '') {
  return env.t.req('POST', `/api/v1/namespaces/${env.ns}/pods/${name}/eviction${query}`, body);
}

test('validation: minAvailable xor maxUnavailable, percentages up to 100%, known policies', async () => {
  const bad = await env.t.req('POST', `/apis/policy/v1/namespaces/${env.ns}/poddisruptionbudgets`, {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'bad' },
    spec: { minAvailable: 1, maxUnavailable: '150%', unhealthyPodEvictionPolicy: 'Never', selector: { matchLabels: { app: 'web' } } },
  });
  assert.equal(bad.status, 422, bad.text);
  const fields = (bad.body as { details: { causes: { field: string; message: string }[] } }).details.causes.map((c) => `${c.field}: ${c.message}`);
  assert.ok(fields.some((f) => f.startsWith('spec: Invalid value:') && f.endsWith('minAvailable and maxUnavailable cannot be both set')), fields.join('\n'));
  assert.ok(fields.includes('spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%'), fields.join('\n'));
  assert.ok(fields.includes('spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"'), fields.join('\n'));
  assert.match((bad.body as { message: string }).message, /^PodDisruptionBudget.policy "bad" is invalid: /);
});

test('kubectl create pdb; the controller counts healthy pods and the 429 names the budget', async () => {
  for (const n of ['a1', 'a2', 'a3']) await readyPod(n, `${env.tag}-n2`, { app: 'api' });
  await kubectl(env.kubeconfig, ['create', 'pdb', 'api', '--selector=app=api', '--min-available=2']);
  const st = await eventually('pdb api synced', async () => {
    const b = await pdbOf('api');
    return b.status?.observedGeneration === 1 && b.status.currentHealthy === 3 ? b.status : undefined;
  }, 15_000);
  assert.deepEqual([st.disruptionsAllowed, st.desiredHealthy, st.expectedPods], [1, 2, 3]);
  assert.equal(st.conditions?.[0]?.reason, 'SufficientPods');
  const table = await kubectl(env.kubeconfig, ['get', 'pdb', 'api']);
  assert.match(table, /NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\napi\s+2\s+N\/A\s+1\s+/);

  // A dry run takes nothing.
  const dry = await evict('a1', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'a1' }, deleteOptions: { dryRun: ['All'] } });
  assert.equal(dry.status, 201, dry.text);
  assert.equal((await pdbOf('api')).status?.disruptionsAllowed, 1);
  assert.equal((await env.client.pods(env.ns).get('a1')).metadata?.deletionTimestamp, undefined);

  const mismatch = await evict('a1', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'a2' } });
  assert.equal(mismatch.status, 400);
  assert.equal((mismatch.body as { message: string }).message, 'name in URL does not match name in Eviction object');

  // v1beta1 bodies are accepted; the grace period of deleteOptions is honoured (the pod has a node: graceful).
  const ok = await evict('a1', { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name: 'a1' }, deleteOptions: { gracePeriodSeconds: 7 } });
  assert.equal(ok.status, 201, ok.text);
  assert.deepEqual(ok.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  const gone = await env.client.pods(env.ns).get('a1');
  assert.equal(gone.metadata?.deletionGracePeriodSeconds, 7);
  assert.ok(gone.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'EvictionByEvictionAPI'));
  const after1 = await pdbOf('api');
  assert.equal(after1.status?.disruptionsAllowed, 0);
  // The eviction records a1 in disruptedPods; the controller drops the entry once it sees a1
  // terminating (and counts it out). Which came first is a race: either state is right.
  assert.ok(after1.status?.disruptedPods?.a1 || after1.status?.currentHealthy === 2, `the eviction is recorded for the controller: ${JSON.stringify(after1.status)}`);

  await eventually('the controller counts a1 out', async () => ((await pdbOf('api')).status?.currentHealthy === 2 ? true : undefined), 10_000);
  const refused = await evict('a2');
  assert.equal(refused.status, 429, refused.text);
  const body = refused.body as { message: string; reason: string; details: { causes: { reason: string; message: string }[] } };
  assert.equal(body.reason, 'TooManyRequests');
  assert.equal(body.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.deepEqual(body.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget api needs 2 healthy pods and has 2 currently' }]);
  assert.equal((await env.client.pods(env.ns).get('a2')).metadata?.deletionTimestamp, undefined, 'a refused eviction deletes nothing');

  // An unready pod goes while the budget is healthy without taking a disruption (IfHealthyBudget).
  await env.client.pods(env.ns).patch('a3', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, 'merge', { subresource: 'status' });
  await eventually('a3 unready counted', async () => ((await pdbOf('api')).status?.currentHealthy === 1 ? true : undefined), 10_000);
  const unready = await evict('a3');
  assert.equal(unready.status, 429, 'healthy 1 < desired 2: the unready pod is protected too');
  await env.client.resource<PodDisruptionBudget>('poddisruptionbudgets', env.ns).patch('api', { spec: { unhealthyPodEvictionPolicy: 'AlwaysAllow' } });
  await eventually('generation observed', async () => ((await pdbOf('api')).status?.observedGeneration === 2 ? true : undefined), 10_000);
  assert.equal((await evict('a3')).status, 201, 'AlwaysAllow lets an unready pod go');
});

test('percentages count against the owning controller\'s scale', async () => {
  for (const n of ['s1', 's2']) await readyPod(n, `${env.tag}-n2`, { app: 'scaled' });
  await env.client.resource<PodDisruptionBudget>('poddisruptionbudgets', env.ns).create({
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'scaled' }, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'scaled' } } },
  });
  // RC web wants 4: 50% unavailable (rounded up) leaves 2 desired, and 2 are healthy.
  const st = await eventually('pdb scaled synced', async () => {
    const b = await pdbOf('scaled');
    return b.status?.observedGeneration === 1 ? b.status : undefined;
  }, 15_000);
  assert.deepEqual([st.expectedPods, st.desiredHealthy, st.currentHealthy, st.disruptionsAllowed], [4, 2, 2, 0]);
  await env.client.replicationControllers(env.ns).scale('web', 2);
  // A scale change is seen on the next sync of the budget: a pod event triggers it.
  await readyPod('s3', `${env.tag}-n2`, { app: 'scaled' });
  const st2 = await eventually('rescaled', async () => {
    const b = await pdbOf('scaled');
    return b.status?.expectedPods === 2 && b.status.currentHealthy === 3 ? b.status : undefined;
  }, 15_000);
  assert.deepEqual([st2.desiredHealthy, st2.currentHealthy, st2.disruptionsAllowed], [1, 3, 2]);
});

test('kubectl drain cordons, evicts one pod at a time under the budget, and finishes once replacements are ready', async () => {
  const n1 = `${env.tag}-n1`;
  const n2 = `${env.tag}-n2`;
  for (const n of ['d1', 'd2', 'd3']) await readyPod(n, n1, { app: 'drain' });
  await kubectl(env.kubeconfig, ['create', 'pdb', 'drain', '--selector=app=drain', '--min-available=3']);
  await eventually('pdb drain synced', async () => ((await pdbOf('drain')).status?.currentHealthy === 3 ? true : undefined), 15_000);
  // min 3 of 3: nothing may go until a replacement is ready elsewhere.
  const child = spawn('/usr/bin/kubectl', ['--kubeconfig', env.kubeconfig, 'drain', n1, '--ignore-daemonsets', '--delete-emptydir-data', '--grace-period=0', '--timeout=90s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  try {
    const onN1 = async () => (await env.client.pods(env.ns).list({ fieldSelector: `spec.nodeName=${n1}` })).items.length;
    await eventually('drain blocked by the budget', () => (out.includes("Cannot evict pod as it would violate the pod's disruption budget.") ? true : undefined), 20_000);
    assert.equal((await env.client.nodes().get(n1)).spec?.unschedulable, true, 'cordoned');
    assert.equal(await onN1(), 3, 'nothing evicted while the budget allows no disruption');
    for (const [i, r] of ['r1', 'r2', 'r3'].entries()) {
      await readyPod(r, n2, { app: 'drain' });
      await eventually(`eviction ${i + 1}`, async () => ((await onN1()) === 2 - i ? true : undefined), 20_000);
      // One replacement lets exactly one pod go.
      assert.equal(await onN1(), 2 - i);
    }
    assert.equal(await exited, 0, out);
    assert.match(out, /node\/\S+ drained/);
  } finally {
    child.kill();
  }
});

test('hostile eviction bodies are 4xx Statuses and delete nothing', async () => {
  await readyPod('h1', `${env.tag}-n2`, { app: 'hostile' });
  const bodies: unknown[] = [
    [],
    'null',
    { apiVersion: 'policy/v1', kind: 'Pod', metadata: { name: 'h1' } },
    { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'h1' }, deleteOptions: { gracePeriodSeconds: 'soon' } },
    { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'h1' }, deleteOptions: { dryRun: ['Some'] } },
    { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'h1' }, deleteOptions: { propagationPolicy: 'Never' } },
    '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"h1"},"deleteOptions":{"__proto__":{"gracePeriodSeconds":0}},"__proto__":{"x":1}}',
  ];
  for (const b of bodies) {
    const r = await evict('h1', b);
    assert.ok(r.status >= 400 && r.status < 500 || r.status === 201, `${JSON.stringify(b)}: ${r.status} ${r.text}`);
    if (r.status !== 201) assert.equal((r.body as { kind: string }).kind, 'Status');
    else assert.equal(b, bodies[6], `only the well-formed body evicts: ${JSON.stringify(b)}`);
  }
  const none = await evict('nope');
  assert.equal(none.status, 404);
  assert.equal((none.body as { message: string }).message, 'pods "nope" not found');
});
