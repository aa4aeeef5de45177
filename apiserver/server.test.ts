// Integration tests of the apiserver's REST semantics against a real etcd.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import type { ObjectMeta, ListMeta, StatusDetails } from '../api/meta.js';
import type { Namespace, Pod, ReplicationController, Scale, Service } from '../api/core.js';
import type { Table } from '../api/table.js';

let t: TestApi;
before(async () => {
  t = await startTestApi();
});
after(async () => {
  await t?.stop();
});

/**
 * An answer as these tests read it: the object asked for (spec and status present), a list of
 * them, or a Status. A field the answer lacks fails the assertion that reads it.
 */
type Answer<T extends { spec?: unknown; status?: unknown } = Pod> = Omit<T, 'spec' | 'status' | 'metadata'> & {
  metadata: ObjectMeta & ListMeta;
  spec: NonNullable<T['spec']>;
  status: NonNullable<T['status']>;
  items: Answer<T>[];
  reason?: string;
  message?: string;
  code?: number;
  details?: StatusDetails;
  data?: Record<string, string>;
};

/** t.req with the JSON body read as T (an Answer about pods unless a test says otherwise). */
async function req<T = Answer>(...args: Parameters<TestApi['req']>) {
  const r = await t.req(...args);
  return { ...r, body: r.body as T };
}

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  ...extra,
});

describe('discovery and bootstrap', () => {
  test('version, api, api/v1 and apis', async () => {
    const v = await req<{ major: string }>('GET', '/version');
    assert.equal(v.status, 200);
    assert.equal(v.body.major, '1');
    const api = await req<{ versions: string[] }>('GET', '/api');
    assert.deepEqual(api.body.versions, ['v1']);
    const v1 = await req<{ resources: { name: string }[] }>('GET', '/api/v1');
    const names = v1.body.resources.map((r) => r.name);
    for (const n of ['pods', 'pods/status', 'pods/binding', 'nodes', 'services', 'replicationcontrollers/scale', 'endpoints', 'events', 'namespaces']) {
      assert.ok(names.includes(n), `missing ${n}`);
    }
    const apis = await req<{ groups: { name: string }[] }>('GET', '/apis');
    assert.ok(apis.body.groups.some((g) => g.name === 'coordination.k8s.io'));
  });

  test('system namespaces and the kubernetes service exist', async () => {
    const ns = await req('GET', '/api/v1/namespaces');
    const names = ns.body.items.map((n) => n.metadata.name);
    for (const n of ['default', 'kube-system', 'kube-public']) assert.ok(names.includes(n));
    const svc = await req<Answer<Service>>('GET', '/api/v1/namespaces/default/services/kubernetes');
    assert.equal(svc.status, 200);
    assert.equal(svc.body.spec.clusterIP, '10.96.0.1');
  });

  test('unknown paths are 404 Status objects', async () => {
    const r = await req('GET', '/api/v1/widgets');
    assert.equal(r.status, 404);
    assert.equal(r.body.kind, 'Status');
    assert.equal(r.body.reason, 'NotFound');
  });
});

describe('pods CRUD', () => {
  test('create sets uid, resourceVersion, timestamps and defaults; get and list return it', async () => {
    const c = await req('POST', '/api/v1/namespaces/default/pods', pod('crud-1'));
    assert.equal(c.status, 201, c.text);
    assert.match(c.body.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(c.body.metadata.resourceVersion ?? '', /^\d+$/);
    assert.ok(c.body.metadata.creationTimestamp);
    assert.equal(c.body.spec.restartPolicy, 'Always');
    assert.equal(c.body.spec.terminationGracePeriodSeconds, 30);
    assert.equal(c.body.spec.containers[0].imagePullPolicy, 'Always');
    assert.equal(c.body.status.phase, 'Pending');
    const g = await req('GET', '/api/v1/namespaces/default/pods/crud-1');
    assert.equal(g.body.metadata.uid, c.body.metadata.uid);
    const l = await req('GET', '/api/v1/namespaces/default/pods');
    assert.ok(l.body.items.some((p) => p.metadata.name === 'crud-1'));
    assert.equal(l.body.kind, 'PodList');
    const dup = await req('POST', '/api/v1/namespaces/default/pods', pod('crud-1'));
    assert.equal(dup.status, 409);
    assert.equal(dup.body.reason, 'AlreadyExists');
  });

  test('generateName makes unique names', async () => {
    const a = await req('POST', '/api/v1/namespaces/default/pods', { ...pod(''), metadata: { generateName: 'gen-' } });
    const b = await req('POST', '/api/v1/namespaces/default/pods', { ...pod(''), metadata: { generateName: 'gen-' } });
    assert.equal(a.status, 201, a.text);
    assert.match(a.body.metadata.name ?? '', /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.body.metadata.name, b.body.metadata.name);
  });

  test('update with a stale resourceVersion is a 409 and writes nothing', async () => {
    const c = await req('POST', '/api/v1/namespaces/default/pods', pod('crud-2'));
    const stale = structuredClone(c.body);
    const fresh = structuredClone(c.body);
    fresh.metadata.labels!.v = '2';
    const u = await req('PUT', '/api/v1/namespaces/default/pods/crud-2', fresh);
    assert.equal(u.status, 200, u.text);
    assert.ok(Number(u.body.metadata.resourceVersion) > Number(c.body.metadata.resourceVersion));
    stale.metadata.labels!.v = 'stale';
    const s = await req('PUT', '/api/v1/namespaces/default/pods/crud-2', stale);
    assert.equal(s.status, 409);
    assert.equal(s.body.reason, 'Conflict');
    const g = await req('GET', '/api/v1/namespaces/default/pods/crud-2');
    assert.equal(g.body.metadata.labels!.v, '2');
  });

  test('main updates keep status; status updates keep spec', async () => {
    const c = await req('POST', '/api/v1/namespaces/default/pods', pod('crud-3'));
    const withStatus = structuredClone(c.body);
    withStatus.status.phase = 'Running';
    const u = await req('PUT', '/api/v1/namespaces/default/pods/crud-3', withStatus);
    assert.equal(u.body.status.phase, 'Pending');
    const s = structuredClone(u.body);
    s.status.phase = 'Running';
    s.metadata.labels!.ignored = 'yes';
    const su = await req('PUT', '/api/v1/namespaces/default/pods/crud-3/status', s);
    assert.equal(su.status, 200, su.text);
    assert.equal(su.body.status.phase, 'Running');
    assert.equal(su.body.metadata.labels!.ignored, undefined);
  });

  test('unscheduled pods are deleted at once', async () => {
    await req('POST', '/api/v1/namespaces/default/pods', pod('del-1'));
    const d = await req('DELETE', '/api/v1/namespaces/default/pods/del-1');
    assert.equal(d.status, 200);
    assert.equal((await req('GET', '/api/v1/namespaces/default/pods/del-1')).status, 404);
  });

  test('bound pods are deleted gracefully, then finished with grace 0', async () => {
    await req('POST', '/api/v1/namespaces/default/pods', pod('del-2'));
    const b = await req('POST', '/api/v1/namespaces/default/pods/del-2/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'del-2' }, target: { kind: 'Node', name: 'n1' } });
    assert.equal(b.status, 201, b.text);
    const again = await req('POST', '/api/v1/namespaces/default/pods/del-2/binding', { metadata: { name: 'del-2' }, target: { name: 'n2' } });
    assert.equal(again.status, 409);
    const bound = await req('GET', '/api/v1/namespaces/default/pods/del-2');
    assert.equal(bound.body.spec.nodeName, 'n1');
    assert.ok(bound.body.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True'));
    const d = await req('DELETE', '/api/v1/namespaces/default/pods/del-2', { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 20 });
    assert.equal(d.status, 200);
    assert.ok(d.body.metadata.deletionTimestamp);
    assert.equal(d.body.metadata.deletionGracePeriodSeconds, 20);
    assert.equal((await req('GET', '/api/v1/namespaces/default/pods/del-2')).status, 200);
    const fin = await req('DELETE', '/api/v1/namespaces/default/pods/del-2?gracePeriodSeconds=0');
    assert.equal(fin.status, 200);
    assert.equal((await req('GET', '/api/v1/namespaces/default/pods/del-2')).status, 404);
  });

  test('finalizers hold an object until they are removed', async () => {
    await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'fin-1', finalizers: ['example.com/hold'] }, data: { a: 'b' } });
    const d = await req('DELETE', '/api/v1/namespaces/default/configmaps/fin-1');
    assert.equal(d.status, 200);
    const held = await req('GET', '/api/v1/namespaces/default/configmaps/fin-1');
    assert.ok(held.body.metadata.deletionTimestamp);
    const p = await req('PATCH', '/api/v1/namespaces/default/configmaps/fin-1', { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(p.status, 200, p.text);
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps/fin-1')).status, 404);
  });
});

describe('bad input gets a Status and writes nothing', () => {
  test('malformed JSON and YAML are 400', async () => {
    const j = await req('POST', '/api/v1/namespaces/default/pods', '{"metadata": ', { 'content-type': 'application/json' });
    assert.equal(j.status, 400);
    assert.equal(j.body.reason, 'BadRequest');
    const y = await req('POST', '/api/v1/namespaces/default/pods', 'a: [b', { 'content-type': 'application/yaml' });
    assert.equal(y.status, 400);
  });

  test('YAML bodies are accepted', async () => {
    const y = await req('POST', '/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', { 'content-type': 'application/yaml' });
    assert.equal(y.status, 201, y.text);
    assert.equal(y.body.data?.k, 'v');
  });

  test('wrong kind, wrong version and namespace mismatch are 400', async () => {
    const k = await req('POST', '/api/v1/namespaces/default/pods', { ...pod('bad-1'), kind: 'Service' });
    assert.equal(k.status, 400);
    const v = await req('POST', '/api/v1/namespaces/default/pods', { ...pod('bad-1'), apiVersion: 'v2' });
    assert.equal(v.status, 400);
    const n = await req('POST', '/api/v1/namespaces/default/pods', { ...pod('bad-1'), metadata: { name: 'bad-1', namespace: 'other' } });
    assert.equal(n.status, 400);
    assert.equal((await req('GET', '/api/v1/namespaces/default/pods/bad-1')).status, 404);
  });

  test('invalid names and fields are 422 with field causes', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/pods', { ...pod('Bad_Name'), spec: { containers: [{ name: 'c' }] } });
    assert.equal(r.status, 422);
    assert.equal(r.body.reason, 'Invalid');
    const fields = (r.body.details?.causes ?? []).map((c) => c.field);
    assert.ok(fields.includes('metadata.name'), JSON.stringify(fields));
    assert.ok(fields.includes('spec.containers[0].image'), JSON.stringify(fields));
    assert.equal((await req('GET', '/api/v1/namespaces/default/pods/Bad_Name')).status, 404);
  });

  test('wrong JSON types are 400; unknown fields are 400 under Strict and dropped otherwise', async () => {
    const wrong = await req('POST', '/api/v1/namespaces/default/pods', { ...pod('types-1'), spec: { containers: 'nope' } });
    assert.equal(wrong.status, 400, wrong.text);
    assert.match(wrong.body.message ?? '', /cannot unmarshal/);
    const strict = await req('POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', { ...pod('types-2'), spec: { containers: [{ name: 'c', image: 'busybox', imagee: 'x' }] } });
    assert.equal(strict.status, 400);
    assert.match(strict.body.message ?? '', /unknown field "spec.containers\[0\].imagee"/);
    assert.equal((await req('GET', '/api/v1/namespaces/default/pods/types-2')).status, 404);
    const warn = await req('POST', '/api/v1/namespaces/default/pods', { ...pod('types-3'), spec: { containers: [{ name: 'c', image: 'busybox', imagee: 'x' }] } });
    assert.equal(warn.status, 201, warn.text);
    assert.match(warn.headers.get('warning') ?? '', /unknown field/);
    assert.equal('imagee' in warn.body.spec.containers[0], false);
  });

  test('bodies over 3 MiB are 413', async () => {
    const big = { ...pod('big-1'), metadata: { name: 'big-1', annotations: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } } };
    const r = await req('POST', '/api/v1/namespaces/default/pods', big);
    assert.equal(r.status, 413);
    assert.equal(r.body.reason, 'RequestEntityTooLarge');
    assert.equal((await req('GET', '/api/v1/namespaces/default/pods/big-1')).status, 404);
  });

  test('objects in a missing namespace are 404', async () => {
    const r = await req('POST', '/api/v1/namespaces/nope/pods', pod('x'));
    assert.equal(r.status, 404);
    assert.match(r.body.message ?? '', /namespaces "nope" not found/);
  });
});

describe('namespaces', () => {
  test('a namespace in deletion refuses new objects', async () => {
    assert.equal((await req('POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } })).status, 201);
    assert.equal((await req('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'a' } })).status, 201);
    const d = await req<Answer<Namespace>>('DELETE', '/api/v1/namespaces/doomed');
    assert.equal(d.status, 200);
    assert.equal(d.body.status.phase, 'Terminating');
    const r = await req('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'b' } });
    assert.equal(r.status, 403);
    assert.match(r.body.message ?? '', /being terminated/);
    // finalize: the namespace controller's last step
    const ns = (await req<Answer<Namespace>>('GET', '/api/v1/namespaces/doomed')).body;
    ns.spec.finalizers = [];
    const f = await req('PUT', '/api/v1/namespaces/doomed/finalize', ns);
    assert.equal(f.status, 200, f.text);
    assert.equal((await req<Answer<Namespace>>('GET', '/api/v1/namespaces/doomed')).status, 404);
  });

  test('system namespaces cannot be deleted', async () => {
    const r = await req('DELETE', '/api/v1/namespaces/kube-system');
    assert.equal(r.status, 403);
  });
});

describe('services', () => {
  const svc = (name: string, spec: Record<string, unknown> = {}) => ({
    metadata: { name },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
  });

  test('ClusterIPs are unique, in range, and released on delete', async () => {
    const ips = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await req<Answer<Service>>('POST', '/api/v1/namespaces/default/services', svc(`ip-${i}`));
      assert.equal(r.status, 201, r.text);
      assert.match(r.body.spec.clusterIP ?? '', /^10\.(9[6-9]|10[0-9]|11[01])\./);
      assert.deepEqual(r.body.spec.clusterIPs, [r.body.spec.clusterIP]);
      assert.equal(r.body.spec.ports?.[0].targetPort, 80);
      ips.add(r.body.spec.clusterIP ?? '');
    }
    assert.equal(ips.size, 5);
    const ip0 = (await req<Answer<Service>>('GET', '/api/v1/namespaces/default/services/ip-0')).body.spec.clusterIP;
    const taken = await req<Answer<Service>>('POST', '/api/v1/namespaces/default/services', svc('ip-dup', { clusterIP: ip0 }));
    assert.equal(taken.status, 422);
    assert.match(taken.body.message ?? '', /already allocated/);
    await req('DELETE', '/api/v1/namespaces/default/services/ip-0');
    const reuse = await req<Answer<Service>>('POST', '/api/v1/namespaces/default/services', svc('ip-reuse', { clusterIP: ip0 }));
    assert.equal(reuse.status, 201, reuse.text);
    const out = await req<Answer<Service>>('POST', '/api/v1/namespaces/default/services', svc('ip-out', { clusterIP: '192.168.1.1' }));
    assert.equal(out.status, 422);
  });

  test('NodePorts are allocated and kept across updates', async () => {
    const r = await req<Answer<Service>>('POST', '/api/v1/namespaces/default/services', svc('np-1', { type: 'NodePort' }));
    assert.equal(r.status, 201, r.text);
    const np = r.body.spec.ports?.[0].nodePort ?? 0;
    assert.ok(np >= 30000 && np <= 32767);
    const upd = structuredClone(r.body);
    delete upd.spec.ports![0].nodePort;
    upd.metadata.labels = { x: 'y' };
    const u = await req<Answer<Service>>('PUT', '/api/v1/namespaces/default/services/np-1', upd);
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.spec.ports?.[0].nodePort, np);
    assert.equal(u.body.spec.clusterIP, r.body.spec.clusterIP);
    const dup = await req<Answer<Service>>('POST', '/api/v1/namespaces/default/services', svc('np-2', { type: 'NodePort', ports: [{ port: 80, nodePort: np }] }));
    assert.equal(dup.status, 422);
  });
});

describe('lists', () => {
  test('label and field selectors filter; limit and continue page', async () => {
    for (let i = 0; i < 7; i++) {
      await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `page-${i}`, labels: { set: 'paging', parity: i % 2 ? 'odd' : 'even' } } });
    }
    const sel = await req('GET', '/api/v1/namespaces/default/configmaps?labelSelector=' + encodeURIComponent('set=paging,parity in (odd)'));
    assert.equal(sel.body.items.length, 3);
    const f = await req('GET', '/api/v1/namespaces/default/configmaps?fieldSelector=' + encodeURIComponent('metadata.name=page-4'));
    assert.deepEqual(f.body.items.map((c) => c.metadata.name), ['page-4']);
    const bad = await req('GET', '/api/v1/namespaces/default/configmaps?labelSelector=' + encodeURIComponent('a in (b'));
    assert.equal(bad.status, 400);
    const seen: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const r = await req('GET', `/api/v1/namespaces/default/configmaps?labelSelector=set%3Dpaging&limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      seen.push(...r.body.items.map((c) => c.metadata.name ?? ''));
      cont = r.body.metadata.continue ?? '';
      pages++;
    } while (cont && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
  });

  test('all-namespaces lists and pod field selectors', async () => {
    await req('POST', '/api/v1/namespaces', { metadata: { name: 'other' } });
    await req('POST', '/api/v1/namespaces/other/pods', pod('elsewhere'));
    await req('POST', '/api/v1/namespaces/other/pods/elsewhere/binding', { metadata: { name: 'elsewhere' }, target: { kind: 'Node', name: 'node-x' } });
    const all = await req('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-x');
    assert.deepEqual(all.body.items.map((p) => p.metadata.name), ['elsewhere']);
    const phase = await req('GET', '/api/v1/pods?fieldSelector=status.phase%3DPending,metadata.namespace%3Dother');
    assert.equal(phase.body.items.length, 1);
  });
});

describe('replication controllers', () => {
  test('generation tracks spec changes; scale subresource reads and writes replicas', async () => {
    const rc = {
      metadata: { name: 'rc-1' },
      spec: { replicas: 2, template: { metadata: { labels: { app: 'rc-1' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    const c = await req<Answer<ReplicationController>>('POST', '/api/v1/namespaces/default/replicationcontrollers', rc);
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.metadata.generation, 1);
    assert.deepEqual(c.body.spec.selector, { app: 'rc-1' });
    const s = await req<Answer<Scale>>('GET', '/api/v1/namespaces/default/replicationcontrollers/rc-1/scale');
    assert.equal(s.body.kind, 'Scale');
    assert.equal(s.body.apiVersion, 'autoscaling/v1');
    assert.equal(s.body.spec.replicas, 2);
    assert.equal(s.body.status.selector, 'app=rc-1');
    const p = await req<Answer<Scale>>('PATCH', '/api/v1/namespaces/default/replicationcontrollers/rc-1/scale', { spec: { replicas: 5 } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.spec.replicas, 5);
    const g = await req<Answer<ReplicationController>>('GET', '/api/v1/namespaces/default/replicationcontrollers/rc-1');
    assert.equal(g.body.spec.replicas, 5);
    assert.equal(g.body.metadata.generation, 2);
    const stale = { ...s.body, spec: { replicas: 1 } };
    const u = await req<Answer<Scale>>('PUT', '/api/v1/namespaces/default/replicationcontrollers/rc-1/scale', stale);
    assert.equal(u.status, 409);
  });
});

describe('patch', () => {
  test('merge, JSON and strategic merge patches', async () => {
    await req('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'patch-1', labels: { a: '1' } },
      spec: { containers: [{ name: 'a', image: 'busybox', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'busybox' }] },
    });
    const m = await req('PATCH', '/api/v1/namespaces/default/pods/patch-1', { metadata: { labels: { b: '2' } } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(m.status, 200, m.text);
    assert.deepEqual(m.body.metadata.labels, { a: '1', b: '2' });
    const j = await req('PATCH', '/api/v1/namespaces/default/pods/patch-1', [{ op: 'remove', path: '/metadata/labels/a' }], { 'content-type': 'application/json-patch+json' });
    assert.equal(j.status, 200, j.text);
    assert.deepEqual(j.body.metadata.labels, { b: '2' });
    const s = await req('PATCH', '/api/v1/namespaces/default/pods/patch-1', { spec: { containers: [{ name: 'b', image: 'busybox:1.36' }] } }, { 'content-type': 'application/strategic-merge-patch+json' });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.body.spec.containers.length, 2);
    assert.equal(s.body.spec.containers[1].image, 'busybox:1.36');
    assert.equal(s.body.spec.containers[0].env?.[0].value, '1');
    const bad = await req('PATCH', '/api/v1/namespaces/default/pods/patch-1', [{ op: 'test', path: '/metadata/name', value: 'nope' }], { 'content-type': 'application/json-patch+json' });
    assert.ok(bad.status === 422 || bad.status === 400 || bad.status === 409, bad.text);
  });

  test('server-side apply creates, updates and records the field manager', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n  b: "2"\n';
    const c = await req('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=tester', cm, { 'content-type': 'application/apply-patch+yaml' });
    assert.equal(c.status, 201, c.text);
    assert.ok(c.body.metadata.managedFields?.some((f) => f.manager === 'tester' && f.operation === 'Apply'));
    const u = await req('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=tester', cm.replace('  b: "2"\n', ''), { 'content-type': 'application/apply-patch+yaml' });
    assert.equal(u.status, 200, u.text);
    assert.deepEqual(u.body.data, { a: '1' });
  });
});

describe('tables', () => {
  test('server-side Table output for pods', async () => {
    await req('POST', '/api/v1/namespaces/default/pods', pod('table-1'));
    const r = await req<Table>('GET', '/api/v1/namespaces/default/pods', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    assert.equal(r.body.kind, 'Table');
    assert.equal(r.body.apiVersion, 'meta.k8s.io/v1');
    const cols = r.body.columnDefinitions.map((c) => c.name);
    assert.deepEqual(cols.slice(0, 5), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    const row = r.body.rows.find((x) => x.cells[0] === 'table-1');
    assert.equal(row?.cells[1], '0/1');
    assert.equal(row?.cells[2], 'Pending');
  });
});

describe('metrics', () => {
  test('/metrics counts requests', async () => {
    const r = await fetch(t.url + '/metrics');
    const text = await r.text();
    assert.match(text, /apiserver_request_total\{verb="create",resource="pods"/);
    assert.match(text, /apiserver_request_duration_seconds_bucket/);
  });
});
