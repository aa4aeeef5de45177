import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MAX_TIMER_DELAY_MS, timerDelay } from './timer-delay.js';

it('requeue delays stay within what setTimeout honours', () => {
  assert.equal(timerDelay(5000), 5000);
  assert.equal(timerDelay(-3), 0);
  assert.equal(timerDelay(365 * 86_400_000), MAX_TIMER_DELAY_MS, 'a yearly schedule waits ~24.8 days, then looks again');
  assert.equal(timerDelay(Infinity), MAX_TIMER_DELAY_MS);
});
