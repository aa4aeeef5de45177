// A Deployment behind a Service on a real cluster (isolated `hyperkube up`, real kubelet
// and containers), driven by kubectl 1.32: while a client on the host keeps hitting the
// Service's ClusterIP, a rolling update to a new template (maxSurge 1, maxUnavailable 0,
// readiness probe), then `rollout undo`, then `rollout restart`, then `scale` up and down each complete and no
// request fails. The old pods get a preStop sleep, as zero-downtime Deployments do: it
// keeps them serving while their endpoint is taken out of the Service's rules.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { PodList } from '../api/core.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually, sleep } from '../testing/wait.js';

let cl: IsolatedCluster;

const kubectl = (args: string[], input?: string): Promise<string> => cl.up.kubectlOk(args, input);

/** One GET on a new connection: the body, or rejects with why. */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  progressDeadlineSeconds: 600
  revisionHistoryLimit: 10
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: web
        image: busybox
        imagePullPolicy: IfNotPresent
        env:
        - {name: VERSION, value: "1"}
        command: ["sh", "-c", "mkdir -p /www && echo v$VERSION > /www/index.html && exec httpd -f -p 80 -h /www"]
        readinessProbe:
          httpGet: {path: /, port: 80}
          periodSeconds: 1
        lifecycle:
          preStop:
            exec: {command: ["sleep", "3"]}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 80}
`;

before(async () => {
  cl = await startIsolated('deploy');
});
after(async () => {
  await cl?.teardown();
});

test('rolling update, undo and restart of a Deployment behind a Service drop no request', { timeout: 240_000 }, async () => {
  await kubectl(['apply', '-f', '-'], MANIFEST);
  await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  const svc = JSON.parse(await kubectl(['get', 'service', 'web', '-o', 'json'])) as { spec: { clusterIP: string } };
  const url = `http://${svc.spec.clusterIP}:80/`;
  await eventually('the Service answers', async () => ((await get(url).catch(() => '')) === 'v1' ? true : undefined), 30_000, 100);

  let hitting = true;
  const failures: string[] = [];
  const seen: string[] = [];
  const client = (async () => {
    while (hitting) {
      await get(url).then(
        (b) => seen.push(b),
        (e: Error) => failures.push(`${new Date().toISOString()} ${e.message}`),
      );
      await sleep(20);
    }
  })();
  const versions = async () => new Set((JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec?.containers[0]?.env?.[0]?.value));
  try {
    // A new template: VERSION=2.
    await kubectl(['set', 'env', 'deployment/web', 'VERSION=2']);
    const out = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    assert.match(out, /deployment "web" successfully rolled out/);
    assert.deepEqual([...(await versions())], ['2']);
    await eventually('the Service serves v2 only', () => Promise.resolve(seen.slice(-10).every((b) => b === 'v2') && seen.length > 10 ? true : undefined), 20_000, 200);
    const hist = await kubectl(['rollout', 'history', 'deployment/web']);
    assert.match(hist, /^1\s/m);
    assert.match(hist, /^2\s/m);

    // Back to VERSION=1: the first ReplicaSet comes back as revision 3.
    await kubectl(['rollout', 'undo', 'deployment/web']);
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    assert.deepEqual([...(await versions())], ['1']);
    const d = JSON.parse(await kubectl(['get', 'deployment', 'web', '-o', 'json'])) as { metadata: { annotations: Record<string, string> } };
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '3');

    // Restart: new pods of the same template.
    const before = (JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items.map((p) => p.metadata.name);
    await kubectl(['rollout', 'restart', 'deployment/web']);
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    const now = (JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
    assert.equal(now.length, 3);
    assert.ok(now.every((n) => !before.includes(n)), 'every pod replaced');

    // Scale up and back down through the scale subresource; the Service keeps answering.
    await kubectl(['scale', 'deployment/web', '--replicas=5']);
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    const five = JSON.parse(await kubectl(['get', 'deployment', 'web', '-o', 'json'])) as { status: { availableReplicas?: number; replicas?: number } };
    assert.equal(five.status.availableReplicas, 5);
    await kubectl(['scale', 'deployment/web', '--replicas=3']);
    await eventually('3 pods left', async () => ((JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items.length === 3 ? true : undefined), 30_000, 300);
    await sleep(500);
  } finally {
    hitting = false;
    await client;
  }
  console.log(`# ${seen.length} requests answered during the rollouts, ${failures.length} failed`);
  assert.deepEqual(failures, [], 'no request failed');
  assert.ok(seen.length > 100, `${seen.length} requests`);
  assert.ok(seen.includes('v1') && seen.includes('v2'));
});
