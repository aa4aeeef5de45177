import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, isStored } from './resources.js';
import { kindStrategy, validate } from './kinds.js';
import { genericPrinter } from './table.js';

test('every served kind has its own strategy record with the scope it is served with', () => {
  for (const r of RESOURCES) {
    if (!isStored(r)) continue; // bindings, reviews and token reviews are answered, metrics computed: never stored or listed
    const s = kindStrategy(r.kind);
    assert.notEqual(s.printer, genericPrinter, `${r.kind} has no printer`);
    assert.equal(s.meta.namespaced, r.namespaced, `${r.kind} scope`);
  }
});

test('a kind without a record gets metadata checks, its scope from the object', () => {
  assert.deepEqual(validate('Widget', { metadata: { name: 'w', namespace: 'default' } }), []);
  assert.deepEqual(validate('Widget', { metadata: { name: 'w' } }), []);
  assert.equal(validate('Widget', { metadata: { name: 'Bad_Name' } })[0]?.field, 'metadata.name');
  assert.equal(kindStrategy('Widget').printer, genericPrinter);
});
