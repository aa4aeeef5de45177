import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureLog } from './failure-log.js';

test('FailureLog: one line per doubling window, repeats counted, success resets (fake clock)', () => {
  let now = 0;
  const lines: string[] = [];
  const f = new FailureLog((m) => lines.push(m), 1000, 8000, () => now);
  // A failure every 100 ms for 20 s: lines at 0, 1 s, 3 s, 7 s, 15 s (windows 1, 2, 4, 8, 8 s).
  for (; now < 20_000; now += 100) f.failed('ns-a', 'events: forbidden');
  assert.equal(lines.length, 5, lines.join('\n'));
  assert.equal(lines[0], 'events: forbidden');
  assert.equal(lines[1], 'events: forbidden (9 more since the last report)');
  assert.equal(lines[2], 'events: forbidden (19 more since the last report)');
  // Keys are independent; a success starts a key over.
  assert.equal(f.failed('ns-b', 'other'), true);
  f.succeeded('ns-a');
  assert.equal(f.failed('ns-a', 'again'), true);
  assert.equal(f.failed('ns-a', 'again'), false);
});
