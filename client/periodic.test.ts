import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPeriodically } from './periodic.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('passes never overlap, a failure does not end the loop, stop waits for the pass in progress', async () => {
  let active = 0;
  let most = 0;
  let passes = 0;
  const errors: unknown[] = [];
  let finished = false;
  const p = runPeriodically(
    async () => {
      active++;
      most = Math.max(most, active);
      passes++;
      await sleep(30);
      active--;
      if (passes === 2) throw new Error('second pass fails');
      finished = true;
    },
    () => 5,
    (e) => errors.push(e),
    { immediate: true },
  );
  await sleep(150);
  await p.stop();
  const after = passes;
  assert.equal(most, 1);
  assert.ok(passes >= 3, `${passes} passes`);
  assert.equal(errors.length, 1);
  assert.equal(active, 0, 'stop waited for the pass');
  assert.ok(finished);
  await sleep(50);
  assert.equal(passes, after, 'no pass after stop');
});

test('without immediate the first pass waits a period', async () => {
  let passes = 0;
  const p = runPeriodically(() => Promise.resolve(void passes++), () => 60, () => undefined);
  await sleep(30);
  assert.equal(passes, 0);
  await sleep(60);
  assert.equal(passes, 1);
  await p.stop();
});
