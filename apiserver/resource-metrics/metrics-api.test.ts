// metrics.k8s.io on a real apiserver and etcd, read by real kubectl, with a stand-in kubelet
// serving a Summary (the real kubelet's Summary is exercised by kubelet/summary.test.ts and e2e/metrics).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Summary } from '../../api/stats.js';
import { kubectl } from '../../testing/controllers-apps.js';
import { startEnv, type ControllerTestEnv } from '../../testing/controllers-env.js';

let env: ControllerTestEnv;
let kubelet: http.Server;
let asked: string[] = [];
const node = 'metrics-node';
const time = '2026-01-01T00:00:00Z';
const ctr = (name: string, nano: number | undefined, ws: number) => ({ name, startTime: time, cpu: { time, ...(nano !== undefined ? { usageNanoCores: nano } : {}), usageCoreNanoSeconds: 1e9 }, memory: { time, workingSetBytes: ws } });
let summary: Summary;

before(async () => {
  env = await startEnv();
  kubelet = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(summary));
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', () => r()));
  const port = (kubelet.address() as AddressInfo).port;
  await env.client.nodes().create({ metadata: { name: node, labels: { zone: 'a' } } });
  await env.client.nodes().patch(node, { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } }, capacity: { cpu: '2', memory: '4Gi' }, allocatable: { cpu: '2', memory: '4Gi' } } }, 'merge', { subresource: 'status' });
  for (const [name, labels] of [['busy', { app: 'busy' }], ['idle', { app: 'idle' }], ['fresh', { app: 'fresh' }]] as const) {
    await env.client.pods(env.ns).create({ metadata: { name, labels }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }, { name: 'd', image: 'busybox' }] } });
  }
  const uid = async (n: string) => (await env.client.pods(env.ns).get(n)).metadata.uid ?? '';
  summary = {
    node: { nodeName: node, startTime: time, cpu: { time, usageNanoCores: 1_500_000_000, usageCoreNanoSeconds: 9e12 }, memory: { time, workingSetBytes: 2 * 1024 ** 3 } },
    pods: [
      { podRef: { namespace: env.ns, name: 'busy', uid: await uid('busy') }, startTime: time, containers: [ctr('c', 250_000_000, 8 * 1024 ** 2), ctr('d', 1_000_000, 4096)] },
      { podRef: { namespace: env.ns, name: 'idle', uid: await uid('idle') }, startTime: time, containers: [ctr('c', 0, 1024 ** 2), ctr('d', 0, 1024 ** 2)] },
      // No rate yet for one container: the pod is left out, not shown as zero.
      { podRef: { namespace: env.ns, name: 'fresh', uid: await uid('fresh') }, startTime: time, containers: [ctr('c', undefined, 1), ctr('d', 5, 1)] },
    ],
  };
});

after(async () => {
  kubelet?.close();
  await env?.stop();
});

test('discovery lists metrics.k8s.io/v1beta1 nodes and pods (get, list), legacy and aggregated', async () => {
  const r = await env.t.req('GET', '/apis/metrics.k8s.io/v1beta1');
  const res = (r.body as { resources: { name: string; kind: string; verbs: string[]; namespaced: boolean }[] }).resources;
  assert.deepEqual(res.map((x) => [x.name, x.kind, x.verbs.join(','), x.namespaced]), [['nodes', 'NodeMetrics', 'get,list', false], ['pods', 'PodMetrics', 'get,list', true]]);
  const agg = await env.t.req('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
  assert.ok((agg.body as { items: { metadata: { name: string } }[] }).items.some((i) => i.metadata.name === 'metrics.k8s.io'));
});

test('NodeMetrics and PodMetrics from the kubelet Summary: canonical quantities, labels, selectors', async () => {
  asked = [];
  const nodes = await env.t.req('GET', '/apis/metrics.k8s.io/v1beta1/nodes');
  assert.equal(nodes.status, 200);
  const nm = (nodes.body as { kind: string; items: { metadata: { name: string; labels: Record<string, string> }; usage: { cpu: string; memory: string }; window: string }[] });
  assert.equal(nm.kind, 'NodeMetricsList');
  assert.deepEqual(nm.items.map((i) => [i.metadata.name, i.metadata.labels.zone, i.usage.cpu, i.usage.memory]), [[node, 'a', '1500m', '2Gi']]);
  assert.ok(asked.every((u) => u === '/stats/summary?only_cpu_and_memory=true'), asked.join());
  const pods = await env.t.req('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${env.ns}/pods`);
  const pm = pods.body as { items: { metadata: { name: string }; containers: { name: string; usage: { cpu: string; memory: string } }[] }[] };
  assert.deepEqual(pm.items.map((i) => i.metadata.name).sort(), ['busy', 'idle']);
  const busy = pm.items.find((i) => i.metadata.name === 'busy')!;
  assert.deepEqual(busy.containers, [{ name: 'c', usage: { cpu: '250m', memory: '8Mi' } }, { name: 'd', usage: { cpu: '1m', memory: '4Ki' } }]);
  const sel = await env.t.req('GET', `/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dbusy`);
  assert.deepEqual((sel.body as typeof pm).items.map((i) => i.metadata.name), ['busy']);
  const one = await env.t.req('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${env.ns}/pods/idle`);
  assert.equal((one.body as { kind: string }).kind, 'PodMetrics');
});

test('bad requests: unknown names 404 in upstream words, writes and watches 405, bad selectors 400', async () => {
  const missing = await env.t.req('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${env.ns}/pods/fresh`);
  assert.equal(missing.status, 404);
  assert.equal((missing.body as { message: string }).message, 'pods.metrics.k8s.io "fresh" not found');
  assert.equal((await env.t.req('GET', '/apis/metrics.k8s.io/v1beta1/nodes/nope')).status, 404);
  assert.equal((await env.t.req('POST', '/apis/metrics.k8s.io/v1beta1/nodes', { metadata: { name: 'x' } })).status, 405);
  assert.equal((await env.t.req('DELETE', `/apis/metrics.k8s.io/v1beta1/namespaces/${env.ns}/pods/busy`)).status, 405);
  assert.equal((await env.t.req('GET', '/apis/metrics.k8s.io/v1beta1/pods?watch=true')).status, 405);
  assert.equal((await env.t.req('GET', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%3D%3D%3Db')).status, 400);
  assert.equal((await env.t.req('GET', '/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nodeName%3Dx')).status, 400);
  // The core resources of the same plural are untouched.
  assert.equal((await env.t.req('GET', `/api/v1/namespaces/${env.ns}/pods/busy`)).status, 200);
});

test('kubectl top node and top pod --containers read them', async () => {
  const nodes = await kubectl(env.kubeconfig, ['top', 'node']);
  assert.match(nodes, new RegExp(`^${node}\\s+1500m\\s+75%\\s+2048Mi\\s+50%`, 'm'));
  const pods = await kubectl(env.kubeconfig, ['top', 'pod', '--containers']);
  assert.match(pods, /^busy\s+c\s+250m\s+8Mi\s*$/m);
  assert.match(pods, /^busy\s+d\s+1m\s+0Mi\s*$/m);
  const all = await kubectl(env.kubeconfig, ['top', 'pod', '-A', '-l', 'app=idle']);
  assert.match(all, new RegExp(`^${env.ns}\\s+idle\\s+0m\\s+2Mi\\s*$`, 'm'));
});
