import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseThresholds, thresholdQuantity, ThresholdError } from './eviction-thresholds.js';

test('no --eviction-hard: upstream defaults', () => {
  const t = parseThresholds({});
  assert.deepEqual(
    t.map((x) => [x.signal, x.value, x.gracePeriodMs]),
    [
      ['memory.available', { quantity: 100 * 1024 * 1024, text: '100Mi' }, 0],
      ['nodefs.available', { percentage: 0.1 }, 0],
      ['nodefs.inodesFree', { percentage: 0.05 }, 0],
      ['imagefs.available', { percentage: 0.15 }, 0],
    ],
  );
});

test('any --eviction-hard replaces all defaults; empty means none', () => {
  assert.deepEqual(parseThresholds({ hard: 'memory.available<1Gi' }).map((x) => x.signal), ['memory.available']);
  assert.deepEqual(parseThresholds({ hard: '' }), []);
});

test('soft thresholds need a grace period; minimum reclaim attaches', () => {
  const t = parseThresholds({ hard: '', soft: 'nodefs.available<20%', softGracePeriod: 'nodefs.available=1m30s', minimumReclaim: 'nodefs.available=500Mi' });
  assert.equal(t.length, 1);
  assert.equal(t[0].gracePeriodMs, 90_000);
  assert.deepEqual(t[0].minReclaim, { quantity: 500 * 1024 * 1024, text: '500Mi' });
  assert.throws(() => parseThresholds({ soft: 'memory.available<1Gi' }), /no grace period specified for soft eviction threshold memory.available/);
  assert.throws(() => parseThresholds({ softGracePeriod: 'memory.available=1m' }), /grace period specified for non-existent soft eviction threshold/);
  assert.throws(() => parseThresholds({ soft: 'memory.available<1Gi', softGracePeriod: 'memory.available=soon' }), ThresholdError);
});

test('bad statements are refused', () => {
  for (const bad of ['memory.available>1Gi', 'memory.avail<1Gi', 'memory.available<', 'nodefs.available<101%', 'memory.available<-1Mi', 'memory.available<1Gi,memory.available<2Gi', '__proto__<1', 'allocatableMemory.available<1Gi'])
    assert.throws(() => parseThresholds({ hard: bad }), ThresholdError, bad);
});

test('enforce-node-allocatable=pods mirrors the hard memory threshold on allocatableMemory.available', () => {
  const t = parseThresholds({ hard: 'memory.available<200Mi', enforcePods: true });
  assert.deepEqual(t.map((x) => x.signal), ['memory.available', 'allocatableMemory.available']);
  assert.equal(thresholdQuantity(t[1].value, 0), 200 * 1024 * 1024);
  assert.equal(thresholdQuantity({ percentage: 0.1 }, 1005), 100);
});
