// The DaemonSet controller on a real apiserver (etcd), with the garbage collector, driven and read by real kubectl.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet } from '../api/apps.js';
import type { Pod } from '../api/core.js';
import { startControllerManager, type ControllerManager } from './manager.js';
import { targetNodeName } from './daemonset-nodes.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { autoReady, createNode, kubectl, markReady } from '../testing/controllers-apps.js';
import { eventually, waitFor } from '../testing/wait.js';

function daemonSet(name: string, image: string): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
      template: { metadata: { labels: { app: name } }, spec: { nodeSelector: { role: 'agent' }, containers: [{ name: 'c', image, command: ['sleep', '3600'] }] } },
    },
  };
}

describe('DaemonSet controller (real apiserver, kubectl)', { timeout: 180_000 }, () => {
  let env: ControllerTestEnv;
  let cm: ControllerManager | undefined;
  before(async () => {
    env = await startEnv();
    cm = await startControllerManager({ client: env.client, controllers: ['daemonset', 'garbagecollector'], log: () => {} });
  });
  after(async () => {
    await cm?.stop();
    await env?.stop();
  });

  it('one pod per eligible node, rolling update, rollout status/history/undo, cascade on delete', async () => {
    const { client, ns, tag, kubeconfig } = env;
    assert.ok(cm?.daemonSet, 'the manager runs the daemonset controller');
    const n1 = `${tag}-n1`;
    const n2 = `${tag}-n2`;
    const n3 = `${tag}-n3`;
    const n4 = `${tag}-n4`;
    await createNode(client, n1, { role: 'agent' });
    await createNode(client, n2, { role: 'agent' }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
    await createNode(client, n3, { role: 'other' });
    await createNode(client, n4, { role: 'agent' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    const dsApi = client.resource<DaemonSet>('daemonsets', ns);
    const ds = await dsApi.create(daemonSet('agent', 'busybox:1'));
    const dsPods = async () => (await client.pods(ns).list({ labelSelector: 'app=agent' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    // n1 and n2 (the unschedulable taint is tolerated by default); n3 does not match, n4's taint is not tolerated.
    await waitFor(async () => (await dsPods()).length === 2, 20_000, '2 daemon pods');
    const pods = await dsPods();
    assert.deepEqual(pods.map((p) => targetNodeName(p)).sort(), [n1, n2].sort());
    for (const p of pods) {
      assert.equal(p.spec?.nodeName, undefined, 'bound by the scheduler, not the controller');
      assert.ok(p.spec?.tolerations?.some((t) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoExecute'));
      assert.deepEqual(p.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['DaemonSet', 'agent', ds.metadata?.uid, true]]);
      assert.ok(p.metadata?.labels?.['controller-revision-hash']);
    }
    const revs = async () => (await client.resource<ControllerRevision>('controllerrevisions', ns).list()).items.filter((r) => r.metadata?.ownerReferences?.some((o) => o.uid === ds.metadata?.uid));
    const [rev1] = await revs();
    assert.equal(rev1.revision, 1);
    assert.equal(rev1.metadata?.name, `agent-${pods[0].metadata?.labels?.['controller-revision-hash']}`);

    const st0 = await eventually('status', async () => {
      const s = (await dsApi.get('agent')).status;
      return s?.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 ? s : undefined;
    });
    assert.deepEqual([st0.numberReady, st0.numberAvailable, st0.numberUnavailable, st0.updatedNumberScheduled, st0.numberMisscheduled], [0, 0, 2, 2, 0]);
    for (const p of pods) await markReady(client, p);
    await kubectl(kubeconfig, ['rollout', 'status', 'ds/agent', '--timeout=30s']);
    const table = await kubectl(kubeconfig, ['get', 'ds', 'agent']);
    assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\n/);
    assert.match(table, /\nagent\s+2\s+2\s+2\s+2\s+2\s+role=agent\s+\S+\n$/);
    const st1 = (await dsApi.get('agent')).status;
    assert.deepEqual([st1?.numberReady, st1?.numberAvailable, st1?.numberUnavailable], [2, 2, 0]);

    // n4's taint tolerated: a third pod.
    await dsApi.patch('agent', { spec: { template: { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] } } } }, 'merge');
    const ready = autoReady(client, ns);
    try {
      await kubectl(kubeconfig, ['rollout', 'status', 'ds/agent', '--timeout=60s']);
      let now = await dsPods();
      assert.equal(now.length, 3);
      const rev2hash = (await revs()).find((r) => r.revision === 2)?.metadata?.labels?.['controller-revision-hash'];
      assert.ok(rev2hash);
      assert.ok(now.every((p) => p.metadata?.labels?.['controller-revision-hash'] === rev2hash), 'every pod rolled to revision 2');

      // A relabelled node loses its pod.
      await client.nodes().patch(n2, { metadata: { labels: { role: 'other' } } }, 'merge');
      await waitFor(async () => (await dsPods()).length === 2, 20_000, 'pod on n2 gone');

      const history = await kubectl(kubeconfig, ['rollout', 'history', 'ds/agent']);
      assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
      const rev2 = await kubectl(kubeconfig, ['rollout', 'history', 'ds/agent', '--revision=2']);
      assert.match(rev2, /daemonset.apps\/agent with revision #2\nPod Template:/);
      assert.match(rev2, /Tolerations:\s+dedicated=db:NoSchedule/);
      const undo = await kubectl(kubeconfig, ['rollout', 'undo', 'ds/agent']);
      assert.match(undo, /daemonset.apps\/agent rolled back/);
      await waitFor(async () => !(await dsApi.get('agent')).spec?.template.spec?.tolerations?.length, 10_000, 'template back to revision 1');
      await kubectl(kubeconfig, ['rollout', 'status', 'ds/agent', '--timeout=60s']);
      now = await dsPods();
      // Revision 1 is re-numbered 3, no new revision written.
      const after = await revs();
      assert.deepEqual(after.map((r) => [r.metadata?.name, r.revision]).sort(), [[rev1.metadata?.name, 3], [`agent-${rev2hash}`, 2]].sort());
      assert.ok(now.every((p) => `agent-${p.metadata?.labels?.['controller-revision-hash']}` === rev1.metadata?.name));
      assert.deepEqual(now.map((p) => targetNodeName(p)).sort(), [n1].sort(), 'n4 untolerated again, n2 relabelled');
    } finally {
      await ready.stop();
    }

    // The garbage collector removes its pods and revisions with it.
    await dsApi.delete('agent');
    await waitFor(async () => (await client.pods(ns).list({ labelSelector: 'app=agent' })).items.length === 0 && (await revs()).length === 0, 30_000, 'pods and revisions collected');
  });

  it('OnDelete: a template change replaces no pod until it is deleted', async () => {
    const { client, ns, tag } = env;
    const dsApi = client.resource<DaemonSet>('daemonsets', ns);
    const obj = daemonSet('ondel', 'busybox:1');
    obj.spec!.updateStrategy = { type: 'OnDelete' };
    obj.spec!.template.spec!.nodeSelector = { [`${tag}-od`]: 'yes' };
    await createNode(client, `${tag}-od1`, { [`${tag}-od`]: 'yes' });
    await dsApi.create(obj);
    const list = async (): Promise<Pod[]> => (await client.pods(ns).list({ labelSelector: 'app=ondel' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    await waitFor(async () => (await list()).length === 1, 20_000, 'one pod');
    const [first] = await list();
    await markReady(client, first);
    await dsApi.patch('ondel', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2', command: ['sleep', '3600'] }] } } } }, 'merge');
    await waitFor(async () => (await dsApi.get('ondel')).status?.updatedNumberScheduled === 0, 10_000, 'updatedNumberScheduled 0');
    assert.equal((await list())[0]?.metadata?.uid, first.metadata?.uid, 'the old pod stays');
    await client.pods(ns).delete(first.metadata?.name ?? '');
    const fresh = await eventually('replacement', async () => (await list()).find((p) => p.metadata?.uid !== first.metadata?.uid));
    assert.equal(fresh.spec?.containers[0]?.image, 'busybox:2');
  });
});
