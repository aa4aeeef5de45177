// Operations commands against one isolated `hyperkube up` cluster, with the real kubectl:
// the proxy subresources (service, pod and node, through `kubectl get --raw` and through
// `kubectl proxy`), and `kubectl drain` held back by a PodDisruptionBudget on a single
// node (the evicted pod's replacement cannot be scheduled on the cordoned node, so the
// budget must refuse the second eviction until drain times out).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { Pod, PodList } from '../api/core.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;
let node = '';

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: busybox
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 8080}]
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
`;

const kubectl = async (args: string[], input?: string) => {
  const r = await cl.up.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

async function webPods(): Promise<Pod[]> {
  return (JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items;
}

const ready = (p: Pod) => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

before(async () => {
  cl = await startIsolated('ops');
  await kubectl(['apply', '-f', '-'], WEB);
  await eventually('2 web pods ready', async () => ((await webPods()).filter(ready).length === 2 ? true : undefined), 120_000);
  node = (JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as { items: { metadata: { name: string } }[] }).items[0].metadata.name;
  // httpd has written its page once the service answers through the proxy.
  await eventually('service answers through the apiserver proxy', async () => {
    const r = await cl.up.kubectl(['get', '--raw', '/api/v1/namespaces/default/services/web:80/proxy/']);
    return r.code === 0 && r.stdout.trim().startsWith('web-') ? true : undefined;
  }, 60_000);
});

after(async () => {
  await cl?.teardown();
});

test('service, pod and node proxy through kubectl get --raw', async () => {
  const names = new Set((await webPods()).map((p) => p.metadata.name));
  for (const id of ['web:80', 'web:http', 'http:web:80']) {
    const body = (await kubectl(['get', '--raw', `/api/v1/namespaces/default/services/${id}/proxy/index.html`])).trim();
    assert.ok(names.has(body), `${id}: ${body} is one of the service's pods`);
  }
  // As upstream: no port names the unnamed port, and this service has only a named one.
  const unnamed = await cl.up.kubectl(['get', '--raw', '/api/v1/namespaces/default/services/web/proxy/']);
  assert.match(unnamed.stderr, /ServiceUnavailable.*no endpoints available for service "web"/);
  const pod = [...names][0]!;
  assert.equal((await kubectl(['get', '--raw', `/api/v1/namespaces/default/pods/${pod}:8080/proxy/`])).trim(), pod);
  assert.equal((await kubectl(['get', '--raw', `/api/v1/namespaces/default/pods/${pod}/proxy/`])).trim(), pod, 'the first container port by default');
  assert.equal((await kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/healthz`])).trim(), 'ok');
  assert.match(await kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics`]), /^# (HELP|TYPE) /m);
  const missing = await cl.up.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/nope/proxy/']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /pods "nope" not found/);
});

test('kubectl proxy serves the service proxy path on localhost', async () => {
  const child = spawn('/usr/bin/kubectl', ['--kubeconfig', cl.up.kubeconfig, 'proxy', '--port=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const port = await eventually('kubectl proxy listening', () => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 20_000);
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: Number(port), path: '/api/v1/namespaces/default/services/web:80/proxy/', agent: false, timeout: 20_000 }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      }).on('error', reject);
    });
    assert.equal(body.status, 200);
    assert.match(body.text.trim(), /^web-/);
  } finally {
    child.kill();
  }
});

test('kubectl drain with a PodDisruptionBudget: one eviction allowed, the second refused until the timeout', async () => {
  await kubectl(['create', 'pdb', 'web', '--selector=app=web', '--min-available=1']);
  await eventually('pdb allows 1', async () => {
    const b = JSON.parse(await kubectl(['get', 'pdb', 'web', '-o', 'json'])) as { status?: { disruptionsAllowed?: number; currentHealthy?: number } };
    return b.status?.disruptionsAllowed === 1 && b.status.currentHealthy === 2 ? true : undefined;
  }, 30_000);
  const before = new Set((await webPods()).map((p) => p.metadata.name));
  const r = await cl.up.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=20s']);
  const out = r.stdout + r.stderr;
  assert.notEqual(r.code, 0, `drain must not finish while the budget holds: ${out}`);
  assert.match(out, /Cannot evict pod as it would violate the pod's disruption budget\./);
  assert.match(out, /evicted/);
  const node0 = JSON.parse(await kubectl(['get', 'node', node, '-o', 'json'])) as { spec?: { unschedulable?: boolean } };
  assert.equal(node0.spec?.unschedulable, true, 'cordoned');
  const left = (await webPods()).filter((p) => before.has(p.metadata.name) && !p.metadata.deletionTimestamp);
  assert.equal(left.length, 1, 'exactly one of the two pods was evicted');
  assert.ok(ready(left[0]), 'the budget kept one healthy pod');
  await kubectl(['uncordon', node]);
});
