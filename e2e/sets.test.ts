// DaemonSet and StatefulSet on a whole `hyperkube up` cluster with real pods: the DaemonSet runs
// exactly one pod on the node (bound by the scheduler through its metadata.name affinity); a
// StatefulSet of 3 starts web-0, web-1, web-2 in that order, each Running before the next is
// created, each with its own hostname. Everything is removed by the teardown.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Pod } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;
let client: RestClient;
const NS = 'default';

const MANIFESTS = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: ["sleep", "3600"]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  replicas: 3
  serviceName: web
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: ["sleep", "3600"]
`;

before(async () => {
  cl = await startIsolated('sets');
  client = RestClient.fromKubeconfig({ path: cl.up.kubeconfig });
});

after(async () => {
  client?.close();
  await cl?.teardown();
});

const running = (p: Pod) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;

test('a DaemonSet runs one pod on the node; a StatefulSet of 3 starts in order with its hostnames', { timeout: 90_000 }, async () => {
  const applied = await cl.up.kubectl(['apply', '-f', '-'], MANIFESTS);
  assert.equal(applied.code, 0, applied.stderr);

  const dsPods = await eventually('the daemon pod Running', async () => {
    const l = (await client.pods(NS).list({ labelSelector: 'app=agent' })).items;
    return l.length === 1 && running(l[0]) ? l : undefined;
  }, 60_000, 300);
  assert.equal(dsPods[0].spec?.nodeName, cl.flags.node, 'bound to the node by the scheduler');
  const ds = await cl.up.kubectl(['rollout', 'status', 'ds/agent', '--timeout=30s']);
  assert.equal(ds.code, 0, ds.stderr);

  const sts = await cl.up.kubectl(['rollout', 'status', 'sts/web', '--timeout=70s']);
  assert.equal(sts.code, 0, sts.stderr);
  const pods = (await client.pods(NS).list({ labelSelector: 'app=web' })).items.sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  assert.deepEqual(pods.map((p) => p.metadata?.name), ['web-0', 'web-1', 'web-2']);
  assert.ok(pods.every(running));
  // In order: each pod created only once the one before it was Ready.
  for (let i = 1; i < 3; i++) {
    const prevReady = Date.parse(pods[i - 1].status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
    const created = Date.parse(pods[i].metadata?.creationTimestamp ?? '');
    assert.ok(created >= prevReady, `web-${i} created (${pods[i].metadata?.creationTimestamp}) after web-${i - 1} was ready`);
  }
  // Events are written asynchronously: wait for the three, in the order they were written.
  const creates = await eventually('three create events', async () => {
    const l = (await client.resource<Event>('events', NS).list()).items.filter((e) => e.reason === 'SuccessfulCreate' && e.involvedObject?.name === 'web');
    return l.length === 3 ? l.sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion)).map((e) => e.message) : undefined;
  }, 10_000);
  assert.deepEqual(creates, [0, 1, 2].map((i) => `create Pod web-${i} in StatefulSet web successful`));
  for (const p of pods) {
    const h = await cl.up.kubectl(['exec', p.metadata?.name ?? '', '--', 'hostname']);
    assert.equal(h.code, 0, h.stderr);
    assert.equal(h.stdout.trim(), p.metadata?.name);
  }
  // Still exactly one daemon pod at the end.
  assert.equal((await client.pods(NS).list({ labelSelector: 'app=agent' })).items.length, 1);
});
