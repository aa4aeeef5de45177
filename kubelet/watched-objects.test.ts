// The kubelet's ConfigMap/Secret watches on a real apiserver and etcd: one list per object however
// many pods read it, changes seen without a GET, NotFound as a GET's, the watch gone with its last pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestClient } from '../client/rest.js';
import { isNotFound } from '../client/errors.js';
import { startTestApi } from '../testing/cluster.js';
import { WatchedObjects } from './watched-objects.js';

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function configMapLists(api: { url: string }): Promise<number> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  const m = /apiserver_request_total\{verb="list",resource="configmaps",subresource="",code="200"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

test('configmaps and secrets are read from one watch per object, shared by pods, released with the last pod', async () => {
  const api = await startTestApi();
  const client = new RestClient(api.url);
  const logs: string[] = [];
  const objects = new WatchedObjects(client, (m) => logs.push(m));
  try {
    await client.configMaps('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { k: 'v1' } });
    await client.secrets('default').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: Buffer.from('pw').toString('base64') } });
    const lists0 = await configMapLists(api);

    const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => objects.forPod(`pod-${i % 4}`).configMap('default', 'shared')));
    assert.ok(reads.every((c) => c.data?.k === 'v1'));
    assert.equal((await objects.forPod('pod-0').secret('default', 's')).data?.p, Buffer.from('pw').toString('base64'));
    assert.equal(await configMapLists(api), lists0 + 1, 'twenty reads by four pods: one list');
    assert.deepEqual(objects.counts, { configMaps: 1, secrets: 1 });

    // A change reaches the next read through the watch.
    const cur = await client.configMaps('default').get('shared');
    await client.configMaps('default').update({ ...cur, data: { k: 'v2' } });
    await until('update seen', async () => (await objects.forPod('pod-1').configMap('default', 'shared')).data?.k === 'v2');

    // Absent: NotFound with a GET's words; it appears once created.
    await assert.rejects(objects.forPod('pod-1').configMap('default', 'later'), (e: Error) => isNotFound(e) && e.message === 'configmap "later" not found');
    await client.configMaps('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' }, data: { x: '1' } });
    await until('created seen', async () => (await objects.forPod('pod-1').configMap('default', 'later').catch(() => undefined))?.data?.x === '1');
    await assert.rejects(objects.forPod('pod-1').secret('default', ''), (e: Error) => isNotFound(e));

    // Pods 0, 2 and 3 go: pod 1 still reads both configmaps; then it goes too and every watch stops.
    for (const p of ['pod-0', 'pod-2', 'pod-3']) objects.release(p);
    assert.deepEqual(objects.counts, { configMaps: 2, secrets: 0 });
    objects.release('pod-1');
    assert.deepEqual(objects.counts, { configMaps: 0, secrets: 0 });
    assert.deepEqual(logs, []);
  } finally {
    await objects.stop();
    client.close();
    await api.stop();
  }
});

test('an object whose list never succeeds fails the read with upstream words after the sync timeout', async () => {
  // A server that is not there: the list never succeeds.
  const client = new RestClient('http://127.0.0.1:9');
  const objects = new WatchedObjects(client, () => {}, 200);
  try {
    await assert.rejects(objects.forPod('p').configMap('default', 'x'), /failed to sync configmap cache: timed out waiting for the condition/);
  } finally {
    await objects.stop();
    client.close();
  }
});
