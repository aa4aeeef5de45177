import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicateFields } from './json-duplicates.js';

test('duplicate keys are reported by path, in order; equal keys in different objects are not duplicates', () => {
  assert.deepEqual(duplicateFields('{"a":1,"b":2}'), []);
  assert.deepEqual(duplicateFields('{"metadata":{"name":"a","name":"b"},"spec":{"x":1},"spec":{}}'), ['metadata.name', 'spec']);
  assert.deepEqual(duplicateFields('{"spec":{"containers":[{"name":"a"},{"name":"b","image":"i","image":"j"}]}}'), ['spec.containers[1].image']);
  assert.deepEqual(duplicateFields('{"a":[[1,{"k":1,"k":2}]],"s":"{\\"x\\":1,\\"x\\":2}"}'), ['a[0][1].k']);
  assert.deepEqual(duplicateFields('{"\\u0061":1,"a":2}'), ['a'], 'escaped keys compare decoded');
  assert.deepEqual(duplicateFields('[{"a":1},{"a":1}]'), []);
});
