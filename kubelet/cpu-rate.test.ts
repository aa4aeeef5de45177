import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CpuRate } from './cpu-rate.js';

test('usageNanoCores: Δusage / Δt against the newest sample at least the minimum interval old', () => {
  // [at ms, cumulative ns, expected nanocores]
  const steps: [number, number, number | undefined][] = [
    [0, 0, undefined], // nothing to compare with yet
    [10_000, 5e9, 5e8], // 5 s of CPU in 10 s = half a core
    [10_500, 5.5e9, 1e8 * 5.5 / 1.05], // too close to the last sample: compared with the one before (t=0)
    [20_000, 15e9, 1e9], // (15e9 − 5e9) / 10 s: a whole core
    [30_000, 1e9, undefined], // the counter went back: a new cgroup, start over
    [31_000, 1.25e9, 2.5e8],
  ];
  const r = new CpuRate(1000);
  for (const [at, ns, want] of steps) {
    const got = r.observe('c', ns, at);
    if (want === undefined) assert.equal(got, undefined, `t=${at}`);
    else assert.ok(got !== undefined && Math.abs(got - want) < 2, `t=${at}: ${got} ≠ ${want}`);
  }
});

test('keys are independent and pruned when not seen', () => {
  const r = new CpuRate(1000);
  r.observe('a', 0, 0);
  r.observe('b', 0, 0);
  assert.equal(r.observe('a', 1e9, 2000), 5e8);
  r.prune(1000); // b was last seen at 0
  assert.equal(r.observe('b', 1e9, 2000), undefined);
});
