import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, sleep } from '../testing/wait.js';
import { onlyStatusChanged, startReplicationManager, slowStartBatch, type ReplicationManager } from './replication.js';
import { activePods, rcObject, startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

describe('replication controller', { timeout: 180_000 }, () => {
  let env: ControllerTestEnv;
  let rm: ReplicationManager | undefined;
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    await rm?.stop();
    await env?.stop();
  });

  it('onlyStatusChanged: our own status write is not a reason to sync again; spec, metadata and resyncs are', () => {
    const a = { ...rcObject('x', 2), metadata: { name: 'x', resourceVersion: '1', generation: 1 }, status: { replicas: 1 } };
    assert.equal(onlyStatusChanged(a, { ...a, metadata: { ...a.metadata, resourceVersion: '2' }, status: { replicas: 2 } }), true);
    assert.equal(onlyStatusChanged(a, { ...a }), false, 'a resync (same resourceVersion) syncs');
    assert.equal(onlyStatusChanged(a, { ...a, metadata: { ...a.metadata, resourceVersion: '2', generation: 2 }, spec: { ...a.spec, replicas: 3 } }), false);
    assert.equal(onlyStatusChanged(a, { ...a, metadata: { ...a.metadata, resourceVersion: '2', deletionTimestamp: '2024-01-01T00:00:00Z' } }), false);
  });

  it('slowStartBatch runs 1, 2, 4, ... and stops at a failing batch', async () => {
    let calls = 0;
    const ok = await slowStartBatch(10, 1, () => {
      calls++;
      return Promise.resolve();
    });
    assert.deepEqual([ok.successes, ok.attempted, calls], [10, 10, 10]);
    let n = 0;
    const bad = await slowStartBatch(10, 1, () => (++n === 2 ? Promise.reject(new Error('boom')) : Promise.resolve()));
    // Batches of 1 then 2 (one failing): 3 attempted, 2 succeeded, the rest skipped.
    assert.equal(bad.attempted, 3);
    assert.equal(bad.successes, 2);
  });

  it('creates replicas pods with owner references, scales up and down, writes status', async () => {
    const { client, ns } = env;
    rm = await startReplicationManager({ client, log: () => {} });
    const rc = await client.replicationControllers(ns).create(rcObject('web', 3));
    await waitFor(async () => (await activePods(client, ns, 'app=web')).length === 3, 20_000, '3 pods');
    const pods = await activePods(client, ns, 'app=web');
    for (const p of pods) {
      assert.ok(p.metadata?.name?.startsWith('web-'));
      assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: rc.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
      assert.equal(p.spec?.containers[0]?.image, 'busybox');
    }
    await waitFor(async () => (await client.replicationControllers(ns).get('web')).status?.replicas === 3, 20_000, 'status.replicas=3');
    const st = (await client.replicationControllers(ns).get('web')).status!;
    assert.equal(st.fullyLabeledReplicas, 3);
    assert.equal(st.readyReplicas, 0);
    assert.equal(st.observedGeneration, 1);

    // Mark one pod Ready (as a kubelet would): readyReplicas follows; scale down keeps the ready one.
    const keep = pods[0];
    await client.pods(ns).patch(keep.metadata.name!, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } }, 'merge', { subresource: 'status' });
    await waitFor(async () => (await client.replicationControllers(ns).get('web')).status?.readyReplicas === 1, 20_000, 'readyReplicas=1');

    await client.replicationControllers(ns).scale('web', 6);
    await waitFor(async () => (await activePods(client, ns, 'app=web')).length === 6, 20_000, '6 pods');
    await client.replicationControllers(ns).scale('web', 1);
    await waitFor(async () => (await activePods(client, ns, 'app=web')).length === 1, 20_000, '1 pod');
    const left = await activePods(client, ns, 'app=web');
    assert.equal(left[0]?.metadata?.name, keep.metadata?.name, 'the ready pod is the one kept');
    await waitFor(async () => {
      const s = (await client.replicationControllers(ns).get('web')).status;
      return s?.replicas === 1 && s.observedGeneration === 3;
    }, 20_000, 'status after scale-down');
    await sleep(300);
    assert.equal((await activePods(client, ns, 'app=web')).length, 1, 'stays at 1');
  });

  it('adopts matching orphans and releases pods that stop matching', async () => {
    const { client, ns } = env;
    // An orphan first, then an RC wanting 2: it adopts the orphan and creates one more.
    await client.pods(ns).create({ metadata: { name: 'orphan', labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const rc = await client.replicationControllers(ns).create(rcObject('adopt', 2));
    await waitFor(async () => (await client.pods(ns).get('orphan')).metadata?.ownerReferences?.[0]?.uid === rc.metadata?.uid, 20_000, 'orphan adopted');
    await waitFor(async () => (await activePods(client, ns, 'app=adopt')).length === 2, 20_000, '2 pods');
    await sleep(300);
    assert.equal((await activePods(client, ns, 'app=adopt')).length, 2, 'adoption counted, no extra pod');
    // Relabel it: released (ownerReferences gone) and replaced.
    await client.pods(ns).patch('orphan', { metadata: { labels: { app: 'other' } } }, 'merge');
    await waitFor(async () => !(await client.pods(ns).get('orphan')).metadata?.ownerReferences?.length, 20_000, 'released');
    await waitFor(async () => (await activePods(client, ns, 'app=adopt')).length === 2, 20_000, 'replaced');
  });

  it('200 pods converge with no duplicates; a restart mid-scale never overshoots', async () => {
    const { client, ns } = env;
    const started = Date.now();
    await client.replicationControllers(ns).create(rcObject('big', 200));
    await waitFor(async () => (await activePods(client, ns, 'app=big')).length >= 200, 60_000, '200 pods');
    const took = Date.now() - started;
    console.log(`# RC 0 -> 200: all pods created in ${took} ms`);
    await sleep(500);
    assert.equal((await activePods(client, ns, 'app=big')).length, 200);

    // Scale to 0 and back to 200, stopping the controller mid-way and starting a fresh one.
    await client.replicationControllers(ns).scale('big', 0);
    await waitFor(async () => (await activePods(client, ns, 'app=big')).length < 150, 60_000, 'scale-down under way');
    await rm!.stop();
    rm = await startReplicationManager({ client, log: () => {} });
    await waitFor(async () => (await activePods(client, ns, 'app=big')).length === 0, 60_000, '0 pods');
    await client.replicationControllers(ns).scale('big', 200);
    await waitFor(async () => (await activePods(client, ns, 'app=big')).length > 20, 60_000, 'scale-up under way');
    await rm.stop();
    rm = await startReplicationManager({ client, log: () => {} });
    let max = 0;
    await waitFor(async () => {
      const n = (await activePods(client, ns, 'app=big')).length;
      max = Math.max(max, n);
      return n === 200;
    }, 60_000, '200 pods again');
    await sleep(1000);
    const final = await activePods(client, ns, 'app=big');
    assert.equal(final.length, 200);
    assert.ok(max <= 200, `never more than 200 (saw ${max})`);
    assert.equal(new Set(final.map((p) => p.metadata?.name)).size, 200);
  });
});
