import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, recordUpdateManager, fieldSetOf, toFieldsV1, fromFieldsV1, PatchError, patchObject } from './patch.js';
import type { KubeObject } from './meta.js';
import type { PodSpec } from './core.js';

const NOW = '2024-01-01T00:00:00Z';

const cfg = (image: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image, ports: [{ containerPort: 80 }], ...extra }] },
});

test('field set uses f:/k:/v: notation kubectl expects', () => {
  const obj = { ...cfg('x'), metadata: { name: 'p', namespace: 'd', labels: { app: 'web' }, finalizers: ['a/b'] } };
  const tree = toFieldsV1(fieldSetOf(obj, 'Pod'));
  assert.deepEqual(tree, {
    'f:metadata': { 'f:finalizers': { 'v:"a/b"': {} }, 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:containers': {
        'k:{"name":"c"}': {
          '.': {},
          'f:image': {},
          'f:name': {},
          'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
        },
      },
    },
  });
  assert.deepEqual(fromFieldsV1(tree), fieldSetOf(obj, 'Pod'));
});

test('apply creates, records the manager, and re-apply removes dropped fields', () => {
  const first = applyPatch(undefined, cfg('img:1', { args: ['a'] }), 'kubectl', { now: NOW });
  assert.equal((first.spec as PodSpec).containers[0].image, 'img:1');
  const mf = first.metadata.managedFields!;
  assert.equal(mf.length, 1);
  assert.equal(mf[0].manager, 'kubectl');
  assert.equal(mf[0].operation, 'Apply');
  assert.equal(mf[0].time, NOW);
  assert.ok(fromFieldsV1(mf[0].fieldsV1).has(JSON.stringify(['f:spec', 'f:containers', 'k:{"name":"c"}', 'f:args'])));

  // Second apply drops args and the label: both go, since nobody else owns them.
  const second = applyPatch(first, { ...cfg('img:2'), metadata: { name: 'p', namespace: 'default' } }, 'kubectl', { now: NOW });
  const c = (second.spec as PodSpec).containers[0];
  assert.equal(c.image, 'img:2');
  assert.equal(c.args, undefined);
  assert.equal(second.metadata.labels, undefined);
  assert.equal(second.metadata.name, 'p');
});

test('fields owned by another manager survive when the applier drops them', () => {
  const applied = applyPatch(undefined, cfg('img:1'), 'kubectl', { now: NOW });
  // Another writer adds a label via an ordinary update.
  const updated = structuredClone(applied);
  updated.metadata.labels = { app: 'web', team: 'x' };
  recordUpdateManager(updated, 'editor', 'Update', applied, { now: NOW });
  const ed = updated.metadata.managedFields!.find((m) => m.manager === 'editor')!;
  assert.deepEqual(ed.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:team': {} } } });
  // kubectl re-applies without labels: its own "app" goes, editor's "team" stays.
  const again = applyPatch(updated, { ...cfg('img:1'), metadata: { name: 'p', namespace: 'default' } }, 'kubectl', { now: NOW });
  assert.deepEqual(again.metadata.labels, { team: 'x' });
});

test('conflicts with another manager are 409 unless forced', () => {
  const applied = applyPatch(undefined, cfg('img:1'), 'kubectl', { now: NOW });
  const edited = structuredClone(applied);
  (edited.spec as PodSpec).containers[0].image = 'img:edited';
  recordUpdateManager(edited, 'kubectl-edit', 'Update', applied, { now: NOW });
  const owner = edited.metadata.managedFields!;
  assert.ok(JSON.stringify(owner.find((m) => m.manager === 'kubectl-edit')!.fieldsV1).includes('f:image'));
  assert.ok(!JSON.stringify(owner.find((m) => m.manager === 'kubectl')!.fieldsV1).includes('f:image'), 'ownership moved to the editor');

  assert.throws(
    () => applyPatch(edited, cfg('img:2'), 'kubectl', { now: NOW }),
    (e: unknown) =>
      e instanceof PatchError &&
      e.code === 409 &&
      e.causes[0].reason === 'FieldManagerConflict' &&
      e.causes[0].field === '.spec.containers[name="c"].image' &&
      /Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: \.spec\.containers\[name="c"\]\.image/.test(e.message),
  );
  // Applying the same value as the current owner is not a conflict (shared ownership).
  const shared = applyPatch(edited, cfg('img:edited'), 'kubectl', { now: NOW });
  assert.equal((shared.spec as PodSpec).containers[0].image, 'img:edited');
  const forced = applyPatch(edited, cfg('img:2'), 'kubectl', { force: true, now: NOW });
  assert.equal((forced.spec as PodSpec).containers[0].image, 'img:2');
  const ed = forced.metadata.managedFields!.find((m) => m.manager === 'kubectl-edit');
  assert.ok(!ed || !JSON.stringify(ed.fieldsV1).includes('f:image'));
});

test('kubectl server-side apply takes over what its client-side apply set, while the value is still the applied one', () => {
  // As after `kubectl apply` (client-side): an Update by kubectl-client-side-apply plus the annotation.
  const csa = (image: string, replicas: string): KubeObject => {
    const o = cfg(image, { args: [replicas] });
    o.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(cfg(image, { args: [replicas] })) };
    return o;
  };
  const live = structuredClone(csa('img:1', 'a'));
  recordUpdateManager(live, 'kubectl-client-side-apply', 'Update', undefined, { now: NOW });
  const moved = applyPatch(live, cfg('img:2', { args: ['a'] }), 'kubectl', { now: NOW });
  assert.equal((moved.spec as PodSpec).containers[0].image, 'img:2');
  assert.ok(JSON.stringify(moved.metadata.managedFields!.find((m) => m.manager === 'kubectl')!.fieldsV1).includes('f:image'));
  const conflictOn = (o: KubeObject, manager: string) =>
    assert.throws(() => applyPatch(o, cfg('img:3', { args: ['a'] }), manager, { now: NOW }), (e: unknown) => e instanceof PatchError && e.code === 409 && e.causes.length === 1 && e.causes[0].field === '.spec.containers[name="c"].image');
  // Only kubectl's own manager name moves over, as upstream.
  conflictOn(live, 'helm');
  // A value someone changed after the client-side apply is not kubectl's to take.
  const edited = structuredClone(live);
  (edited.spec as PodSpec).containers[0].image = 'img:edited';
  recordUpdateManager(edited, 'kubectl-edit', 'Update', live, { now: NOW });
  conflictOn(edited, 'kubectl');
  // A record for another apiVersion (or none readable) gives nothing.
  const other = structuredClone(live);
  other.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'] = JSON.stringify({ ...cfg('img:1', { args: ['a'] }), apiVersion: 'v2' });
  conflictOn(other, 'kubectl');
  other.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'] = '{not json';
  conflictOn(other, 'kubectl');
});

test('apply through patchObject requires a field manager', () => {
  assert.throws(() => patchObject('apply', undefined, cfg('x')), (e: unknown) => e instanceof PatchError && e.code === 400);
  const o = patchObject('apply', undefined, cfg('x'), { fieldManager: 'm' });
  assert.equal(o.metadata.managedFields![0].manager, 'm');
});

test('recordUpdateManager: create owns all, update owns what changed, removed fields leave sets', () => {
  const obj = cfg('a', { args: ['1'] });
  recordUpdateManager(obj, 'kubectl-create', 'Update', undefined, { now: NOW });
  const all = fromFieldsV1(obj.metadata.managedFields![0].fieldsV1);
  assert.ok(all.has(JSON.stringify(['f:spec', 'f:containers', 'k:{"name":"c"}', 'f:args'])));
  assert.ok(!JSON.stringify(obj.metadata.managedFields).includes('f:name":{}}}'), 'metadata.name not owned');

  const next = structuredClone(obj);
  delete next.metadata.managedFields;
  delete (next.spec as PodSpec).containers[0].args;
  next.metadata.annotations = { note: 'x' };
  recordUpdateManager(next, 'other', 'Update', obj, { now: NOW });
  const mf = next.metadata.managedFields!;
  assert.equal(mf.length, 2);
  const create = fromFieldsV1(mf.find((m) => m.manager === 'kubectl-create')!.fieldsV1);
  assert.ok(!create.has(JSON.stringify(['f:spec', 'f:containers', 'k:{"name":"c"}', 'f:args'])), 'removed field dropped');
  assert.deepEqual(mf.find((m) => m.manager === 'other')!.fieldsV1, { 'f:metadata': { 'f:annotations': { 'f:note': {} } } });

  // Status writes are tracked separately under the status subresource.
  const st = structuredClone(next);
  st.status = { phase: 'Running' };
  recordUpdateManager(st, 'kubelet', 'Update', next, { subresource: 'status', now: NOW });
  const kl = st.metadata.managedFields!.find((m) => m.manager === 'kubelet')!;
  assert.equal(kl.subresource, 'status');
  assert.deepEqual(kl.fieldsV1, { 'f:status': { 'f:phase': {} } });
});

test('fieldsV1Of builds the same tree as toFieldsV1(fieldSetOf(...))', async () => {
  const { fieldsV1Of, fieldSetOf: set, toFieldsV1: tree } = await import('./managed-fields.js');
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { a: 'b', 'x.io/y': 'z' }, finalizers: ['f1'] },
    spec: {
      containers: [
        { name: 'c', image: 'busybox', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] },
        { name: 'd', image: 'busybox', args: ['x'] },
      ],
      restartPolicy: 'Always',
    },
    status: { phase: 'Pending' },
  };
  assert.deepStrictEqual(fieldsV1Of(pod, 'Pod'), tree(set(pod, 'Pod')));
  assert.deepStrictEqual(fieldsV1Of(pod, 'Pod', { subresource: 'status' }), tree(set(pod, 'Pod', { subresource: 'status' })));
  // Keyed elements twice (merged), defaulted merge keys, empty maps, metadata of only ignored fields.
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', uid: 'u' },
    spec: { ports: [{ port: 80 }, { port: 80, targetPort: 8080 }, { port: 53, protocol: 'UDP' }], selector: {}, zz: { y: 1, a: { } } },
  };
  // fieldsV1 trees hold only objects.
  const sortedDeep = (n: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.keys(n).sort().map((k) => [k, sortedDeep(n[k] as Record<string, unknown>)]));
  for (const [o, k] of [[pod, 'Pod'], [svc, 'Service']] as const) {
    const fast = fieldsV1Of(o, k);
    assert.deepStrictEqual(fast, tree(set(o, k)));
    assert.equal(JSON.stringify(fast), JSON.stringify(sortedDeep(fast)), 'keys sorted at every level');
  }
});

test('nowRFC3339 is whole seconds, memoised within a second and changing across seconds', async () => {
  const { nowRFC3339 } = await import('./managed-fields.js');
  const legacy = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const ms of [1700000000000, 1700000000123, 1700000000999, 1700000001000, 1700000000500, 0, 253402300799999]) {
    assert.equal(nowRFC3339(ms), legacy(ms));
  }
  assert.equal(nowRFC3339(1700000000001), '2023-11-14T22:13:20Z');
  assert.equal(nowRFC3339(1700000000999), '2023-11-14T22:13:20Z');
  assert.equal(nowRFC3339(1700000001000), '2023-11-14T22:13:21Z');
  assert.equal(nowRFC3339(1699999999999), '2023-11-14T22:13:19Z'); // going back works too
});

test('recordUpdateManager stamps the current second', () => {
  mock.timers.enable({ apis: ['Date'], now: 1700000000900 });
  try {
    const a = recordUpdateManager(cfg('x'), 'm', 'Update');
    mock.timers.tick(50);
    const b = recordUpdateManager(cfg('x'), 'm', 'Update');
    mock.timers.tick(100);
    const c = recordUpdateManager(cfg('x'), 'm', 'Update');
    assert.equal(a.metadata.managedFields![0].time, '2023-11-14T22:13:20Z');
    assert.equal(b.metadata.managedFields![0].time, '2023-11-14T22:13:20Z');
    assert.equal(c.metadata.managedFields![0].time, '2023-11-14T22:13:21Z');
  } finally {
    mock.timers.reset();
  }
});

test('create managedFields: entry shape and key order, keyed lists sorted and merged', () => {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'd', labels: { b: '1', a: '2' }, finalizers: ['z/z', 'a/a'] },
    spec: {
      containers: [
        { name: 'web', image: 'i', ports: [{ containerPort: 8080, protocol: 'UDP' }, { containerPort: 80 }] },
        { name: 'app', image: 'i', args: ['x'] },
        { name: 'web', command: ['sh'] },
        { image: 'no-name' },
      ],
    },
  };
  recordUpdateManager(obj, 'kubectl-create', 'Update', undefined, { now: NOW });
  assert.equal(
    JSON.stringify(obj.metadata.managedFields),
    JSON.stringify([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'v1',
        time: NOW,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:finalizers': { 'v:"a/a"': {}, 'v:"z/z"': {} }, 'f:labels': { 'f:a': {}, 'f:b': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {} },
              'k:{"name":"web"}': {
                '.': {},
                'f:command': {},
                'f:image': {},
                'f:name': {},
                'f:ports': {
                  'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
                  'k:{"containerPort":8080,"protocol":"UDP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} },
                },
              },
            },
          },
        },
      },
    ]),
  );
  const st = recordUpdateManager({ ...cfg('x'), status: { phase: 'Running' } }, 'kubelet', 'Update', undefined, { subresource: 'status', now: NOW });
  assert.deepEqual(Object.keys(st.metadata.managedFields![0]), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'subresource', 'fieldsV1']);
  assert.deepEqual(recordUpdateManager({ kind: 'Pod', metadata: { name: 'p' } }, 'm', 'Update', undefined, { now: NOW }).metadata.managedFields, []);
});
