import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease, Node, Pod } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { Informer } from '../client/informer.js';
import { sleep, waitFor } from '../testing/wait.js';
import { NodeLifecycleController as NLC } from './node-lifecycle.js';
import { evictionTime, startNodeLifecycleController, taintsForConditions, TAINT_NOT_READY, TAINT_UNREACHABLE, type NodeLifecycleController } from './node-lifecycle.js';
import { startReplicationManager, type ReplicationManager } from './replication.js';
import { activePods, rcObject, startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

const ts = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const micro = () => new Date().toISOString().replace('Z', '000Z');

describe('evictionTime (pure)', () => {
  const taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute' as const, timeAdded: ts(1_000_000) };
  it('uses the default toleration when the pod has none, its own otherwise, never for an open-ended one', () => {
    const pod: Pod = { metadata: {}, spec: { containers: [] } };
    assert.equal(evictionTime(pod, [taint], 300, 0), 1_000_000 + 300_000);
    const own: Pod = { metadata: {}, spec: { containers: [], tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] } };
    assert.equal(evictionTime(own, [taint], 300, 0), 1_000_000 + 5_000);
    const forever: Pod = { metadata: {}, spec: { containers: [], tolerations: [{ operator: 'Exists' }] } };
    assert.equal(evictionTime(forever, [taint], 300, 0), undefined);
    const other: Pod = { metadata: {}, spec: { containers: [] } };
    assert.equal(evictionTime(other, [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }], 300, 0), 0, 'untolerated custom taint: now');
  });
});

describe('taintsForConditions (pure, TaintNodesByCondition)', () => {
  it('a NoSchedule taint per pressure condition that is True', () => {
    const cond = (type: string, status: 'True' | 'False') => ({ type, status });
    const node: Node = { metadata: { name: 'n' }, status: { conditions: [cond('Ready', 'True'), cond('MemoryPressure', 'True'), cond('DiskPressure', 'False'), cond('PIDPressure', 'True')] } };
    assert.deepEqual(taintsForConditions(node), [
      { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
    ]);
    assert.deepEqual(taintsForConditions({ metadata: { name: 'n' } }), []);
  });
});

describe('node lifecycle controller', { timeout: 120_000 }, () => {
  let env: ControllerTestEnv;
  let nlc: NodeLifecycleController | undefined;
  let rm: ReplicationManager | undefined;
  before(async () => {
    // The apiserver's DefaultTolerationSeconds admission gives pods 2 s instead of 300 s.
    env = await startEnv({ defaultTolerationSeconds: { notReadySeconds: 2, unreachableSeconds: 2 } });
  });
  after(async () => {
    await nlc?.stop();
    await rm?.stop();
    await env?.stop();
  });

  it('a node whose lease stops goes Unknown, is tainted, its pods go not-ready and are evicted and replaced; it recovers', async () => {
    const { client, ns, tag } = env;
    const nodeName = `${tag}-node`;
    const readyCond = () => ({ type: 'Ready', status: 'True' as const, reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: ts(), lastTransitionTime: ts() });
    await client.nodes().create({ metadata: { name: nodeName } });
    await client.nodes().patch(nodeName, { status: { conditions: [readyCond(), { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: ts(), lastTransitionTime: ts() }] } }, 'merge', { subresource: 'status' });
    const leases = client.resource<Lease>('leases', 'kube-node-lease');
    await leases.create({ metadata: { name: nodeName }, spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: micro() } });
    let renewing = true;
    const renewer = (async () => {
      while (renewing) {
        await leases.patch(nodeName, { spec: { renewTime: micro() } }, 'merge').catch(() => undefined);
        await sleep(150);
      }
    })();

    // Pods on that node: two from an RC (the admission's default toleration, 2 s here), one tolerating forever.
    const rc = rcObject('onnode', 2);
    rc.spec!.template!.spec!.nodeName = nodeName;
    rm = await startReplicationManager({ client, log: () => {} });
    await client.replicationControllers(ns).create(rc);
    await client.pods(ns).create({ metadata: { name: 'stays' }, spec: { nodeName, tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }], containers: [{ name: 'c', image: 'busybox' }] } });
    await waitFor(async () => (await activePods(client, ns, 'app=onnode')).length === 2, 20_000, 'rc pods');
    for (const p of [...(await activePods(client, ns, 'app=onnode')), await client.pods(ns).get('stays')]) {
      await client.pods(ns).patch(p.metadata.name!, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts() }] } }, 'merge', { subresource: 'status' });
    }
    const original = (await activePods(client, ns, 'app=onnode')).map((p) => p.metadata.name!).sort();

    nlc = await startNodeLifecycleController({ client, nodeMonitorPeriodMs: 100, nodeMonitorGracePeriodMs: 1000, log: () => {} });
    await sleep(1800);
    let node = await client.nodes().get(nodeName);
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'renewing lease keeps it Ready');
    assert.ok(!node.spec?.taints?.length, 'no taints while healthy');

    renewing = false;
    await renewer;
    const stoppedAt = Date.now();
    await waitFor(async () => (await client.nodes().get(nodeName)).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown', 20_000, 'Ready=Unknown');
    assert.ok(Date.now() - stoppedAt >= 700, `not before the grace period (${Date.now() - stoppedAt} ms)`);
    node = await client.nodes().get(nodeName);
    const ready = node.status!.conditions.find((c) => c.type === 'Ready')!;
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    assert.equal(node.status!.conditions.find((c) => c.type === 'MemoryPressure')!.status, 'Unknown');
    await waitFor(async () => (await client.nodes().get(nodeName)).spec?.taints?.length === 2, 20_000, 'taints');
    node = await client.nodes().get(nodeName);
    assert.deepEqual(node.spec!.taints!.map((t) => `${t.key}:${t.effect}`).sort(), [`${TAINT_UNREACHABLE}:NoExecute`, `${TAINT_UNREACHABLE}:NoSchedule`]);
    await waitFor(async () => (await client.pods(ns).get('stays')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False', 20_000, 'pods not ready');

    // After the 2 s toleration the RC's pods are deleted (terminating: no kubelet finishes them) and replaced.
    await waitFor(async () => {
      const all = (await client.pods(ns).list({ labelSelector: 'app=onnode' })).items;
      return original.every((n) => all.find((p) => p.metadata?.name === n)?.metadata?.deletionTimestamp);
    }, 20_000, 'evicted');
    await waitFor(async () => (await activePods(client, ns, 'app=onnode')).length === 2, 20_000, 'replacements');
    const replacements = (await activePods(client, ns, 'app=onnode')).map((p) => p.metadata.name!);
    assert.ok(replacements.every((n) => !original.includes(n)));
    assert.ok(!(await client.pods(ns).get('stays')).metadata?.deletionTimestamp, 'the tolerating pod stays');

    // The kubelet comes back: Ready again, taints removed.
    await client.nodes().patch(nodeName, { status: { conditions: [readyCond()] } }, 'merge', { subresource: 'status' });
    await leases.patch(nodeName, { spec: { renewTime: micro() } }, 'merge');
    await waitFor(async () => !(await client.nodes().get(nodeName)).spec?.taints?.length, 20_000, 'taints removed');
  });

  it('a node reporting Ready=False gets the not-ready taints', async () => {
    const { client, tag } = env;
    const nodeName = `${tag}-sick`;
    await client.nodes().create({ metadata: { name: nodeName } });
    await client.nodes().patch(nodeName, { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: ts(), lastTransitionTime: ts() }] } }, 'merge', { subresource: 'status' });
    await waitFor(async () => (await client.nodes().get(nodeName)).spec?.taints?.some((t) => t.key === TAINT_NOT_READY && t.effect === 'NoExecute') ?? false, 20_000, 'not-ready taint');
  });
  it('DiskPressure brings the disk-pressure NoSchedule taint, and its end takes it away', async () => {
    const { client, tag } = env;
    const nodeName = `${tag}-full`;
    await client.nodes().create({ metadata: { name: nodeName } });
    const ready = { type: 'Ready', status: 'True' as const, reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: ts(), lastTransitionTime: ts() };
    const status = (disk: 'True' | 'False') => client.nodes().patch(nodeName, { status: { conditions: [{ ...ready, lastHeartbeatTime: ts() }, { type: 'DiskPressure', status: disk, reason: 'KubeletHasDiskPressure', lastHeartbeatTime: ts(), lastTransitionTime: ts() }] } }, 'merge', { subresource: 'status' });
    await status('True');
    await waitFor(async () => (await client.nodes().get(nodeName)).spec?.taints?.some((t) => t.key === 'node.kubernetes.io/disk-pressure' && t.effect === 'NoSchedule' && !t.timeAdded) ?? false, 20_000, 'disk-pressure taint');
    await status('False');
    await waitFor(async () => !(await client.nodes().get(nodeName)).spec?.taints?.some((t) => t.key === 'node.kubernetes.io/disk-pressure'), 20_000, 'disk-pressure taint removed');
  });

  it('a node whose writes keep failing is retried with a per-node back-off, a log line per retry', async () => {
    const { client, tag } = env;
    const nodeName = `${tag}-unwritable`;
    // A node that never reported: past its startup grace it must be marked Unknown, but every
    // write goes to a port nobody listens on (the caches still come from the real apiserver).
    await client.nodes().create({ metadata: { name: nodeName } });
    const informers = [new Informer<Node>(client, 'nodes'), new Informer<Pod>(client, 'pods')];
    const dead = new RestClient('http://127.0.0.1:1');
    const lines: string[] = [];
    const c = new NLC({ client: dead, nodeMonitorPeriodMs: 50, nodeStartupGracePeriodMs: 0, nodeInformer: informers[0] as Informer<Node>, podInformer: informers[1] as Informer<Pod>, log: (m) => lines.push(m) });
    try {
      await Promise.all(informers.map((i) => i.start()));
      // 30 passes 50 ms apart (1.5 s): retries after 50, 100, 200, 400, 800 ms: 5 or 6 lines, not 30.
      for (let i = 0; i < 30; i++) {
        await c.monitor();
        await sleep(50);
      }
      const mine = lines.filter((l) => l.includes(`node ${nodeName} `));
      assert.ok(mine.length >= 3 && mine.length <= 7, `${mine.length} lines:\n${mine.join('\n')}`);
      assert.match(mine[0], new RegExp(`^node-lifecycle: node ${nodeName} \\(attempt 1, retrying in 50ms\\): `));
      assert.match(mine[2], /attempt 3, retrying in 200ms/);
    } finally {
      dead.close();
      await Promise.all(informers.map((i) => i.stop()));
      await client.nodes().delete(nodeName);
    }
  });
});
