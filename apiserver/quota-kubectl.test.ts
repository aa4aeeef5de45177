// LimitRange, ResourceQuota and PodTemplate as kubectl 1.32 meets them: a real apiserver on
// its own etcd (with the LimitRanger and ResourceQuota admission plugins), the real
// resourcequota controller, and the real /usr/bin/kubectl.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import type { Status } from '../api/meta.js';
import type { ResourceQuota } from '../api/quota.js';
import { startControllerManager, type ControllerManager } from '../controllers/manager.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { eventually } from '../testing/client-env.js';
import { runKubectl, type KubectlResult } from '../testing/kubectl.js';

let env: ControllerTestEnv;
let cm: ControllerManager;

before(async () => {
  env = await startEnv();
  cm = await startControllerManager({ client: env.client, controllers: ['resourcequota'], recordEvents: false, resourceQuotaSyncPeriodMs: 60_000, log: () => undefined });
});
after(async () => {
  await cm?.stop();
  await env?.stop();
});

function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  return runKubectl(env.kubeconfig, args, { cacheDir: join(env.dir, 'cache'), input });
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const pods = () => env.client.resource<Pod>('pods', env.ns);
const quotas = () => env.client.resource<ResourceQuota>('resourcequotas', env.ns);

function pod(name: string, resources?: Record<string, Record<string, string>>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) }] } };
}

test('LimitRange: kubectl apply, get, describe; pods defaulted and bounded in upstream words', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: LimitRange
metadata:
  name: bounds
spec:
  limits:
  - type: Container
    max: {cpu: "1", memory: 512Mi}
    min: {cpu: 50m}
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m}
    maxLimitRequestRatio: {cpu: "10"}
`);
  const table = await ok(['get', 'limitranges']);
  assert.match(table, /^NAME\s+CREATED AT\n/);
  assert.match(table, /\nbounds\s+\d{4}-\d\d-\d\dT/);
  assert.match(await ok(['get', 'limits', 'bounds', '-o', 'jsonpath={.spec.limits[0].defaultRequest.memory}']), /^256Mi$/, 'defaultRequest defaults to default');
  const described = await ok(['describe', 'limits', 'bounds']);
  assert.match(described, /Container\s+cpu\s+50m\s+1\s+100m\s+500m\s+10/);

  // Created just before: the next pod sees it.
  const created = await pods().create(pod('defaulted'));
  const c = created.spec!.containers[0];
  assert.deepEqual(c.resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
  assert.equal(created.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');
  assert.equal(created.status?.qosClass, 'Burstable');

  const r = await kubectl(['run', 'big', '--image=busybox', '--overrides={"spec":{"containers":[{"name":"big","image":"busybox","resources":{"limits":{"cpu":"2"}}}]}}']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2/);

  const bad = await kubectl(['apply', '-f', '-'], `apiVersion: v1
kind: LimitRange
metadata:
  name: backwards
spec:
  limits:
  - type: Container
    min: {cpu: "2"}
    max: {cpu: "1"}
`);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /LimitRange "backwards" is invalid: \n\* spec.limits\[0\].min\[cpu\]: Invalid value: "2": min value 2 is greater than max value 1\n/);
  assert.match(bad.stderr, /spec.limits\[0\].default\[cpu\]: Invalid value: "2": min value 2 is greater than default value 1/, 'the default filled from max is checked too');
  await ok(['delete', 'limitrange', 'bounds']);
  await ok(['delete', 'pods', '--all']);
});

test('ResourceQuota: 10 concurrent creates against 3 pods, exactly 3 in; a delete frees one once recomputed', async () => {
  await ok(['create', 'quota', 'small', '--hard=pods=3,requests.cpu=1,limits.cpu=2']);
  const computed = await eventually('quota status', async () => {
    const q = await quotas().get('small');
    return q.status?.used ? q : undefined;
  });
  assert.deepEqual(computed?.status, { hard: { pods: '3', 'requests.cpu': '1', 'limits.cpu': '2' }, used: { pods: '0', 'requests.cpu': '0', 'limits.cpu': '0' } });

  // A quota on cpu needs every container to say its cpu.
  await assert.rejects(pods().create(pod('unbounded')), (err: { status?: Status }) => {
    assert.equal(err.status?.code, 403);
    assert.equal(err.status?.message, 'pods "unbounded" is forbidden: failed quota: small: must specify limits.cpu for: c; requests.cpu for: c');
    return true;
  });

  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => pods().create(pod(`p${i}`, { requests: { cpu: '100m' }, limits: { cpu: '200m' } }))));
  const accepted = results.filter((r) => r.status === 'fulfilled');
  assert.equal(accepted.length, 3, results.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'ok')).join('\n'));
  for (const r of results) {
    if (r.status === 'rejected') assert.match(String((r.reason as { status?: Status }).status?.message), /^pods "p\d" is forbidden: exceeded quota: small, requested: pods=1, used: pods=3, limited: pods=3$/);
  }
  const used = (await quotas().get('small')).status?.used;
  assert.deepEqual(used, { pods: '3', 'requests.cpu': '300m', 'limits.cpu': '600m' });

  const table = await ok(['get', 'quota']);
  assert.match(table, /^NAME\s+AGE\s+REQUEST\s+LIMIT\n/);
  assert.match(table, /\nsmall\s+\S+\s+pods: 3\/3, requests.cpu: 300m\/1\s+limits.cpu: 600m\/2\n/);
  const described = await ok(['describe', 'quota', 'small']);
  assert.match(described, /Resource\s+Used\s+Hard/);
  assert.match(described, /pods\s+3\s+3/);
  assert.match(described, /requests.cpu\s+300m\s+1/);

  const name = (accepted[0]).value.metadata.name!;
  await ok(['delete', 'pod', name]);
  await eventually('usage given back', async () => ((await quotas().get('small')).status?.used?.pods === '2' ? true : undefined));
  await pods().create(pod('after-free', { requests: { cpu: '100m' }, limits: { cpu: '200m' } }));

  // A terminated pod no longer counts once the controller sees it.
  const done = await pods().get('after-free');
  await pods().updateSubresource('after-free', 'status', { ...done, status: { ...done.status, phase: 'Succeeded' } });
  await eventually('terminated pod released', async () => ((await quotas().get('small')).status?.used?.pods === '2' ? true : undefined));
  await ok(['delete', 'quota', 'small']);
  await ok(['delete', 'pods', '--all']);
});

test('ResourceQuota: object counts and services in upstream words', async () => {
  await ok(['create', 'quota', 'objects', '--hard=configmaps=1,count/secrets=1,services.nodeports=0']);
  await eventually('quota status', async () => ((await quotas().get('objects')).status?.used ? true : undefined));
  await ok(['create', 'configmap', 'one']);
  const two = await kubectl(['create', 'configmap', 'two']);
  assert.match(two.stderr, /configmaps "two" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: configmaps=1/);
  const np = await kubectl(['create', 'service', 'nodeport', 'np', '--tcp=80:80']);
  assert.match(np.stderr, /services "np" is forbidden: exceeded quota: objects, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0/);
  await ok(['create', 'service', 'clusterip', 'cip', '--tcp=80:80']);
  await ok(['delete', 'quota', 'objects']);
});

test('PodTemplate: apply, table columns, validation', async () => {
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: PodTemplate
metadata:
  name: tmpl
template:
  metadata:
    labels: {app: web}
  spec:
    containers:
    - name: web
      image: busybox
`);
  const table = await ok(['get', 'podtemplates']);
  assert.match(table, /^NAME\s+CONTAINERS\s+IMAGES\s+POD LABELS\n/);
  assert.match(table, /\ntmpl\s+web\s+busybox\s+app=web\n/);
  const bad = await kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: empty\ntemplate:\n  spec: {}\n');
  assert.match(bad.stderr, /PodTemplate "empty" is invalid: template.spec.containers: Required value/);
  assert.match(await ok(['api-resources', '--api-group=']), /limitranges\s+limits\s+v1\s+true\s+LimitRange/);
});
