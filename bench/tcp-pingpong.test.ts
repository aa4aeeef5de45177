import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoundTrips } from './tcp-pingpong.js';

test('round trips are read from the client output, all of them or an error', () => {
  assert.deepEqual(parseRoundTrips('rtt_us 12.5\nrtt_us 30\ndone 2\n', 2), [12.5, 30]);
  assert.throws(() => parseRoundTrips('rtt_us 12.5\n', 1), /no "done"/);
  assert.throws(() => parseRoundTrips('rtt_us 12.5\ndone 2\n', 2), /1\/2 round trips/);
});
