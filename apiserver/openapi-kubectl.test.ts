// OpenAPI as kubectl 1.32 and other clients meet it: a real apiserver on its own etcd, the real
// /usr/bin/kubectl. explain (from /openapi/v3), server-side field validation (Strict/Warn/Ignore)
// and the caching headers of the documents.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '../api/meta.js';
import type { TestApi } from '../testing/cluster.js';
import { startKubectlApi, type KubectlApi, type KubectlResult } from '../testing/kubectl.js';

let k: KubectlApi;
let api: TestApi;

before(async () => {
  k = await startKubectlApi('tkt-openapi-');
  api = k.api;
});
after(async () => {
  await k?.stop();
});

const kubectl = (args: string[], input?: string): Promise<KubectlResult> => k.kubectl(args, input);
const ok = (args: string[], input?: string): Promise<string> => k.ok(args, input);

test('kubectl explain prints the field docs of pods and deployments', async () => {
  const ports = await ok(['explain', 'pod.spec.containers.ports']);
  assert.match(ports, /KIND:\s+Pod/);
  assert.match(ports, /FIELD: ports <\[\]ContainerPort>/);
  assert.match(ports, /containerPort\s+<integer> -required-\n\s+The port number the container listens on/);
  assert.match(ports, /protocol\s+<string>\n\s+enum: TCP, UDP, SCTP/);
  const containers = await ok(['explain', 'pod.spec.containers']);
  assert.match(containers, /imagePullPolicy\s+<string>/);
  assert.match(containers, /livenessProbe\s+<Probe>\n\s+A check that the container is healthy/);
  assert.match(containers, /resources\s+<ResourceRequirements>/);
  const strategy = await ok(['explain', 'deployment.spec.strategy']);
  assert.match(strategy, /GROUP:\s+apps/);
  assert.match(strategy, /rollingUpdate\s+<RollingUpdateDeployment>/);
  assert.match(strategy, /type\s+<string>\n\s+enum: Recreate, RollingUpdate/);
  const surge = await ok(['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge']);
  assert.match(surge, /FIELD: maxSurge <string>\n[\s\S]*An integer or a string/);
  const recursive = await ok(['explain', 'deployment.spec', '--recursive']);
  assert.match(recursive, /template\s+<PodTemplateSpec> -required-/);
  assert.match(recursive, /\n {6}containers\s+<\[\]Container> -required-/);
  for (const kind of ['cronjob.spec.jobTemplate', 'storageclass', 'lease.spec', 'pvc.spec.resources', 'statefulset.spec.updateStrategy', 'node.status']) {
    assert.match(await ok(['explain', kind]), /FIELDS?:/, kind);
  }
  const missing = await kubectl(['explain', 'pod.spec.nosuchfield']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /field "nosuchfield" does not exist/);
});

const BAD_POD = `apiVersion: v1
kind: Pod
metadata: {name: strict-pod}
spec:
  foo: 1
  containers: [{name: c, image: busybox, bar: 2}]
`;

test('kubectl apply (--validate=strict, the default) is refused with the unknown fields; --validate=ignore drops them', async () => {
  for (const flags of [['--validate=strict'], []]) {
    const r = await kubectl(['apply', ...flags, '-f', '-'], BAD_POD);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(BadRequest\): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers\[0\].bar", unknown field "spec.foo"/);
  }
  assert.equal((await api.req('GET', '/api/v1/namespaces/default/pods/strict-pod')).status, 404);
  const warn = await kubectl(['apply', '--validate=warn', '-f', '-'], BAD_POD);
  assert.equal(warn.code, 0, warn.stderr);
  assert.match(warn.stderr, /Warning: unknown field "spec.foo"/);
  const pod = (await api.req('GET', '/api/v1/namespaces/default/pods/strict-pod')).body as { spec: Record<string, unknown> };
  assert.equal(pod.spec.foo, undefined);
  await ok(['delete', 'pod', 'strict-pod', '--wait=false']);
  assert.match(await ok(['apply', '--validate=false', '-f', '-'], BAD_POD), /pod\/strict-pod created/);
  // A strategic merge patch with an unknown field: the patched object is checked (kubectl patch sends no fieldValidation: it warns).
  const patched = await kubectl(['patch', 'pod', 'strict-pod', '-p', '{"spec":{"nope":true}}']);
  assert.equal(patched.code, 0, patched.stderr);
  assert.match(patched.stderr, /Warning: unknown field "spec.nope"/);
  const strict = await api.req('PATCH', '/api/v1/namespaces/default/pods/strict-pod?fieldValidation=Strict', { spec: { nope: true } }, { 'content-type': 'application/strategic-merge-patch+json' });
  assert.equal(strict.status, 400);
  assert.equal((strict.body as Status).message, 'strict decoding error: unknown field "spec.nope"');
});

test('fieldValidation on the wire: Strict 400, Warn header, Ignore silent, a bad value 400; the default warns', async () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fv', extra: 1 }, data: { a: 'b' }, stray: true };
  const strict = await api.req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', cm);
  assert.equal(strict.status, 400);
  assert.equal((strict.body as Status).message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.extra", unknown field "stray"');
  const warn = await api.req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', cm);
  assert.equal(warn.status, 201);
  assert.equal(warn.headers.get('warning'), '299 - "unknown field \\"metadata.extra\\"", 299 - "unknown field \\"stray\\""');
  assert.equal((warn.body as Record<string, unknown>).stray, undefined);
  const ignore = await api.req('PUT', '/api/v1/namespaces/default/configmaps/fv?fieldValidation=Ignore', cm);
  assert.equal(ignore.status, 200);
  assert.equal(ignore.headers.get('warning'), null);
  const bad = await api.req('PUT', '/api/v1/namespaces/default/configmaps/fv?fieldValidation=Loose', cm);
  assert.equal(bad.status, 400);
  assert.match((bad.body as Status).message ?? '', /fieldValidation: Unsupported value: "Loose"/);
  const dflt = await api.req('PUT', '/api/v1/namespaces/default/configmaps/fv', cm);
  assert.equal(dflt.status, 200);
  assert.match(dflt.headers.get('warning') ?? '', /unknown field/);
  // Keys written twice: the last wins, Strict refuses, Warn says so.
  const dup = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","name":"dup"},"data":{"a":"1","a":"2"},"stray":1}';
  const sdup = await api.req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', dup);
  assert.equal(sdup.status, 400);
  assert.equal((sdup.body as Status).message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name", duplicate field "data.a", unknown field "stray"');
  const wdup = await api.req('POST', '/api/v1/namespaces/default/configmaps', dup);
  assert.equal(wdup.status, 201);
  assert.match(wdup.headers.get('warning') ?? '', /^299 - "duplicate field \\"metadata.name\\"", 299 - "duplicate field \\"data.a\\"", 299 - "unknown field \\"stray\\""$/);
  assert.deepEqual((wdup.body as { data: unknown }).data, { a: '2' });
  const pdup = await api.req('PATCH', '/api/v1/namespaces/default/configmaps/dup?fieldValidation=Strict', '{"data":{"b":"1","b":"2"}}', { 'content-type': 'application/merge-patch+json' });
  assert.equal(pdup.status, 400);
  assert.equal((pdup.body as Status).message, 'strict decoding error: duplicate field "data.b"');
});

test('the documents: v3 index with hashed URLs, ETag and 304, immutable caching with the hash, 301 for an old hash', async () => {
  const index = await api.req('GET', '/openapi/v3');
  const paths = (index.body as { paths: Record<string, { serverRelativeURL: string }> }).paths;
  for (const gv of ['api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/storage.k8s.io/v1', 'apis/coordination.k8s.io/v1']) assert.ok(paths[gv], gv);
  const url = paths['apis/apps/v1'].serverRelativeURL;
  const hash = url.slice(url.indexOf('hash=') + 5);
  const doc = await api.req('GET', url);
  assert.equal(doc.headers.get('etag'), `"${hash}"`);
  assert.equal(doc.headers.get('cache-control'), 'public, immutable');
  const schemas = (doc.body as { components: { schemas: Record<string, { 'x-kubernetes-group-version-kind'?: unknown }> } }).components.schemas;
  assert.deepEqual(schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.ok(schemas['io.k8s.api.core.v1.PodSpec'], 'what a kind reaches is in its document');
  assert.equal(schemas['io.k8s.api.core.v1.Service'], undefined, 'what no kind of the group reaches is not');
  const again = await fetch(`${api.url}${url}`, { headers: { 'if-none-match': `"${hash}"` } });
  assert.equal(again.status, 304);
  const old = await fetch(`${api.url}/openapi/v3/apis/apps/v1?hash=0123`, { redirect: 'manual' });
  assert.equal(old.status, 301);
  assert.equal(old.headers.get('location'), url);
  const v2 = (await api.req('GET', '/openapi/v2')).body as { swagger: string; definitions: Record<string, unknown> };
  assert.equal(v2.swagger, '2.0');
  assert.ok(v2.definitions['io.k8s.api.core.v1.Pod'] && v2.definitions['io.k8s.api.batch.v1.CronJob']);
});

test('client-side validation (kubectl checks the items of a List against /openapi/v2 protobuf) and explain from v2', async () => {
  const list = `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: list-ok}, data: {x: "1"}}
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: list-d}, spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}}}}
`;
  assert.match(await ok(['apply', '-f', '-'], list), /configmap\/list-ok created\s+deployment.apps\/list-d created/);
  const bad = await kubectl(['apply', '-f', '-'], list.replace('data: {x: "1"}', 'data: {x: "1"}, bogus: 1').replace('image: i,', 'image: i, imagePolicy: x,'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /error validating data: \[ValidationError\(ConfigMap\): unknown field "bogus" in io\.k8s\.api\.core\.v1\.ConfigMap, ValidationError\(Deployment\.spec\.template\.spec\.containers\[0\]\): unknown field "imagePolicy" in io\.k8s\.api\.core\.v1\.Container\]/);
  const v2 = await ok(['explain', 'pod.spec.containers.ports', '--output=plaintext-openapiv2']);
  assert.match(v2, /containerPort\s+<integer> -required-\n\s+The port number the container listens on/);
});
