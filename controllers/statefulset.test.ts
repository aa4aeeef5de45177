// The StatefulSet controller on a real apiserver (etcd), with the garbage collector, driven and read by real kubectl.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, StatefulSet } from '../api/apps.js';
import type { PersistentVolumeClaim, Pod } from '../api/core.js';
import { startControllerManager, type ControllerManager } from './manager.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { autoReady, kubectl, markReady } from '../testing/controllers-apps.js';
import { eventually, sleep, waitFor } from '../testing/wait.js';

function statefulSet(name: string, replicas: number, image: string): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas,
      serviceName: `${name}-svc`,
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image, command: ['sleep', '3600'] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
    },
  };
}

describe('StatefulSet controller (real apiserver, kubectl)', { timeout: 180_000 }, () => {
  let env: ControllerTestEnv;
  let cm: ControllerManager | undefined;
  before(async () => {
    env = await startEnv();
    cm = await startControllerManager({ client: env.client, controllers: ['statefulset', 'garbagecollector', 'pvc-protection'], log: () => {} });
  });
  after(async () => {
    await cm?.stop();
    await env?.stop();
  });

  it('ordered creation, identities, claims, ordered scale-down, partitioned rolling update, rollout history/undo, cascade', async () => {
    const { client, ns, kubeconfig } = env;
    assert.ok(cm?.statefulSet, 'the manager runs the statefulset controller');
    const stsApi = client.resource<StatefulSet>('statefulsets', ns);
    const set = await stsApi.create(statefulSet('web', 3, 'busybox:1'));
    const live = async (): Promise<Pod[]> => (await client.pods(ns).list({ labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp).sort((a, b) => (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1);
    const names = async () => (await live()).map((p) => p.metadata?.name);

    // OrderedReady: web-1 only once web-0 is Running and Ready, and so on.
    for (let i = 0; i < 3; i++) {
      await waitFor(async () => (await names()).length === i + 1, 20_000, `web-${i} created`);
      await sleep(300);
      assert.deepEqual(await names(), Array.from({ length: i + 1 }, (_, k) => `web-${k}`), `nothing past web-${i} before it is ready`);
      const p = (await live())[i];
      assert.equal(p.spec?.hostname, `web-${i}`);
      assert.equal(p.spec?.subdomain, 'web-svc');
      assert.equal(p.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], `web-${i}`);
      assert.equal(p.metadata?.labels?.['apps.kubernetes.io/pod-index'], String(i));
      assert.deepEqual(p.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: `data-web-${i}` });
      await markReady(client, p);
    }
    const st = await eventually('status', async () => {
      const s = (await stsApi.get('web')).status;
      return s?.readyReplicas === 3 ? s : undefined;
    });
    assert.equal(st.replicas, 3);
    assert.equal(st.currentRevision, st.updateRevision);
    assert.equal(st.observedGeneration, 1);
    const pvcs = (await client.resource<PersistentVolumeClaim>('persistentvolumeclaims', ns).list()).items;
    assert.deepEqual(pvcs.map((c) => c.metadata?.name).sort(), ['data-web-0', 'data-web-1', 'data-web-2']);
    assert.ok(pvcs.every((c) => c.metadata?.labels?.app === 'web' && !c.metadata.ownerReferences?.length), 'Retain by default: no owners');
    await kubectl(kubeconfig, ['rollout', 'status', 'sts/web', '--timeout=30s']);
    assert.match(await kubectl(kubeconfig, ['get', 'sts', 'web']), /^NAME\s+READY\s+AGE\nweb\s+3\/3\s+\S+\n$/);
    assert.match(await kubectl(kubeconfig, ['get', 'ds,sts']), /statefulset.apps\/web\s+3\/3/);

    // Scale down: web-2 goes first, web-1 only after it; claims are kept.
    assert.match(await kubectl(kubeconfig, ['scale', 'sts/web', '--replicas=1']), /statefulset.apps\/web scaled/);
    await waitFor(async () => (await names()).length === 1, 20_000, 'scaled to 1');
    assert.deepEqual(await names(), ['web-0']);
    // Events are written asynchronously by the recorder: wait for both, then check their order.
    const events = await eventually('two delete events', async () => {
      const l = (await client.events(ns).list()).items.filter((e) => e.reason === 'SuccessfulDelete' && /web-[12] /.test(e.message ?? ''));
      return l.length === 2 ? l.sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion)).map((e) => e.message) : undefined;
    }, 10_000);
    assert.deepEqual(events, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']);
    assert.equal((await client.resource<PersistentVolumeClaim>('persistentvolumeclaims', ns).list()).items.length, 3);

    const ready = autoReady(client, ns);
    try {
      await stsApi.patch('web', { spec: { replicas: 3 } }, 'merge');
      await kubectl(kubeconfig, ['rollout', 'status', 'sts/web', '--timeout=60s']);
      // Partitioned update: only ordinals >= 1 move to the new revision, highest first.
      await stsApi.patch('web', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, template: { spec: { containers: [{ name: 'c', image: 'busybox:2', command: ['sleep', '3600'] }] } } } }, 'merge');
      const out = await kubectl(kubeconfig, ['rollout', 'status', 'sts/web', '--timeout=60s']);
      assert.match(out, /partitioned roll out complete: 2 new pods have been updated/);
      const images: Record<string, string | undefined> = Object.fromEntries((await live()).map((p): [string, string | undefined] => [p.metadata?.name ?? '', p.spec?.containers[0]?.image]));
      assert.deepEqual(images, { 'web-0': 'busybox:1', 'web-1': 'busybox:2', 'web-2': 'busybox:2' });
      const s2 = (await stsApi.get('web')).status;
      assert.notEqual(s2?.currentRevision, s2?.updateRevision, 'a partitioned update is not complete');
      assert.deepEqual([s2?.currentReplicas, s2?.updatedReplicas], [1, 2]);

      const history = await kubectl(kubeconfig, ['rollout', 'history', 'sts/web']);
      assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
      // Finish it, then undo.
      await stsApi.patch('web', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, 'merge');
      await kubectl(kubeconfig, ['rollout', 'status', 'sts/web', '--timeout=60s']);
      const s3 = (await stsApi.get('web')).status;
      assert.equal(s3?.currentRevision, s3?.updateRevision);
      assert.match(await kubectl(kubeconfig, ['rollout', 'undo', 'sts/web']), /statefulset.apps\/web rolled back/);
      await waitFor(async () => (await stsApi.get('web')).spec?.template.spec?.containers[0]?.image === 'busybox:1', 10_000, 'template back');
      await kubectl(kubeconfig, ['rollout', 'status', 'sts/web', '--timeout=60s']);
      assert.ok((await live()).every((p) => p.spec?.containers[0]?.image === 'busybox:1'));
      const revs = (await client.resource<ControllerRevision>('controllerrevisions', ns).list()).items.filter((r) => r.metadata?.ownerReferences?.some((o) => o.uid === set.metadata?.uid));
      assert.deepEqual(revs.map((r) => r.revision).sort(), [2, 3], 'revision 1 re-numbered 3 by the undo');
    } finally {
      await ready.stop();
    }

    // Deleting the set: its pods and revisions are collected, its claims kept (whenDeleted Retain).
    await stsApi.delete('web');
    await waitFor(async () => (await client.pods(ns).list({ labelSelector: 'app=web' })).items.length === 0, 30_000, 'pods collected');
    assert.equal((await client.resource<PersistentVolumeClaim>('persistentvolumeclaims', ns).list()).items.length, 3);
  });

  it('Parallel creates every ordinal at once; whenDeleted Delete makes the set own its claims', async () => {
    const { client, ns } = env;
    const stsApi = client.resource<StatefulSet>('statefulsets', ns);
    const obj = statefulSet('par', 3, 'busybox:1');
    obj.spec!.podManagementPolicy = 'Parallel';
    obj.spec!.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Retain' };
    const set = await stsApi.create(obj);
    await waitFor(async () => (await client.pods(ns).list({ labelSelector: 'app=par' })).items.length === 3, 20_000, '3 pods without any ready');
    const claims = (await client.resource<PersistentVolumeClaim>('persistentvolumeclaims', ns).list()).items.filter((c) => c.metadata?.name?.endsWith('-par-0') || c.metadata?.name?.includes('-par-'));
    assert.equal(claims.length, 3);
    for (const c of claims) assert.deepEqual(c.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['StatefulSet', 'par', set.metadata?.uid]]);
    await stsApi.delete('par');
    await waitFor(async () => (await client.resource<PersistentVolumeClaim>('persistentvolumeclaims', ns).list()).items.filter((c) => c.metadata?.name?.includes('-par-')).length === 0, 30_000, 'claims collected with the set');
  });
});
