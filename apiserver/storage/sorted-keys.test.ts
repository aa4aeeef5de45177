import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SortedKeys } from './sorted-keys.js';

// Inserts wait unmerged until a read: every read must still see exactly the sorted set.
test('inserts, removes and reads in any interleaving see the sorted set of keys', () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const keys = new SortedKeys();
  const model = new Set<string>();
  const sorted = () => [...model].sort();
  for (let step = 0; step < 5000; step++) {
    const k = `/registry/pods/ns${rand(3)}/p-${rand(400)}`;
    const op = rand(10);
    if (op < 5) {
      keys.insert(k);
      model.add(k);
    } else if (op < 8) {
      keys.remove(k);
      model.delete(k);
    } else {
      const want = sorted();
      assert.equal(keys.size, want.length);
      const i = keys.lowerBound(k);
      assert.equal(i, want.filter((x) => x < k).length, 'lowerBound');
      assert.equal(keys.upperBound(k), want.filter((x) => x <= k).length, 'upperBound');
      if (i < want.length) assert.equal(keys.at(i), want[i]);
      const [b, e] = keys.prefixRange('/registry/pods/ns1/');
      assert.deepEqual(Array.from({ length: e - b }, (_, j) => keys.at(b + j)), want.filter((x) => x.startsWith('/registry/pods/ns1/')));
    }
    assert.equal(keys.size, model.size, 'size counts unmerged inserts, once each');
  }
});

test('reset drops unmerged inserts', () => {
  const keys = new SortedKeys();
  keys.insert('b');
  keys.reset(['c', 'a']);
  assert.deepEqual([keys.at(0), keys.at(1)], ['a', 'c']);
  assert.equal(keys.size, 2);
});
