// The API as kubectl 1.32 meets it, against `hyperkube up` (HTTPS, token, real etcd):
// every verb the foundation issue names, without a kubelet.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, PodList, ReplicationController, Service } from '../api/core.js';
import { startUp, type UpCluster } from '../testing/up.js';

let c: UpCluster;
before(async () => {
  // The proxy and kubelet would program the host (nat table, bridge); this scenario is about the API only.
  c = await startUp(['--disable=proxy,kubelet']);
});
after(async () => {
  await c?.stop();
});

async function ok(args: string[], input?: string) {
  const r = await c.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: c
    image: busybox
    command: ["httpd", "-f", "-p", "80"]
    ports: [{containerPort: 80}]
`;

const RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: webrc
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: webrc}
    spec:
      containers:
      - name: c
        image: busybox
`;

test('version, api-resources, cluster-info', async () => {
  assert.match(await ok(['version']), /Server Version: v1\.32/);
  const res = await ok(['api-resources']);
  for (const r of ['pods', 'replicationcontrollers', 'services', 'endpoints', 'namespaces', 'nodes', 'events', 'leases']) assert.match(res, new RegExp(`^${r}\\s`, 'm'));
  assert.match(await ok(['cluster-info']), /control plane is running at https:\/\/127\.0\.0\.1/);
});

test('create, get in every format, label and field selectors', async () => {
  assert.match(await ok(['create', '-f', '-'], POD), /pod\/web created/);
  const table = await ok(['get', 'pods']);
  assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/m);
  assert.match(table, /^web\s+0\/1\s+Pending\s+0\s+/m);
  assert.match(await ok(['get', 'pods', '-o', 'wide']), /NOMINATED NODE/);
  assert.equal((JSON.parse(await ok(['get', 'pod', 'web', '-o', 'json'])) as Pod).metadata.name, 'web');
  assert.match(await ok(['get', 'pod', 'web', '-o', 'yaml']), /restartPolicy: Always/);
  assert.match(await ok(['get', 'pods', '-l', 'app=web']), /web/);
  assert.match((await c.kubectl(['get', 'pods', '-l', 'app=nope'])).stderr, /No resources found/);
  assert.match(await ok(['get', 'pods', '--field-selector', 'status.phase=Pending']), /web/);
  for (const r of ['services', 'endpoints', 'namespaces', 'nodes', 'events', 'configmaps', 'rc']) await ok(['get', r]);
});

test('apply repeatedly, client-side and server-side; replace; the three patch types; label; annotate', async () => {
  await ok(['apply', '-f', '-'], POD);
  await ok(['apply', '-f', '-'], POD.replace('{app: web}', '{app: web, tier: front}'));
  assert.match(await ok(['get', 'pod', 'web', '--show-labels']), /tier=front/);
  await ok(['apply', '-f', '-'], POD.replace('{app: web}', '{app: web, tier: back}'));
  assert.match(await ok(['get', 'pod', 'web', '--show-labels']), /tier=back/);
  assert.match(await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], POD), /serverside-applied/);
  const json = await ok(['get', 'pod', 'web', '-o', 'json']);
  assert.match(await ok(['replace', '-f', '-'], json), /replaced/);
  await ok(['patch', 'pod', 'web', '-p', '{"metadata":{"labels":{"s":"1"}}}']);
  await ok(['patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"m":"1"}}}']);
  await ok(['patch', 'pod', 'web', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/j","value":"1"}]']);
  await ok(['label', 'pod', 'web', 'extra=yes']);
  await ok(['annotate', 'pod', 'web', 'note=hi']);
  const pod = JSON.parse(await ok(['get', 'pod', 'web', '-o', 'json'])) as Pod;
  const labels = pod.metadata.labels ?? {};
  assert.deepEqual([labels.s, labels.m, labels.j, labels.extra], ['1', '1', '1', 'yes']);
  assert.equal(pod.metadata.annotations?.note, 'hi');
  assert.match(await ok(['describe', 'pod', 'web']), /Labels:\s+app=web/);
});

test('apply and create of a kind: List file (kubectl validates it against /openapi/v2)', async () => {
  const list = `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: list-a}, data: {x: "1"}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: list-b}}
`;
  assert.match(await ok(['apply', '-f', '-'], list), /configmap\/list-a created\s+configmap\/list-b created/);
  assert.match(await ok(['apply', '-f', '-'], list.replace('"1"', '"2"')), /configmap\/list-a configured\s+configmap\/list-b unchanged/);
  assert.equal((JSON.parse(await ok(['get', 'cm', 'list-a', '-o', 'json'])) as ConfigMap).data?.x, '2');
  await ok(['delete', '-f', '-'], list);
});

test('replication controllers: create, scale, expose, cascading delete', async () => {
  await ok(['create', '-f', '-'], RC);
  await ok(['scale', 'rc', 'webrc', '--replicas=3']);
  assert.equal((JSON.parse(await ok(['get', 'rc', 'webrc', '-o', 'json'])) as ReplicationController).spec?.replicas, 3);
  // the controller manager creates the pods
  let pods = 0;
  for (let i = 0; i < 50 && pods !== 3; i++) {
    pods = (JSON.parse(await ok(['get', 'pods', '-l', 'app=webrc', '-o', 'json'])) as PodList).items.length;
    if (pods !== 3) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(pods, 3);
  assert.match(await ok(['expose', 'rc', 'webrc', '--port=80', '--type=NodePort']), /exposed/);
  const svc = JSON.parse(await ok(['get', 'svc', 'webrc', '-o', 'json'])) as Service;
  assert.match(svc.spec?.clusterIP ?? '', /^10\./);
  assert.ok((svc.spec?.ports?.[0].nodePort ?? 0) >= 30000);
  await ok(['delete', 'rc', 'webrc', '--cascade=foreground']);
  assert.match((await c.kubectl(['get', 'pods', '-l', 'app=webrc'])).stderr, /No resources found/);
});

test('run, delete with --grace-period and --wait, namespaces', async () => {
  assert.match(await ok(['run', 'tmp', '--image=busybox', '--', 'sleep', '100']), /pod\/tmp created/);
  await ok(['delete', 'pod', 'tmp', '--grace-period=5', '--wait']);
  assert.equal((await c.kubectl(['get', 'pod', 'tmp'])).code, 1);
  await ok(['create', 'namespace', 'tns']);
  await ok(['-n', 'tns', 'create', 'configmap', 'c1', '--from-literal=a=b']);
  await ok(['delete', 'namespace', 'tns', '--wait', '--timeout=30s']);
  assert.equal((await c.kubectl(['get', 'namespace', 'tns'])).code, 1);
});

test('watch with -w prints changes', async () => {
  const { spawn } = await import('node:child_process');
  const w = spawn('/usr/bin/kubectl', ['--kubeconfig', c.kubeconfig, 'get', 'pods', '-w', '--output-watch-events']);
  let out = '';
  w.stdout.on('data', (d) => (out += d));
  // kubectl prints the list (web as ADDED) and then watches from the list's resourceVersion, so
  // once web is printed no later change can be missed: wait for that, not a fixed time.
  for (let i = 0; i < 150 && !/ADDED\s+web/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  await ok(['label', 'pod', 'web', 'watched=yes']);
  await ok(['delete', 'pod', 'web']);
  for (let i = 0; i < 50 && !/DELETED/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  w.kill();
  assert.match(out, /ADDED\s+web/);
  assert.match(out, /MODIFIED\s+web/);
  assert.match(out, /DELETED\s+web/);
});

test('bad input: clear errors, nothing written', async () => {
  const bad = await c.kubectl(['create', '-f', '-'], POD.replace('name: web', 'name: Bad_Name'));
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /is invalid/);
  const unknown = await c.kubectl(['create', '-f', '-'], POD.replace('image: busybox', 'image: busybox\n    imagee: x'));
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown field/);
  assert.equal((await c.kubectl(['get', 'pod', 'web'])).code, 1);
});
