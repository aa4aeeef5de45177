import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CIDRAllocator } from './cidr-allocator.js';

test('node CIDRs come from the cluster CIDR in order, each once, until it is full', () => {
  const a = new CIDRAllocator('10.244.0.0/22', 24);
  assert.deepEqual([a.allocate(), a.allocate(), a.allocate(), a.allocate()], ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24']);
  assert.equal(a.allocate(), undefined);
  a.release('10.244.2.0/24');
  assert.equal(a.allocate(), '10.244.2.0/24');
});

test('CIDRs nodes already hold are skipped; foreign ones are not ours', () => {
  const a = new CIDRAllocator('10.244.0.0/16', 24);
  assert.ok(a.occupy('10.244.0.0/24'));
  assert.ok(a.occupy('10.244.1.0/24'));
  assert.ok(!a.occupy('10.245.0.0/24'), 'outside the cluster CIDR');
  assert.ok(!a.occupy('10.244.4.0/25'), 'another size');
  assert.ok(!a.occupy('garbage'));
  assert.equal(a.allocate(), '10.244.2.0/24');
  assert.equal(a.free, 256 - 3);
  a.release('10.245.0.0/24'); // not ours: no effect
  assert.equal(a.free, 256 - 3);
});

test('round robin: a released CIDR is not handed out again before the others', () => {
  const a = new CIDRAllocator('10.0.0.0/24', 26);
  const first = a.allocate()!;
  a.release(first);
  assert.equal(a.allocate(), '10.0.0.64/26');
  assert.equal(a.allocate(), '10.0.0.128/26');
});

test('bad mask sizes and CIDRs are refused', () => {
  assert.throws(() => new CIDRAllocator('10.244.0.0/16', 8), /mask-size/);
  assert.throws(() => new CIDRAllocator('10.244.0.0/16', 33), /mask-size/);
  assert.throws(() => new CIDRAllocator('10.0.0.0/8', 25), /16 bits/);
  assert.throws(() => new CIDRAllocator('10.244.0.300/16', 24), /invalid CIDR/);
  assert.equal(new CIDRAllocator('10.244.0.0/16', 16).allocate(), '10.244.0.0/16');
});
