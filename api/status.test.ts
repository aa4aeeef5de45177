import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureStatus, successStatus } from './status.js';

test('a Failure Status has upstream field order, and details only when given', () => {
  const s = failureStatus(404, 'NotFound', 'pods "x" not found', { name: 'x', kind: 'pods' });
  assert.equal(JSON.stringify(s), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"x\\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}');
  assert.equal('details' in failureStatus(400, 'BadRequest', 'no'), false);
  assert.deepEqual(successStatus(201), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
});
