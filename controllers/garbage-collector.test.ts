import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isNotFound } from '../client/errors.js';
import { sleep, waitFor } from '../testing/wait.js';
import { startGarbageCollector, type GarbageCollector } from './garbage-collector.js';
import { startReplicationManager, type ReplicationManager } from './replication.js';
import { activePods, rcObject, startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

const run = promisify(execFile);

describe('garbage collector with kubectl delete --cascade', { timeout: 180_000 }, () => {
  let env: ControllerTestEnv;
  let rm: ReplicationManager | undefined;
  let gc: GarbageCollector | undefined;
  const kubectl = (...args: string[]) => run('/usr/bin/kubectl', ['--kubeconfig', env.kubeconfig, ...args], { timeout: 60_000 });
  const gone = async (f: () => Promise<unknown>) => {
    try {
      await f();
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  };

  before(async () => {
    env = await startEnv();
    rm = await startReplicationManager({ client: env.client, log: () => {} });
    gc = await startGarbageCollector({ client: env.client, log: () => {} });
  });
  after(async () => {
    await gc?.stop();
    await rm?.stop();
    await env?.stop();
  });

  for (const cascade of ['background', 'foreground', 'orphan'] as const) {
    it(`--cascade=${cascade}`, async () => {
      const { client, ns } = env;
      const name = `rc-${cascade}`;
      await client.replicationControllers(ns).create(rcObject(name, 3));
      await waitFor(async () => (await activePods(client, ns, `app=${name}`)).length === 3, 20_000, '3 pods');
      const before = (await activePods(client, ns, `app=${name}`)).map((p) => p.metadata?.name).sort();
      // kubectl waits for the RC to be gone (foreground: after its pods).
      await kubectl('delete', 'rc', name, `--cascade=${cascade}`);
      assert.ok(await gone(() => client.replicationControllers(ns).get(name)), 'rc deleted');
      if (cascade === 'orphan') {
        await waitFor(async () => (await activePods(client, ns, `app=${name}`)).every((p) => !p.metadata?.ownerReferences?.length), 20_000, 'refs removed');
        await sleep(500);
        const left = await activePods(client, ns, `app=${name}`);
        assert.deepEqual(left.map((p) => p.metadata?.name).sort(), before, 'the same pods remain, orphaned');
      } else {
        if (cascade === 'foreground') assert.equal((await client.pods(ns).list({ labelSelector: `app=${name}` })).items.length, 0, 'foreground: pods went before the rc');
        await waitFor(async () => (await client.pods(ns).list({ labelSelector: `app=${name}` })).items.length === 0, 20_000, 'pods deleted');
      }
    });
  }

  it('collects any namespaced kind whose owner is gone, and keeps objects with a live owner', async () => {
    const { client, ns } = env;
    const owner = await client.configMaps(ns).create({ metadata: { name: 'owner' }, data: {} });
    const other = await client.secrets(ns).create({ metadata: { name: 'other-owner' }, stringData: { a: 'b' } });
    const ref = (o: typeof owner, kind: string) => ({ apiVersion: 'v1', kind, name: o.metadata.name!, uid: o.metadata.uid! });
    await client.configMaps(ns).create({ metadata: { name: 'dep-one', ownerReferences: [ref(owner, 'ConfigMap')] }, data: {} });
    await client.configMaps(ns).create({ metadata: { name: 'dep-two', ownerReferences: [ref(owner, 'ConfigMap'), ref(other, 'Secret')] }, data: {} });
    // A reference to an owner that never existed (wrong uid): collected too.
    await client.services(ns).create({ metadata: { name: 'dangling', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '00000000-0000-0000-0000-000000000000' }] }, spec: { ports: [{ port: 80 }] } });
    await waitFor(() => gone(() => client.services(ns).get('dangling')), 20_000, 'dangling collected');
    await sleep(300);
    assert.equal((await client.configMaps(ns).get('dep-one')).metadata?.name, 'dep-one', 'live owner: kept');
    await client.configMaps(ns).delete('owner');
    await waitFor(() => gone(() => client.configMaps(ns).get('dep-one')), 20_000, 'dep-one collected');
    // dep-two still has a live owner: only the dangling reference is dropped.
    await waitFor(async () => (await client.configMaps(ns).get('dep-two')).metadata?.ownerReferences?.length === 1, 20_000, 'dep-two ref dropped');
    assert.equal((await client.configMaps(ns).get('dep-two')).metadata?.ownerReferences?.[0]?.kind, 'Secret');
  });
});
