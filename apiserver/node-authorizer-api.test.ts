// The node authorizer and NodeRestriction on a real apiserver (--authorization-mode=Node,RBAC)
// on its own etcd, with a kubelet's token from issueNodeToken: node n1 reads the secret its pod
// uses and nothing else, lists pods only with its own spec.nodeName selector, writes only its
// own Node and Lease, creates only mirror pods of its own, deletes only its own pods.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import { eventually } from '../testing/wait.js';
import { tokenFileAuthenticator } from './auth/token-file.js';
import { issueNodeToken } from './auth/token-file-users.js';

let t: TestApi;
let dir: string;
let n1: string;
const ADMIN = 'admin-token-node-authz-0123456789';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tkt-node-authz-'));
  const tokens = join(dir, 'tokens.csv');
  n1 = await issueNodeToken(tokens, 'n1');
  assert.equal(await issueNodeToken(tokens, 'n1'), n1, 'the same token again');
  t = await startTestApi({ token: ADMIN, authenticators: [tokenFileAuthenticator(tokens)], authorizationMode: 'Node,RBAC' });
  const admin = async (method: string, path: string, body: unknown) => {
    const r = await t.req(method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  };
  await admin('POST', '/api/v1/namespaces', { metadata: { name: 'ns' } });
  for (const n of ['n1', 'n2']) await admin('POST', '/api/v1/nodes', { metadata: { name: n } });
  for (const s of ['s1', 's2']) await admin('POST', '/api/v1/namespaces/ns/secrets', { metadata: { name: s }, data: {} });
  for (const [p, node, s] of [['p1', 'n1', 's1'], ['p2', 'n2', 's2']]) {
    await admin('POST', '/api/v1/namespaces/ns/pods', { metadata: { name: p }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', secret: { secretName: s } }] } });
  }
});
after(async () => {
  await t?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function asNode(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: { message?: string; items?: { metadata: { name: string } }[] } }> {
  const r = await fetch(t.url + path, { method, headers: { authorization: `Bearer ${n1}`, 'content-type': contentType }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : {}) as never };
}

test('a node reads the secret its pod uses, and no other', async () => {
  await eventually('s1 readable', async () => ((await asNode('GET', '/api/v1/namespaces/ns/secrets/s1')).status === 200 ? true : undefined), 10_000, 100);
  const other = await asNode('GET', '/api/v1/namespaces/ns/secrets/s2');
  assert.equal(other.status, 403);
  assert.equal(other.body.message, `secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "ns": no relationship found between node 'n1' and this object`);
  assert.equal((await asNode('GET', '/api/v1/namespaces/ns/secrets')).status, 403, 'no listing');
});

test('pods only with its own spec.nodeName field selector', async () => {
  const all = await asNode('GET', '/api/v1/pods');
  assert.equal(all.status, 403);
  assert.equal(all.body.message, 'pods is forbidden: User "system:node:n1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector');
  const mine = await asNode('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1');
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.items!.map((p) => p.metadata.name), ['p1']);
  assert.equal((await asNode('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn2')).status, 403);
});

test('only its own Node, without restricted labels; only its own Lease', async () => {
  const other = await asNode('PATCH', '/api/v1/nodes/n2', { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
  assert.equal(other.status, 403);
  assert.equal(other.body.message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  const status = await asNode('PATCH', '/api/v1/nodes/n2/status', { status: { phase: 'Running' } }, 'application/merge-patch+json');
  assert.equal(status.status, 403);
  assert.equal((await asNode('PATCH', '/api/v1/nodes/n1', { metadata: { labels: { 'example.com/ok': 'yes' } } }, 'application/merge-patch+json')).status, 200);
  const restricted = await asNode('PATCH', '/api/v1/nodes/n1', { metadata: { labels: { 'node-restriction.kubernetes.io/pool': 'secure' } } }, 'application/merge-patch+json');
  assert.equal(restricted.status, 403);
  assert.equal(restricted.body.message, 'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool');
  assert.equal((await asNode('GET', '/api/v1/nodes/n2')).status, 403);
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec: { holderIdentity: 'n1' } };
  assert.equal((await asNode('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { ...lease, metadata: { name: 'n1' } })).status, 201);
  const theirs = await asNode('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { ...lease, metadata: { name: 'n2' } });
  assert.equal(theirs.status, 403);
  assert.match(theirs.body.message!, /can only access node lease with the same name as the requesting node/);
});

test('only mirror pods of its own, referencing nothing; deletes only its own pods', async () => {
  const plain = await asNode('POST', '/api/v1/namespaces/ns/pods', { metadata: { name: 'x' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
  assert.equal(plain.status, 403);
  assert.equal(plain.body.message, 'pods "x" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
  const node = (await t.req('GET', '/api/v1/nodes/n1')).body as { metadata: { uid: string } };
  const owner = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.metadata.uid, controller: true };
  const mirror = (name: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name, annotations: { 'kubernetes.io/config.mirror': 'abc' }, ownerReferences: [owner] },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }], ...extra },
  });
  const m1 = await asNode('POST', '/api/v1/namespaces/ns/pods', mirror('m1'));
  assert.equal(m1.status, 201, m1.body.message);
  const withSecret = await asNode('POST', '/api/v1/namespaces/ns/pods', mirror('m2', { volumes: [{ name: 'v', secret: { secretName: 's2' } }] }));
  assert.equal(withSecret.status, 403);
  assert.match(withSecret.body.message!, /node "n1" can not create pods that reference secrets/);
  const elsewhere = await asNode('POST', '/api/v1/namespaces/ns/pods', { ...mirror('m3'), spec: { nodeName: 'n2', containers: [{ name: 'c', image: 'busybox' }] } });
  assert.equal(elsewhere.status, 403);
  const del = await asNode('DELETE', '/api/v1/namespaces/ns/pods/p2');
  assert.equal(del.status, 403);
  assert.equal(del.body.message, 'pods "p2" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
  const evict = await asNode('POST', '/api/v1/namespaces/ns/pods/p2/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p2', namespace: 'ns' } });
  assert.equal(evict.status, 403);
  const st = await asNode('PATCH', '/api/v1/namespaces/ns/pods/p2/status', { status: { message: 'x' } }, 'application/merge-patch+json');
  assert.equal(st.status, 403);
  assert.equal((await asNode('PATCH', '/api/v1/namespaces/ns/pods/p1/status', { status: { message: 'mine' } }, 'application/merge-patch+json')).status, 200);
  assert.equal((await asNode('DELETE', '/api/v1/namespaces/ns/pods/m1')).status, 200);
});
