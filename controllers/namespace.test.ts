import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isNotFound } from '../client/errors.js';
import { waitFor } from '../testing/wait.js';
import { startNamespaceController, type NamespaceController } from './namespace.js';
import { startReplicationManager, type ReplicationManager } from './replication.js';
import { activePods, rcObject, startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

const run = promisify(execFile);

describe('namespace controller', { timeout: 180_000 }, () => {
  let env: ControllerTestEnv;
  let nc: NamespaceController | undefined;
  let rm: ReplicationManager | undefined;
  before(async () => {
    env = await startEnv();
    nc = await startNamespaceController({ client: env.client, recheckMs: 200, log: () => {} });
    rm = await startReplicationManager({ client: env.client, log: () => {} });
  });
  after(async () => {
    await rm?.stop();
    await nc?.stop();
    await env?.stop();
  });

  it('kubectl delete ns empties the namespace, waits for graceful pods, and completes', async () => {
    const { client, tag } = env;
    const ns = `${tag}-doomed`;
    await client.namespaces().create({ metadata: { name: ns } });
    await client.replicationControllers(ns).create(rcObject('web', 2));
    await client.configMaps(ns).create({ metadata: { name: 'cfg' }, data: { a: 'b' } });
    await client.services(ns).create({ metadata: { name: 'svc' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    // A pod bound to a node: its deletion is graceful and waits for a "kubelet".
    await client.pods(ns).create({ metadata: { name: 'bound' }, spec: { nodeName: 'node-x', containers: [{ name: 'c', image: 'busybox' }] } });
    await waitFor(async () => (await activePods(client, ns, 'app=web')).length === 2, 20_000, 'rc pods');

    const kubectl = run('/usr/bin/kubectl', ['--kubeconfig', env.kubeconfig, 'delete', 'ns', ns, '--timeout=60s'], { timeout: 90_000 });
    // Play the kubelet for the bound pod: once it is terminating, finish it.
    await waitFor(async () => !!(await client.pods(ns).get('bound')).metadata?.deletionTimestamp, 20_000, 'bound pod terminating');
    const nsObj = await client.namespaces().get(ns);
    assert.equal(nsObj.status?.phase, 'Terminating');
    await waitFor(async () => !!(await client.namespaces().get(ns)).status?.conditions?.some((c) => c.type === 'NamespaceContentRemaining' && /pods has 1/.test(c.message ?? '')), 20_000, 'content-remaining condition');
    await client.pods(ns).delete('bound', { gracePeriodSeconds: 0 });
    await kubectl;
    await assert.rejects(client.namespaces().get(ns), (err) => isNotFound(err));
    assert.equal((await client.configMaps(ns).list()).items.length, 0);
  });
});
