import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBody, decodeObject, decodeManifests, encodeYAML, encodeJSON, negotiate, CodecError, mediaType, patchTypeOf, MAX_REQUEST_BODY_BYTES } from './codec.js';

test('decode JSON and YAML by content type', () => {
  assert.deepEqual(decodeBody('{"a":1}', 'application/json; charset=utf-8'), { a: 1 });
  assert.deepEqual(decodeBody('{"a":1}'), { a: 1 });
  assert.deepEqual(decodeBody('a: 1\nb: [x, y]\n', 'application/yaml'), { a: 1, b: ['x', 'y'] });
  assert.deepEqual(decodeBody(Buffer.from('a: 1'), 'application/apply-patch+yaml'), { a: 1 });
  assert.deepEqual(decodeBody('[{"op":"remove","path":"/a"}]', 'application/json-patch+json'), [{ op: 'remove', path: '/a' }]);
});

test('YAML keeps timestamps as strings and reads 0644 as octal', () => {
  const v = decodeBody('t: 2024-01-01T00:00:00Z\nmode: 0644\nv: yes\nn: 10\n', 'application/yaml') as Record<string, unknown>;
  assert.equal(v.t, '2024-01-01T00:00:00Z');
  assert.equal(v.mode, 420);
  assert.equal(v.v, 'yes');
  assert.equal(v.n, 10);
});

test('decode errors are typed with status codes', () => {
  const cases: [() => unknown, number, RegExp][] = [
    [() => decodeBody('{bad', 'application/json'), 400, /json parse error/],
    [() => decodeBody('a: [1,', 'application/yaml'), 400, /error converting YAML to JSON: yaml: line/],
    [() => decodeBody('x', 'application/vnd.kubernetes.protobuf'), 415, /unknown format/],
    [() => decodeBody('', 'application/json'), 400, /empty/],
    [() => decodeBody('x'.repeat(MAX_REQUEST_BODY_BYTES + 1), 'application/json'), 413, /too large/],
    [() => decodeObject('[1]', 'application/json'), 400, /must be a JSON object/],
    [() => decodeObject('{"metadata": 3}', 'application/json'), 400, /metadata must be an object/],
  ];
  for (const [fn, code, re] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof CodecError && e.code === code && re.test(e.message) && e.toStatus().code === code);
  }
});

test('decodeObject defaults metadata', () => {
  assert.deepEqual(decodeObject('kind: Pod\napiVersion: v1\n', 'application/yaml'), { kind: 'Pod', apiVersion: 'v1', metadata: {} });
});

test('encode YAML round-trips and quotes ambiguous strings', () => {
  const obj = { metadata: { name: 'x', creationTimestamp: '2024-01-01T00:00:00Z', labels: { v: '123', b: 'true' } }, spec: { n: 1, l: [1, 2] } };
  const y = encodeYAML(obj);
  assert.match(y, /creationTimestamp: '2024-01-01T00:00:00Z'/);
  assert.match(y, /v: '123'/);
  assert.deepEqual(decodeBody(y, 'application/yaml'), obj);
  assert.equal(encodeJSON({ a: 1 }), '{"a":1}');
});

test('negotiate Accept', () => {
  assert.deepEqual(negotiate(undefined), { format: 'json', contentType: 'application/json' });
  const kubectl = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  const t = negotiate(kubectl);
  assert.equal(t.as, 'Table');
  assert.equal(t.contentType, 'application/json;as=Table;v=v1;g=meta.k8s.io');
  assert.equal(negotiate('application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json').as, undefined);
  assert.equal(negotiate('application/yaml').format, 'yaml');
  assert.equal(negotiate('*/*').format, 'json');
  assert.throws(() => negotiate('application/vnd.kubernetes.protobuf'), (e: unknown) => e instanceof CodecError && e.code === 406);
  assert.equal(negotiate('application/vnd.kubernetes.protobuf, application/json').format, 'json');
});

test('patch types', () => {
  assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchTypeOf('application/merge-patch+json; charset=utf-8'), 'merge');
  assert.equal(patchTypeOf('application/json-patch+json'), 'json');
  assert.equal(patchTypeOf('application/apply-patch+yaml'), 'apply');
  assert.equal(patchTypeOf('application/json'), undefined);
});

test('multi-document manifests', () => {
  const text = `---
apiVersion: v1
kind: Namespace
metadata:
  name: a
---
# just a comment
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c1}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c2}
---
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
`;
  const objs = decodeManifests(text);
  assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`), ['Namespace/a', 'ConfigMap/c1', 'ConfigMap/c2', 'Pod/p']);
  assert.throws(() => decodeManifests('apiVersion: v1\nmetadata: {}\n', 'f.yaml'), /f.yaml: document 1: Object 'Kind' is missing/);
  assert.throws(() => decodeManifests('- a\n- b\n'), /not an object/);
  assert.throws(() => decodeManifests('a: [\n'), CodecError);
});

test('blank bodies are rejected as empty, whatever the whitespace (Unicode included)', () => {
  for (const body of [' ', '\n\t\r ', '\v\f', '\u00a0', '\ufeff', '\u2028\u2029', '\u3000\u205f\u202f\u1680\u2000']) {
    for (const b of [body, Buffer.from(body)]) {
      assert.throws(
        () => decodeBody(b, 'application/json'),
        (e: unknown) => e instanceof CodecError && e.code === 400 && e.message === 'the request body is empty',
      );
    }
  }
  assert.deepEqual(decodeBody(' \n{"a":1}\n', 'application/json'), { a: 1 });
  assert.deepEqual(decodeBody(Buffer.from('\r\n{"a":1}'), 'application/json'), { a: 1 });
  assert.deepEqual(decodeBody('\n\na: 1', 'application/yaml'), { a: 1 });
});

test('the size limit counts UTF-8 bytes of string bodies', () => {
  const tooLarge = (e: unknown) => e instanceof CodecError && e.code === 413;
  // Fewer characters than the limit, but more bytes.
  const euros = `"${'€'.repeat(Math.ceil(MAX_REQUEST_BODY_BYTES / 3))}"`;
  assert.ok(euros.length < MAX_REQUEST_BODY_BYTES);
  assert.throws(() => decodeBody(euros, 'application/json'), tooLarge);
  const fits = `"${'é'.repeat((MAX_REQUEST_BODY_BYTES - 2) / 2)}"`;
  assert.equal(Buffer.byteLength(fits), MAX_REQUEST_BODY_BYTES);
  assert.equal((decodeBody(fits, 'application/json') as string).length, (MAX_REQUEST_BODY_BYTES - 2) / 2);
  assert.throws(() => decodeBody(Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1, 0x20), 'application/json'), tooLarge);
});

test('mediaType answers each header on its own (it remembers the last one)', () => {
  assert.equal(mediaType('Application/JSON; charset=utf-8'), 'application/json');
  assert.equal(mediaType('Application/JSON; charset=utf-8'), 'application/json');
  assert.equal(mediaType(' text/YAML '), 'text/yaml');
  assert.equal(mediaType(undefined), '');
  assert.equal(mediaType(''), '');
  assert.equal(patchTypeOf('application/merge-patch+json; x=y'), 'merge');
  assert.equal(patchTypeOf('application/json'), undefined);
  assert.equal(patchTypeOf('constructor'), undefined);
  assert.equal(patchTypeOf(undefined), undefined);
});
