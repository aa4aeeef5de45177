import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyJSONPatch, applyMergePatch, createMergePatch, applyStrategicMergePatch, patchObject, PatchError,
  parsePointer, formatPointer,
} from './patch.js';
import type { Pod, PodSpec, PodStatus } from './core.js';
import type { KubeObject } from './meta.js';

const rejects = (fn: () => unknown, code: number, re?: RegExp): void =>
  assert.throws(fn, (e: unknown) => e instanceof PatchError && e.code === code && (!re || re.test(e.message)));

test('JSON pointer escaping', () => {
  assert.deepEqual(parsePointer('/metadata/annotations/a~1b~0c'), ['metadata', 'annotations', 'a/b~c']);
  assert.equal(formatPointer(['metadata', 'labels', 'example.com/x~y']), '/metadata/labels/example.com~1x~0y');
  assert.deepEqual(parsePointer(''), []);
  rejects(() => parsePointer('a/b'), 400);
});

test('JSON patch (RFC 6902, table)', () => {
  const doc = { a: { b: 1, 'c/d': 2 }, l: [1, 2, 3] };
  const cases: [unknown[], unknown][] = [
    [[{ op: 'add', path: '/a/x', value: 5 }], { a: { b: 1, 'c/d': 2, x: 5 }, l: [1, 2, 3] }],
    [[{ op: 'add', path: '/l/1', value: 9 }], { a: { b: 1, 'c/d': 2 }, l: [1, 9, 2, 3] }],
    [[{ op: 'add', path: '/l/-', value: 9 }], { a: { b: 1, 'c/d': 2 }, l: [1, 2, 3, 9] }],
    [[{ op: 'remove', path: '/a/c~1d' }], { a: { b: 1 }, l: [1, 2, 3] }],
    [[{ op: 'remove', path: '/l/0' }], { a: { b: 1, 'c/d': 2 }, l: [2, 3] }],
    [[{ op: 'replace', path: '/a/b', value: 'x' }], { a: { b: 'x', 'c/d': 2 }, l: [1, 2, 3] }],
    [[{ op: 'replace', path: '/l/2', value: 0 }], { a: { b: 1, 'c/d': 2 }, l: [1, 2, 0] }],
    [[{ op: 'move', from: '/a/b', path: '/z' }], { a: { 'c/d': 2 }, l: [1, 2, 3], z: 1 }],
    [[{ op: 'copy', from: '/l', path: '/m' }], { a: { b: 1, 'c/d': 2 }, l: [1, 2, 3], m: [1, 2, 3] }],
    [[{ op: 'test', path: '/a', value: { 'c/d': 2, b: 1 } }, { op: 'remove', path: '/l' }], { a: { b: 1, 'c/d': 2 } }],
  ];
  for (const [ops, want] of cases) assert.deepEqual(applyJSONPatch(doc, ops), want, JSON.stringify(ops));
  assert.deepEqual(doc, { a: { b: 1, 'c/d': 2 }, l: [1, 2, 3] }, 'input untouched');
});

test('JSON patch failures', () => {
  const doc = { a: { b: 1 }, l: [1] };
  rejects(() => applyJSONPatch(doc, [{ op: 'test', path: '/a/b', value: 2 }]), 422, /test failed/);
  rejects(() => applyJSONPatch(doc, [{ op: 'test', path: '/nope', value: 2 }]), 422, /does not exist/);
  rejects(() => applyJSONPatch(doc, [{ op: 'replace', path: '/a/c', value: 2 }]), 422, /missing key/);
  rejects(() => applyJSONPatch(doc, [{ op: 'remove', path: '/x/y' }]), 422);
  rejects(() => applyJSONPatch(doc, [{ op: 'add', path: '/l/5', value: 1 }]), 422, /out of bounds/);
  rejects(() => applyJSONPatch(doc, [{ op: 'frob', path: '/a' }]), 400);
  rejects(() => applyJSONPatch(doc, [{ op: 'add', path: '/a' }]), 400, /missing "value"/);
  rejects(() => applyJSONPatch(doc, { op: 'add' }), 400);
  rejects(() => applyJSONPatch(doc, [{ op: 'move', from: '/a', path: '/a/b/c' }]), 422);
});

test('JSON merge patch (RFC 7386 examples)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [t, p, want] of cases) assert.deepEqual(applyMergePatch(t, p), want, JSON.stringify([t, p]));
  const from = { a: 1, b: { c: 2, d: 3 }, l: [1] };
  const to = { a: 1, b: { c: 5 }, l: [1, 2], n: 'x' };
  assert.deepEqual(createMergePatch(from, to), { b: { c: 5, d: null }, l: [1, 2], n: 'x' });
  assert.deepEqual(applyMergePatch(from, createMergePatch(from, to)), to);
});

/** A patch result as the checks read it (a patch may drop fields; a missing one fails the check). */
interface TestPod extends Pod {
  spec: PodSpec;
  status: PodStatus;
  [k: string]: unknown;
}

const pod = (): TestPod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { a: '1', b: '2' }, finalizers: ['x/one'], ownerReferences: [{ apiVersion: 'v1', kind: 'RC', name: 'r', uid: 'u1' }] },
  spec: {
    containers: [
      { name: 'a', image: 'img:1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }], ports: [{ containerPort: 53, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }] },
      { name: 'b', image: 'img:2', args: ['x', 'y'] },
    ],
    volumes: [{ name: 'v1', emptyDir: {} }, { name: 'v2', hostPath: { path: '/tmp' } }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
  status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] },
});

test('strategic merge: keyed lists, atomic lists, maps (table)', () => {
  type Case = [string, unknown, (r: TestPod) => void];
  const cases: Case[] = [
    ['merge container by name', { spec: { containers: [{ name: 'b', image: 'img:3' }] } }, (r) => {
      assert.equal(r.spec.containers.length, 2);
      assert.equal(r.spec.containers[1].image, 'img:3');
      assert.deepEqual(r.spec.containers[1].args, ['x', 'y']);
    }],
    ['append new container', { spec: { containers: [{ name: 'c', image: 'new' }] } }, (r) => {
      assert.deepEqual(r.spec.containers.map((c) => c.name), ['a', 'b', 'c']);
    }],
    ['delete container by $patch', { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }, (r) => {
      assert.deepEqual(r.spec.containers.map((c) => c.name), ['b']);
    }],
    ['replace whole list', { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'z' }] } }, (r) => {
      assert.deepEqual(r.spec.containers, [{ name: 'z', image: 'z' }]);
    }],
    ['nested env merge', { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '3' }, { name: 'Z', value: '4' }] }] } }, (r) => {
      assert.deepEqual(r.spec.containers[0].env, [{ name: 'X', value: '1' }, { name: 'Y', value: '3' }, { name: 'Z', value: '4' }]);
    }],
    ['ports keyed by port+protocol', { spec: { containers: [{ name: 'a', ports: [{ containerPort: 53, protocol: 'UDP', name: 'dns' }] }] } }, (r) => {
      assert.deepEqual(r.spec.containers[0].ports, [{ containerPort: 53, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP', name: 'dns' }]);
    }],
    ['port without protocol means TCP', { spec: { containers: [{ name: 'a', ports: [{ containerPort: 53, name: 'tcp' }] }] } }, (r) => {
      assert.equal(r.spec.containers[0].ports![0].name, 'tcp');
      assert.equal(r.spec.containers[0].ports!.length, 2);
    }],
    ['atomic list replaced (args, tolerations)', { spec: { containers: [{ name: 'b', args: ['z'] }], tolerations: [{ key: 'n', operator: 'Exists' }] } }, (r) => {
      assert.deepEqual(r.spec.containers[1].args, ['z']);
      assert.deepEqual(r.spec.tolerations, [{ key: 'n', operator: 'Exists' }]);
    }],
    ['null deletes map key', { metadata: { labels: { a: null, c: '3' } } }, (r) => {
      assert.deepEqual(r.metadata.labels, { b: '2', c: '3' });
    }],
    ['$patch replace on map', { metadata: { labels: { $patch: 'replace', only: 'this' } } }, (r) => {
      assert.deepEqual(r.metadata.labels, { only: 'this' });
    }],
    ['$patch delete on map empties it', { metadata: { labels: { $patch: 'delete' } } }, (r) => {
      assert.deepEqual(r.metadata.labels, {});
    }],
    ['$retainKeys ignores null fields in the patch', { spec: { volumes: [{ name: 'v2', $retainKeys: ['name', 'emptyDir'], emptyDir: {}, hostPath: null }] } }, (r) => {
      assert.deepEqual(r.spec.volumes![1], { name: 'v2', emptyDir: {} });
    }],
    ['finalizers merge as a set', { metadata: { finalizers: ['x/one', 'x/two'] } }, (r) => {
      assert.deepEqual(r.metadata.finalizers, ['x/one', 'x/two']);
    }],
    ['$deleteFromPrimitiveList', { metadata: { '$deleteFromPrimitiveList/finalizers': ['x/one'] } }, (r) => {
      assert.equal(r.metadata.finalizers, undefined);
    }],
    ['ownerReferences by uid', { metadata: { ownerReferences: [{ uid: 'u1', controller: true }, { apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u2' }] } }, (r) => {
      assert.equal(r.metadata.ownerReferences!.length, 2);
      assert.equal(r.metadata.ownerReferences![0].controller, true);
      assert.equal(r.metadata.ownerReferences![0].name, 'r');
    }],
    ['status conditions by type', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, (r) => {
      assert.deepEqual(r.status.conditions, [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
    }],
    ['$setElementOrder reorders', { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', image: 'img:9' }] } }, (r) => {
      assert.deepEqual(r.spec.containers.map((c) => c.name), ['b', 'a']);
      assert.equal(r.spec.containers[1].image, 'img:9');
    }],
    ['$retainKeys on a volume', { spec: { volumes: [{ name: 'v2', $retainKeys: ['name', 'emptyDir'], emptyDir: {} }] } }, (r) => {
      assert.deepEqual(r.spec.volumes![1], { name: 'v2', emptyDir: {} });
    }],
    ['directives stripped from new elements', { spec: { containers: [{ name: 'n', image: 'i', env: [{ name: 'A', value: 'x', $patch: 'merge' }] }] } }, (r) => {
      assert.deepEqual(r.spec.containers[2].env, [{ name: 'A', value: 'x' }]);
    }],
  ];
  for (const [name, patch, check] of cases) {
    const orig = pod();
    const r = applyStrategicMergePatch(orig, patch, 'Pod');
    check(r);
    assert.deepEqual(orig, pod(), `${name}: original untouched`);
  }
});

test('strategic merge: service ports, RC template, unknown kinds', () => {
  const svc = { kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] } };
  const r = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, 'Service');
  assert.deepEqual(r.spec.ports, [{ port: 80, targetPort: 9090 }, { port: 443, targetPort: 8443 }]);
  const rc = { kind: 'ReplicationController', metadata: {}, spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'a' }, { name: 'd', image: 'b' }] } } } };
  const r2 = applyStrategicMergePatch(rc, { spec: { replicas: 3, template: { spec: { containers: [{ name: 'd', image: 'c' }] } } } }, 'ReplicationController');
  assert.equal(r2.spec.replicas, 3);
  assert.deepEqual(r2.spec.template.spec.containers.map((c) => c.image), ['a', 'c']);
  const cm = { kind: 'ConfigMap', metadata: { finalizers: ['a/b'] }, data: { a: '1' }, list: [1, 2] };
  const r3 = applyStrategicMergePatch(cm, { data: { b: '2' }, list: [3], metadata: { finalizers: ['c/d'] } }, 'ConfigMap');
  assert.deepEqual(r3, { kind: 'ConfigMap', metadata: { finalizers: ['a/b', 'c/d'] }, data: { a: '1', b: '2' }, list: [3] });
});

test('$setElementOrder interleaves server-only elements as Kubernetes does', () => {
  const base = (names: string[]) => ({ kind: 'Pod', metadata: {}, spec: { containers: names.map((name) => ({ name, image: name })) } });
  const names = (r: { spec: { containers: { name: string }[] } }): string[] => r.spec.containers.map((c) => c.name);
  const cases: [string[], unknown, string[]][] = [
    // Order list only, no content changes: listed items reorder, "b" stays ahead by its original position.
    [['a', 'b', 'c'], { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }] }, ['b', 'c', 'a']],
    // New element placed where the order list says.
    [['a', 'b'], { '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }, { name: 'b' }], containers: [{ name: 'c', image: 'c' }] }, ['a', 'c', 'b']],
    // Deletion plus order.
    [['a', 'b', 'c'], { '$setElementOrder/containers': [{ name: 'c' }, { name: 'b' }], containers: [{ name: 'a', $patch: 'delete' }] }, ['c', 'b']],
    // Server-only elements go ahead of patch elements that came after them in the original list.
    [['x', 'a', 'y', 'b'], { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] }, ['x', 'y', 'b', 'a']],
  ];
  for (const [orig, patch, want] of cases) assert.deepEqual(names(applyStrategicMergePatch(base(orig), { spec: patch }, 'Pod')), want, JSON.stringify(patch));
  const prim = applyStrategicMergePatch({ metadata: { finalizers: ['a/x', 'b/x', 'c/x'] } }, { metadata: { '$setElementOrder/finalizers': ['c/x', 'a/x'], finalizers: ['c/x'] } }, 'Pod');
  assert.deepEqual(prim.metadata.finalizers, ['b/x', 'c/x', 'a/x']);
});

test('strategic merge errors', () => {
  rejects(() => applyStrategicMergePatch(pod(), { spec: { containers: [{ image: 'x' }] } }, 'Pod'), 400, /does not contain declared merge key: name/);
  rejects(() => applyStrategicMergePatch(pod(), { metadata: { labels: { $patch: 'frob' } } }, 'Pod'), 400, /Unknown patch type/);
  rejects(() => applyStrategicMergePatch(pod(), [1], 'Pod'), 400);
  rejects(() => applyStrategicMergePatch(pod(), { spec: { volumes: [{ name: 'v1', $retainKeys: ['name'], hostPath: { path: '/' } }] } }, 'Pod'), 400, /not in \$retainKeys/);
});

test('patchObject dispatches by type', () => {
  const live: KubeObject = pod();
  assert.equal(patchObject('merge', live, { metadata: { labels: { a: null } } }).metadata.labels?.a, undefined);
  assert.equal((patchObject('json', live, [{ op: 'replace', path: '/spec/containers/0/image', value: 'q' }]) as TestPod).spec.containers[0].image, 'q');
  assert.equal((patchObject('strategic', live, { spec: { containers: [{ name: 'a', image: 'q' }] } }) as TestPod).spec.containers.length, 2);
  rejects(() => patchObject('merge', undefined, {}), 422);
  rejects(() => patchObject('json', live, [{ op: 'remove', path: '/metadata' }]), 422);
  rejects(() => patchObject('merge', live, [1]), 400);
});
