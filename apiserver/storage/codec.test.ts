import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/meta.js';
import { decodeObject, encodeObject, rememberText, rememberedText, withRevision, withRevisionText } from './codec.js';

const pod = (): KubeObject => ({
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  metadata: { name: 'a', namespace: 'default', resourceVersion: '7', labels: { 'x"y': 'z\u2028' } },
  kind: 'Pod',
  apiVersion: 'v1',
});

test('stored text: no resourceVersion, apiVersion/kind/metadata first, the input untouched', () => {
  const obj = pod();
  const text = encodeObject(obj);
  assert.ok(text.startsWith('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"'));
  assert.equal((JSON.parse(text) as KubeObject).metadata.resourceVersion, undefined);
  assert.equal(obj.metadata.resourceVersion, '7');
  const back = decodeObject(Buffer.from(text), '42');
  assert.deepEqual(back, { ...obj, metadata: { ...obj.metadata, resourceVersion: '42' } });
});

test('withRevisionText is the JSON of withRevision, whatever metadata holds', () => {
  for (const obj of [pod(), { apiVersion: 'v1', kind: 'Namespace', metadata: {} } as KubeObject]) {
    const text = withRevisionText(encodeObject(obj), obj, '123');
    assert.ok(text !== undefined);
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(withRevision(obj, '123'))));
  }
  // Text not written by encodeObject, or an object without type meta: no shortcut.
  assert.equal(withRevisionText(JSON.stringify(pod()), pod(), '1'), undefined);
  const bare = { metadata: { name: 'x' } } as KubeObject;
  assert.equal(withRevisionText(encodeObject(bare), bare, '1'), undefined);
});

test('remembered text belongs to the object it was remembered for', () => {
  const a = pod();
  rememberText(a, '{"a":1}');
  assert.equal(rememberedText(a), '{"a":1}');
  assert.equal(rememberedText(pod()), undefined);
  assert.equal(rememberedText('string'), undefined);
  assert.equal(rememberedText(null), undefined);
});
