import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RUNTIME_FLAGS } from './node-flags.js';

test('--system-reserved-pids parses whole numbers into RuntimeOptions.reservedPids, refuses the rest', () => {
  const f = RUNTIME_FLAGS.find((x) => x.flag === 'system-reserved-pids')!;
  assert.equal(f.option, 'reservedPids');
  assert.equal(f.parse('2048'), 2048);
  assert.equal(f.parse('0'), 0);
  for (const bad of ['-1', '1.5', 'abc', '']) assert.throws(() => f.parse(bad), /must be a whole number/);
});
