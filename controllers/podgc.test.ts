import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../api/core.js';
import { isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import { sleep, waitFor } from '../testing/wait.js';
import { startControllerManager, type ControllerManager } from './manager.js';
import { compareForPodGC, isPodTerminated, terminatedPodsToDelete, withCondition } from './podgc.js';
import { rcObject, startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

const pod = (name: string, created: string, phase: string, reason?: string): Pod =>
  ({ metadata: { name, namespace: 'n', creationTimestamp: created }, spec: { containers: [] }, status: { phase, ...(reason ? { reason } : {}) } }) as Pod;

describe('PodGC rules', () => {
  it('terminated pods over the threshold go evicted first, then oldest first, ties by name', () => {
    const pods = [
      pod('c', '2024-01-01T00:00:03Z', 'Succeeded'),
      pod('b', '2024-01-01T00:00:01Z', 'Failed'),
      pod('a', '2024-01-01T00:00:01Z', 'Succeeded'),
      pod('run', '2024-01-01T00:00:00Z', 'Running'),
      pod('ev', '2024-01-01T00:00:09Z', 'Failed', 'Evicted'),
    ];
    assert.deepEqual(terminatedPodsToDelete(pods, 2).map((p) => p.metadata?.name), ['ev', 'a']);
    assert.deepEqual(terminatedPodsToDelete(pods, 4), []);
    assert.deepEqual(terminatedPodsToDelete(pods, 0), [], 'threshold 0 turns it off');
    assert.deepEqual([...pods].sort(compareForPodGC).map((p) => p.metadata?.name), ['ev', 'run', 'a', 'b', 'c']);
    assert.equal(isPodTerminated(pod('x', '', 'Pending')), false);
    assert.equal(isPodTerminated(pod('x', '', 'Unknown')), false);
  });

  it('withCondition replaces the condition and keeps its transition time when the status stays', () => {
    const cond = { type: 'DisruptionTarget', status: 'True' as const, reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
    const s1 = withCondition({ phase: 'Failed', conditions: [{ type: 'Ready', status: 'True' }] }, cond, '2024-01-01T00:00:00Z');
    assert.deepEqual(s1.conditions?.map((c) => c.type), ['Ready', 'DisruptionTarget']);
    assert.equal(s1.conditions?.[1]?.lastTransitionTime, '2024-01-01T00:00:00Z');
    const s2 = withCondition(s1, { ...cond, message: 'again' }, '2025-01-01T00:00:00Z');
    assert.equal(s2.conditions?.length, 2);
    assert.equal(s2.conditions?.[1]?.lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.equal(s2.conditions?.[1]?.message, 'again');
  });
});

describe('PodGC on a real apiserver', { timeout: 180_000 }, () => {
  let env: ControllerTestEnv;
  let cm: ControllerManager | undefined;
  let watch: Informer<Pod> | undefined;
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    await cm?.stop();
    await watch?.stop();
    await env?.stop();
  });

  it('a pod bound to a node that does not exist blocks its RC foreground deletion until PodGC force-deletes it', async () => {
    const { client, ns } = env;
    const node = `${env.tag}-gone-node`;
    const here = `${env.tag}-here`;
    await client.nodes().create({ metadata: { name: here } });
    const rc = await client.replicationControllers(ns).create(rcObject('fg', 0));
    const owner = { apiVersion: 'v1', kind: 'ReplicationController', name: 'fg', uid: rc.metadata.uid!, controller: true, blockOwnerDeletion: true };
    const mk = (name: string, nodeName: string) =>
      client.pods(ns).create({ metadata: { name, labels: { app: 'fg' }, ownerReferences: [owner] }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
    await mk('fg-orphan', node);
    await client.pods(ns).patch('fg-orphan', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge', { subresource: 'status' });
    // A pod on a node that exists is never touched by PodGC.
    await client.pods(ns).create({ metadata: { name: 'on-live-node' }, spec: { nodeName: here, containers: [{ name: 'c', image: 'busybox' }] } });

    // The pods' last states before deletion, as a watcher sees them.
    const last = new Map<string, Pod>();
    watch = new Informer<Pod>(client, 'pods', { namespace: ns });
    watch.on('update', (_o, p) => last.set(p.metadata.name!, p));
    await watch.start();

    // First without PodGC: the garbage collector marks the pod Terminating, and nothing finishes it.
    cm = await startControllerManager({ client, controllers: ['garbagecollector'], recordEvents: false, log: () => {} });
    await client.replicationControllers(ns).delete('fg', { propagationPolicy: 'Foreground' });
    await waitFor(async () => !!(await client.pods(ns).get('fg-orphan')).metadata?.deletionTimestamp, 20_000, 'the GC deletes the dependent');
    await sleep(2000);
    const stuck = await client.replicationControllers(ns).get('fg');
    assert.ok(stuck.metadata?.finalizers?.includes('foregroundDeletion'), 'the RC waits for its pod');
    assert.ok((await client.pods(ns).get('fg-orphan')).metadata?.deletionTimestamp, 'the pod stays Terminating: no kubelet will finish it');
    await cm.stop();

    // With PodGC (short period and quarantine for the test): the orphan goes, the RC's deletion completes.
    const lines: string[] = [];
    const t0 = Date.now();
    cm = await startControllerManager({ client, controllers: ['garbagecollector', 'podgc'], recordEvents: false, podGCPeriodMs: 200, podGCQuarantineMs: 1000, log: (m) => lines.push(m) });
    await waitFor(async () => isNotFound(await client.pods(ns).get('fg-orphan').catch((e: unknown) => e)), 30_000, 'orphan pod removed');
    const took = Date.now() - t0;
    assert.ok(took >= 900, `not before the quarantine (${took} ms)`);
    await waitFor(async () => isNotFound(await client.replicationControllers(ns).get('fg').catch((e: unknown) => e)), 30_000, 'RC foreground deletion completes');
    console.log(`# orphaned pod force-deleted ${took} ms after PodGC started (quarantine 1 s)`);
    const final = last.get('fg-orphan')!;
    assert.equal(final.status?.phase, 'Failed', 'marked Failed before deletion');
    const dt = final.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual([dt?.status, dt?.reason, dt?.message], ['True', 'DeletionByPodGC', 'PodGC: node no longer exists']);
    assert.ok(lines.some((l) => l.includes(`force-deleted orphaned pod ${ns}/fg-orphan (node ${node})`)), lines.join('\n'));
    assert.ok(!(await client.pods(ns).get('on-live-node')).metadata?.deletionTimestamp, 'a pod on an existing node is left alone');
    await cm.stop();
    cm = undefined;
  });

  it('an unscheduled pod that is terminating is deleted', async () => {
    const { client, ns } = env;
    await client.pods(ns).create({ metadata: { name: 'unsched', finalizers: ['example.com/hold'] }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await client.pods(ns).delete('unsched');
    const p = await client.pods(ns).get('unsched');
    assert.ok(p.metadata?.deletionTimestamp, 'held by its finalizer');
    cm = await startControllerManager({ client, controllers: ['podgc'], recordEvents: false, podGCPeriodMs: 200, log: () => {} });
    // Force deletion cannot skip a finalizer: PodGC issues it (marking it Failed), the finalizer's owner lets go.
    await waitFor(async () => (await client.pods(ns).get('unsched')).status?.phase === 'Failed', 20_000, 'marked Failed by PodGC');
    await client.pods(ns).patch('unsched', { metadata: { finalizers: null } }, 'merge');
    await waitFor(async () => isNotFound(await client.pods(ns).get('unsched').catch((e: unknown) => e)), 20_000, 'gone');
    await cm.stop();
    cm = undefined;
  });

  it('terminated pods over the threshold are deleted oldest first; running pods are kept', async () => {
    const { client, ns } = env;
    // Created a second apart (creationTimestamp has seconds), names in reverse so name order would pick wrong.
    const names = ['t-d', 't-c', 't-b', 't-a'];
    for (const [i, name] of names.entries()) {
      if (i) await sleep(1100);
      await client.pods(ns).create({ metadata: { name, labels: { t: 'done' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      await client.pods(ns).patch(name, { status: { phase: i % 2 ? 'Failed' : 'Succeeded' } }, 'merge', { subresource: 'status' });
    }
    await client.pods(ns).create({ metadata: { name: 't-running', labels: { t: 'done' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await client.pods(ns).patch('t-running', { status: { phase: 'Running' } }, 'merge', { subresource: 'status' });
    cm = await startControllerManager({ client, controllers: ['podgc'], recordEvents: false, podGCPeriodMs: 200, terminatedPodGCThreshold: 2, log: () => {} });
    const left = async () => (await client.pods(ns).list({ labelSelector: 't=done' })).items.map((p) => p.metadata.name!).sort();
    await waitFor(async () => (await left()).length === 3, 20_000, 'two terminated pods deleted');
    await sleep(600);
    assert.deepEqual(await left(), ['t-a', 't-b', 't-running'], 'the two oldest terminated pods went; the running one stays');
    await cm.stop();
    cm = undefined;
  });
});
