import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStructure, structureErrorMessage, unknownFieldsMessage } from './structure.js';

/** Raw JSON as a client may send it: the cases write any value at a dotted path (its types are what is checked). */
type Json = Record<string, unknown>;

function parentOf(o: Json, path: string): [Json, string] {
  const parts = path.split('.');
  let cur = o;
  for (const k of parts.slice(0, -1)) cur = cur[k] as Json;
  return [cur, parts[parts.length - 1]];
}
const get = (o: Json, path: string): unknown => {
  const [parent, key] = parentOf(o, path);
  return parent[key];
};
const set = (o: Json, path: string, v: unknown): void => {
  const [parent, key] = parentOf(o, path);
  parent[key] = v;
};

const pod = (): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { a: 'b' }, creationTimestamp: null },
  spec: {
    containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], resources: { limits: { cpu: 1, memory: '1Gi' } }, livenessProbe: { httpGet: { port: 'http' } } }],
    volumes: [{ name: 'v', nfs: { server: 'x', path: '/' } }],
  },
  status: { phase: 'Running' },
});

test('a well-typed object passes; open types accept anything; status is typed as upstream', () => {
  assert.deepEqual(checkStructure('Pod', pod()), { errors: [], unknown: [] });
  assert.deepEqual(checkStructure('Pod', { status: { phase: 'Running', anything: 1 } }).unknown, ['status.anything']);
  assert.deepEqual(checkStructure('Widget', { x: 1 }), { errors: [], unknown: [] });
});

test('type errors (table)', () => {
  const cases: [(p: Json) => void, RegExp][] = [
    [(p) => set(p, 'spec.containers', 'x'), /cannot unmarshal string into Go struct field PodSpec\.spec\.containers of type \[\]v1\.Container/],
    [(p) => set(p, 'spec.containers.0.ports.0.containerPort', 1.5), /cannot unmarshal number 1\.5 into Go struct field ContainerPort\.spec\.containers\.ports\.containerPort of type int32/],
    [(p) => set(p, 'spec.containers.0.ports.0.containerPort', '80'), /of type int32/],
    [(p) => set(p, 'metadata.labels', { a: 1 }), /ObjectMeta\.metadata\.labels of type string/],
    [(p) => set(p, 'spec.hostNetwork', 'true'), /of type bool/],
    [(p) => set(p, 'spec.containers.0.livenessProbe.httpGet.port', true), /of type intstr\.IntOrString/],
    [(p) => set(p, 'metadata', []), /cannot unmarshal array into Go struct field Pod\.metadata of type v1\.ObjectMeta/],
    [(p) => set(p, 'spec.containers.0.command', 'sh -c'), /of type \[\]string/],
  ];
  for (const [mut, re] of cases) {
    const p = pod();
    mut(p);
    const r = checkStructure('Pod', p);
    assert.equal(r.errors.length, 1, JSON.stringify(r));
    assert.match(r.errors[0], re);
    assert.match(structureErrorMessage('Pod', r)!, /^Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal/);
  }
  assert.equal(checkStructure('Pod', 'x').errors.length, 1);
});

test('unknown fields are reported and optionally pruned', () => {
  const p = pod();
  set(p, 'spec.containers.0.imagePolicy', 'x');
  set(p, 'spec.foo', 1);
  p.bar = {};
  const r = checkStructure('Pod', p);
  assert.deepEqual(r.unknown.sort(), ['bar', 'spec.containers[0].imagePolicy', 'spec.foo']);
  assert.equal(unknownFieldsMessage({ errors: [], unknown: ['spec.foo'] }), 'strict decoding error: unknown field "spec.foo"');
  assert.equal(unknownFieldsMessage({ errors: [], unknown: [] }), undefined);
  checkStructure('Pod', p, { prune: true });
  assert.equal(get(p, 'spec.foo'), undefined);
  assert.equal(p.bar, undefined);
  assert.equal(get(p, 'spec.containers.0.imagePolicy'), undefined);
  assert.equal(get(p, 'spec.containers.0.image'), 'i');
});

test('other kinds', () => {
  assert.deepEqual(checkStructure('Service', { spec: { ports: [{ port: 80, targetPort: 'http' }], selector: { a: 'b' } } }).errors, []);
  assert.equal(checkStructure('Service', { spec: { ports: [{ port: 80, targetPort: 1.5 }] } }).errors.length, 1);
  assert.equal(checkStructure('ConfigMap', { data: { a: 1 } }).errors.length, 1);
  assert.deepEqual(checkStructure('Node', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { capacity: { cpu: '2' } } }), { errors: [], unknown: [] });
  assert.deepEqual(checkStructure('Lease', { spec: { holderIdentity: 'n', renewTime: '2024-01-01T00:00:00.000000Z', leaseDurationSeconds: 40 } }).errors, []);
  assert.deepEqual(checkStructure('Secret', { stringData: { a: 'b' }, type: 'Opaque', extra: 1 }).unknown, ['extra']);
});

test('reported paths: indices and nested fields, Go paths without indices', () => {
  const p = pod();
  (get(p, 'spec.containers') as unknown[]).push({ name: 'd', image: 'i', ports: [{ containerPort: 1 }, { containerPort: 2, bogus: 1 }], env: [{ name: 'A', value: 3 }] });
  set(p, 'spec.nodeSelector', { a: 'b', c: true });
  set(p, 'metadata.extra', 1);
  const r = checkStructure('Pod', p, { prune: true });
  assert.deepEqual(r.unknown, ['metadata.extra', 'spec.containers[1].ports[1].bogus']);
  assert.deepEqual(r.errors, [
    'json: cannot unmarshal number 3 into Go struct field EnvVar.spec.containers.env.value of type string',
    'json: cannot unmarshal boolean into Go struct field PodSpec.spec.nodeSelector of type string',
  ]);
  assert.equal(get(p, 'metadata.extra'), undefined);
  assert.equal('bogus' in (get(p, 'spec.containers.1.ports.1') as Json), false);
  assert.deepEqual(checkStructure('Pod', { metadata: { name: 'p' }, x: 1 }, { prune: false }).unknown, ['x']);
});
