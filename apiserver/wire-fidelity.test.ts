// What a real client can tell about the wire: booleans of every verb's query read as
// strconv.ParseBool, log/exec options checked before the pod is looked at, dry-run
// on every write verb storing nothing (and a taken name still a 409), quantities
// written as JSON numbers stored in canonical form.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import type { Status } from '../api/meta.js';
import type { Pod, PodList } from '../api/core.js';
import { kubeletErrorStatus } from './http/kubelet-errors.js';

const NS = '/api/v1/namespaces/default';
let t: TestApi;
before(async () => {
  t = await startTestApi();
  const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: 0.5, memory: 1e9 }, limits: { cpu: 1, memory: 1073741824 } } }] } };
  const r = await t.req('POST', `${NS}/pods`, pod);
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  await t?.stop();
});

function assertStatus(r: { status: number; body: unknown; text: string }, code: number, reason: string, message: RegExp, what: string) {
  assert.equal(r.status, code, `${what}: ${r.text}`);
  const s = r.body as Status;
  assert.deepEqual(Object.keys(s).slice(0, 6), ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason'], what);
  assert.equal(s.kind, 'Status');
  assert.equal(s.status, 'Failure');
  assert.equal(s.reason, reason, what);
  assert.equal(s.code, code, what);
  assert.match(s.message ?? '', message, what);
}

const revision = async () => (await t.req('GET', `${NS}/pods`)).body as PodList;

describe('query parameters', () => {
  test('booleans outside strconv.ParseBool are 400 on every verb that reads one', async () => {
    const cases: [string, string][] = [
      ['GET', `${NS}/pods?watch=on`],
      ['GET', `${NS}/pods?watch=1&allowWatchBookmarks=yes`],
      ['GET', `${NS}/pods/p/log?follow=y`],
      ['GET', `${NS}/pods/p/log?timestamps=2`],
      ['GET', `${NS}/pods/p/log?previous=`],
      ['POST', `${NS}/pods/p/exec?command=ls&stdout=maybe`],
      ['PATCH', `${NS}/pods/p?fieldManager=m&force=sure`],
      ['DELETE', `${NS}/pods/p?orphanDependents=nah`],
    ];
    for (const [method, path] of cases) {
      const r = await t.req(method, path, method === 'PATCH' ? 'metadata: {name: p}' : undefined, method === 'PATCH' ? { 'content-type': 'application/apply-patch+yaml' } : {});
      assertStatus(r, 400, 'BadRequest', /strconv\.ParseBool: parsing ".*": invalid syntax/, `${method} ${path}`);
    }
    assert.equal(((await t.req('GET', `${NS}/pods/p`)).body as Pod).metadata.name, 'p', 'the pod is still there');
  });

  test("Python's spellings are read: watch=True watches, follow=True and stdout=True pass to the pod lookup", async () => {
    const res = await fetch(`${t.url}${NS}/pods?watch=True&timeoutSeconds=1`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^\{"type":"ADDED"/);
    // The pod has no node: the options were accepted and the pod was looked at.
    assertStatus(await t.req('GET', `${NS}/pods/p/log?follow=True&timestamps=False`), 400, 'BadRequest', /^pod p does not have a host assigned$/, 'log');
    assertStatus(await t.req('POST', `${NS}/pods/p/exec?command=ls&stdout=True`), 400, 'BadRequest', /^pod p does not have a host assigned$/, 'exec');
  });

  test('log and exec options are validated as PodLogOptions and PodExecOptions upstream', async () => {
    assertStatus(await t.req('GET', `${NS}/pods/p/log?tailLines=-1`), 422, 'Invalid', /^PodLogOptions "p" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0$/, 'tailLines');
    assertStatus(await t.req('GET', `${NS}/pods/p/log?limitBytes=0`), 422, 'Invalid', /limitBytes: Invalid value: 0: must be greater than 0/, 'limitBytes');
    assertStatus(await t.req('GET', `${NS}/pods/p/log?sinceSeconds=abc`), 400, 'BadRequest', /strconv\.ParseInt: parsing "abc": invalid syntax/, 'sinceSeconds');
    assertStatus(await t.req('GET', `${NS}/pods/p/log?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z`), 422, 'Invalid', /at most one of `sinceTime` or `sinceSeconds` may be specified/, 'since both');
    assertStatus(await t.req('GET', `${NS}/pods/p/log?sinceTime=yesterday`), 400, 'BadRequest', /cannot parse "yesterday" as RFC 3339/, 'sinceTime');
    assertStatus(await t.req('POST', `${NS}/pods/p/exec?command=ls`), 400, 'BadRequest', /^you must specify at least 1 of stdin, stdout, stderr$/, 'no streams');
    assertStatus(await t.req('GET', `${NS}/pods/missing/log`), 404, 'NotFound', /^pods "missing" not found$/, 'missing pod');
  });
});

describe('dry run', () => {
  test('a dry-run create of a taken name is 409 AlreadyExists; of a free one, nothing is stored', async () => {
    const before = await revision();
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    assertStatus(await t.req('POST', `${NS}/pods?dryRun=All`, pod), 409, 'AlreadyExists', /^pods "p" already exists$/, 'taken');
    const free = await t.req('POST', `${NS}/pods?dryRun=All`, { ...pod, metadata: { generateName: 'g-' } });
    assert.equal(free.status, 201, free.text);
    assert.match((free.body as Pod).metadata.name ?? '', /^g-[a-z0-9]{5}$/);
    assertStatus(await t.req('POST', `${NS}/pods?dryRun=Some`, pod), 400, 'BadRequest', /invalid dry run option/, 'unknown value');
    assert.equal((await revision()).metadata.resourceVersion, before.metadata.resourceVersion, 'nothing written');
  });

  test('update, patch, apply, delete and deletecollection with dryRun=All return what would be and write nothing', async () => {
    const before = await revision();
    const cur = (await t.req('GET', `${NS}/pods/p`)).body as Pod;
    const put = await t.req('PUT', `${NS}/pods/p?dryRun=All`, { ...cur, metadata: { ...cur.metadata, labels: { put: 'x' } } });
    assert.equal((put.body as Pod).metadata.labels?.put, 'x', put.text);
    const patch = await t.req('PATCH', `${NS}/pods/p?dryRun=All`, { metadata: { labels: { patched: 'y' } } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal((patch.body as Pod).metadata.labels?.patched, 'y', patch.text);
    const apply = await t.req('PATCH', `${NS}/pods/a?dryRun=All&fieldManager=t&force=True`, 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n', { 'content-type': 'application/apply-patch+yaml' });
    assert.equal(apply.status, 201, apply.text);
    const del = await t.req('DELETE', `${NS}/pods/p?dryRun=All`);
    assert.equal(del.status, 200, del.text);
    const delAll = await t.req('DELETE', `${NS}/pods?dryRun=All`);
    assert.equal(delAll.status, 200, delAll.text);
    const after = await revision();
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'nothing written');
    assert.deepEqual(after.items.map((p) => p.metadata.name), ['p']);
    assert.equal(after.items[0].metadata.labels, undefined);
  });
});

test('quantities sent as JSON numbers are stored in canonical form', async () => {
  const pod = (await t.req('GET', `${NS}/pods/p`)).body as Pod;
  assert.deepEqual(pod.spec?.containers[0].resources, { requests: { cpu: '500m', memory: '1G' }, limits: { cpu: '1', memory: '1073741824' } });
});

test("a kubelet's plain-text error becomes the Status kube-apiserver makes of it", () => {
  assert.deepEqual(kubeletErrorStatus(400, 'previous terminated container "c" in pod "p" not found\n', 'p').toStatus(), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'previous terminated container "c" in pod "p" not found', reason: 'BadRequest', code: 400,
  });
  const nf = kubeletErrorStatus(404, 'no such thing', 'p').toStatus();
  assert.equal(nf.reason, 'NotFound');
  assert.equal(nf.message, 'the server could not find the requested resource ( pods/log p)');
  assert.deepEqual(nf.details, { name: 'p', kind: 'pods/log' });
  const ie = kubeletErrorStatus(500, 'boom', 'p').toStatus();
  assert.equal(ie.message, 'Internal error occurred: boom');
});
