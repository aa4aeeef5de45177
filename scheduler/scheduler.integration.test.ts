// The scheduler against a real apiserver on a real etcd: placement, the
// Unschedulable condition and events, retry when a node appears, a burst that
// only the assume step keeps from overcommitting, and a kill -9 mid-burst.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { Registry } from 'prom-client';
import type { Event, Node, Pod } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import { waitFor, uniqueTag } from '../testing/wait.js';
import { startScheduler } from './scheduler.js';
import { makeNode, makePod } from '../testing/scheduler-objects.js';

async function withCluster(fn: (api: TestApi, client: RestClient, ns: string) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  const client = new RestClient(api.url);
  try {
    const ns = uniqueTag();
    await client.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await fn(api, client, ns);
  } finally {
    client.close();
    await api.stop();
  }
}

async function addNode(client: RestClient, opts: Parameters<typeof makeNode>[0]): Promise<Node> {
  const created = await client.nodes().create(makeNode(opts));
  assert.equal(created.status?.allocatable?.cpu, makeNode(opts).status?.allocatable?.cpu, 'node status kept on create');
  return created;
}

async function createPods(client: RestClient, ns: string, n: number, opts: (i: number) => Parameters<typeof makePod>[0]): Promise<void> {
  const pods = client.pods(ns);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) await pods.create(makePod({ namespace: ns, ...opts(i) }));
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

const scheduled = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');

test('places pods by selector and resources, records Scheduled events and metrics', async () => {
  await withCluster(async (_api, client, ns) => {
    await addNode(client, { name: 'small', cpu: '1', labels: { zone: 'a' } });
    await addNode(client, { name: 'big', cpu: '8', labels: { zone: 'b' } });
    await addNode(client, { name: 'cordoned', cpu: '64', unschedulable: true });
    const registry = new Registry();
    const s = await startScheduler({ client, registry, log: () => {} });
    try {
      await createPods(client, ns, 1, () => ({ name: 'in-a', nodeSelector: { zone: 'a' } }));
      await createPods(client, ns, 1, () => ({ name: 'needs-2', cpu: '2' }));
      const other = makePod({ name: 'not-ours', namespace: ns });
      other.spec!.schedulerName = 'other-scheduler';
      await client.pods(ns).create(other);
      await waitFor(async () => (await client.pods(ns).list()).items.filter((p) => p.spec?.nodeName).length === 2, 20_000, 'pods bound');
      const a = await client.pods(ns).get('in-a');
      const b = await client.pods(ns).get('needs-2');
      assert.equal(a.spec?.nodeName, 'small');
      assert.equal(b.spec?.nodeName, 'big');
      assert.equal(scheduled(a)?.status, 'True');
      const notOurs = await client.pods(ns).get('not-ours');
      assert.equal(notOurs.spec?.nodeName, undefined, 'a pod for another scheduler is left alone');
      assert.equal(scheduled(notOurs), undefined);
      await waitFor(async () => (await client.events(ns).list()).items.some((e: Event) => e.reason === 'Scheduled' && e.involvedObject.name === 'in-a'), 10_000, 'Scheduled event');
      const ev = (await client.events(ns).list()).items.find((e) => e.reason === 'Scheduled' && e.involvedObject.name === 'in-a')!;
      assert.equal(ev.message, `Successfully assigned ${ns}/in-a to small`);
      assert.equal(ev.type, 'Normal');
      const text = await registry.metrics();
      assert.match(text, /scheduler_schedule_attempts_total\{result="scheduled"\} 2/);
      assert.match(text, /scheduler_e2e_scheduling_duration_seconds_count 2/);
    } finally {
      await s.stop();
    }
  });
});

test('insufficient cpu: PodScheduled=False with Kubernetes message and a FailedScheduling event; bound at once when a node with room appears', async () => {
  await withCluster(async (_api, client, ns) => {
    await addNode(client, { name: 'n1', cpu: '1' });
    const s = await startScheduler({ client, log: () => {} });
    try {
      await createPods(client, ns, 1, () => ({ name: 'hungry', cpu: '2' }));
      const msg = '0/1 nodes are available: 1 Insufficient cpu.';
      await waitFor(async () => scheduled(await client.pods(ns).get('hungry'))?.reason === 'Unschedulable', 20_000, 'Unschedulable condition');
      const cond = scheduled(await client.pods(ns).get('hungry'))!;
      assert.equal(cond.status, 'False');
      assert.equal(cond.message, msg);
      await waitFor(async () => (await client.events(ns).list()).items.some((e) => e.reason === 'FailedScheduling'), 10_000, 'FailedScheduling event');
      const ev = (await client.events(ns).list()).items.find((e) => e.reason === 'FailedScheduling')!;
      assert.equal(ev.type, 'Warning');
      assert.equal(ev.message, msg);
      assert.equal(ev.involvedObject.name, 'hungry');
      // A second node that only tolerated pods may use, then one with room. (Not the unreachable
      // taint: DefaultTolerationSeconds admission gives every pod a toleration for that one.)
      await addNode(client, { name: 'tainted', cpu: '8', taints: [{ key: 'example.com/dedicated', effect: 'NoExecute' }] });
      await waitFor(
        async () => scheduled(await client.pods(ns).get('hungry'))?.message === "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {example.com/dedicated: }.",
        20_000,
        'message with two nodes',
      );
      const t0 = Date.now();
      await addNode(client, { name: 'roomy', cpu: '4' });
      await waitFor(async () => (await client.pods(ns).get('hungry')).spec?.nodeName === 'roomy', 20_000, 'bound to roomy');
      // Retried on the node add (its back-off is 2 s at most by now), not after the 60 s flush.
      assert.ok(Date.now() - t0 < 15_000);
    } finally {
      await s.stop();
    }
  });
});

async function countBound(client: RestClient, ns: string): Promise<{ bound: Pod[]; unschedulable: Pod[] }> {
  const items = (await client.pods(ns).list()).items;
  return { bound: items.filter((p) => p.spec?.nodeName), unschedulable: items.filter((p) => !p.spec?.nodeName && scheduled(p)?.reason === 'Unschedulable') };
}

test('a burst of 200 pods on a node with room for 150: exactly 150 bound (assume), 50 unschedulable', async () => {
  await withCluster(async (_api, client, ns) => {
    await addNode(client, { name: 'one', cpu: '15', pods: '500' });
    await createPods(client, ns, 200, (i) => ({ name: `b-${i}`, cpu: '100m' }));
    const s = await startScheduler({ client, log: () => {} });
    try {
      await waitFor(async () => {
        const c = await countBound(client, ns);
        return c.bound.length + c.unschedulable.length === 200;
      }, 60_000, 'every pod decided');
      const c = await countBound(client, ns);
      assert.equal(c.bound.length, 150);
      assert.equal(c.unschedulable.length, 50);
      assert.equal(scheduled(c.unschedulable[0])?.message, '0/1 nodes are available: 1 Insufficient cpu.');
    } finally {
      await s.stop();
    }
  });
});

function schedulerProcess(url: string): ChildProcess {
  const here = fileURLToPath(import.meta.url);
  const isTs = here.endsWith('.ts');
  const entry = resolve(dirname(here), '..', 'cmd', isTs ? 'scheduler.ts' : 'scheduler.js');
  // tsx resolves from the repository root (where node_modules is) when running the sources.
  const root = resolve(dirname(here), '..', ...(isTs ? [] : ['..']));
  const args = [...(isTs ? ['--import', 'tsx'] : []), entry, `--server=${url}`];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

test('kill -9 the scheduler process mid-burst: after a restart everything converges, no pod bound twice', async () => {
  await withCluster(async (api, client, ns) => {
    await addNode(client, { name: 'a', cpu: '10', pods: '500' });
    await addNode(client, { name: 'b', cpu: '5', pods: '500' });
    let child = schedulerProcess(api.url);
    try {
      await createPods(client, ns, 200, (i) => ({ name: `k-${i}`, cpu: '100m' }));
      await waitFor(async () => (await countBound(client, ns)).bound.length >= 20, 60_000, 'some pods bound');
      await killed(child);
      const mid = (await countBound(client, ns)).bound.length;
      child = schedulerProcess(api.url);
      await waitFor(async () => {
        const c = await countBound(client, ns);
        return c.bound.length + c.unschedulable.length === 200;
      }, 90_000, 'convergence');
      const c = await countBound(client, ns);
      assert.ok(mid < 200);
      assert.equal(c.bound.length, 150);
      assert.equal(c.unschedulable.length, 50);
      const perNode = new Map<string, number>();
      for (const p of c.bound) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
      assert.deepEqual(Object.fromEntries([...perNode].sort()), { a: 100, b: 50 });
      // Every bound pod carries exactly one PodScheduled=True: one binding each.
      for (const p of c.bound) assert.equal(p.status?.conditions?.filter((x) => x.type === 'PodScheduled' && x.status === 'True').length, 1);
    } finally {
      await killed(child);
    }
  });
});
