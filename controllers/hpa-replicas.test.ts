import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaleDownRules, scaleUpRules } from '../api/autoscaling.js';
import { limitRate, resourceReplicas, stabilize, type PodSample } from './hpa-replicas.js';

const pod = (usage: number | undefined, request = 100, ready = true, name = 'p'): PodSample => ({ name, request, ready, ...(usage !== undefined ? { usage } : {}) });

test('resource replicas: ceil(current ratio × pods), tolerance 0.1, missing and unready pods as upstream', () => {
  // [case, current, pods, target %, want replicas, want utilization]
  const cases: [string, number, PodSample[], number, number, number][] = [
    ['at target', 2, [pod(50), pod(50)], 50, 2, 50],
    ['within tolerance above', 2, [pod(54), pod(54)], 50, 2, 54],
    ['just beyond tolerance', 2, [pod(56), pod(56)], 50, 3, 56], // ratio 1.12 → ceil(2.24)
    ['double', 1, [pod(100)], 50, 2, 100],
    ['far above, capped later by max', 1, [pod(500)], 50, 10, 500],
    ['scale down', 4, [pod(10), pod(10), pod(10), pod(10)], 50, 1, 10],
    ['idle', 3, [pod(0), pod(0), pod(0)], 50, 0, 0],
    // Missing metrics while scaling down count at the target: (10+50)/2 = 30% → ratio .6 → ceil(1.2) = 2.
    ['missing pod on scale down', 2, [pod(10), pod(undefined)], 50, 2, 10],
    // Missing metrics while scaling up count as 0: (100+0)/2 = 50% → within tolerance → keep 2.
    ['missing pod on scale up', 2, [pod(100), pod(undefined)], 50, 2, 100],
    // Unready pods count as 0 on scale up: (150+0)/2=75% → ratio 1.5 → ceil(3).
    ['unready pod on scale up', 2, [pod(150), pod(300, 100, false)], 50, 3, 150],
    // Different requests: usage 150m of 300m requested = 50%.
    ['requests differ', 2, [pod(100, 100), pod(50, 200)], 50, 2, 50],
  ];
  for (const [name, current, pods, target, want, util] of cases) {
    const r = resourceReplicas(current, pods, { utilization: target });
    assert.equal(r.replicas, want, name);
    assert.equal(r.utilization, util, name);
  }
  assert.equal(resourceReplicas(2, [pod(200e6), pod(200e6)], { averageValue: 100e6 }).replicas, 4, 'AverageValue');
  assert.throws(() => resourceReplicas(2, [pod(undefined), pod(undefined)], { utilization: 50 }), /did not receive metrics/);
  assert.throws(() => resourceReplicas(1, [pod(10, 0)], { utilization: 50 }), /missing request for cpu/);
});

test('stabilization: up to the lowest recommendation in the up window, down to the highest in the down window', () => {
  const now = 1_000_000;
  const hist = [{ atMs: now - 200_000, replicas: 5 }, { atMs: now - 20_000, replicas: 3 }];
  // [current, proposed, up window s, down window s, want, reason]
  const cases: [number, number, number, number, number, string][] = [
    [5, 1, 0, 300, 5, 'ScaleDownStabilized'], // 5 seen within 300 s
    [5, 1, 0, 60, 3, 'ScaleDownStabilized'], // only the 3 within 60 s
    [5, 1, 0, 10, 1, ''],
    [1, 6, 0, 300, 6, ''], // no up window: at once
    [1, 6, 60, 300, 3, 'ScaleUpStabilized'], // lowest within 60 s is 3
  ];
  for (const [current, proposed, up, down, want, reason] of cases) {
    const s = stabilize(current, proposed, hist, up, down, now);
    assert.deepEqual([s.replicas, s.reason], [want, reason], `${current}→${proposed} up ${up} down ${down}`);
  }
});

test('rate limits and bounds: default policies, Min/Disabled, min/max replicas', () => {
  const now = 1_000_000;
  const up = scaleUpRules(undefined);
  const down = scaleDownRules(undefined);
  // [current, desired, min, max, want, reason]
  const cases: [number, number, number, number, number, string][] = [
    [1, 10, 1, 20, 5, 'ScaleUpLimit'], // max(1+4 pods, 1×200%) = 5
    [4, 10, 1, 20, 8, 'ScaleUpLimit'], // max(8, 8)
    [4, 10, 1, 6, 6, 'TooManyReplicas'],
    [10, 0, 1, 20, 1, 'TooFewReplicas'], // 100%/15 s allows all the way down; min 1
    [5, 3, 1, 20, 3, 'DesiredWithinRange'],
  ];
  for (const [current, desired, min, max, want, reason] of cases) {
    const r = limitRate(current, desired, min, max, up, down, [], [], now);
    assert.deepEqual([r.replicas, r.reason], [want, reason], `${current}→${desired}`);
  }
  // Replicas added within the period count against it: 2 → 4 a moment ago, now 4 → 10: start 2, +4 = 6 or 200% = 4 → 6.
  assert.equal(limitRate(4, 10, 1, 20, up, down, [{ atMs: now - 5000, change: 2 }], [], now).replicas, 6);
  const slowDown = scaleDownRules({ policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] });
  assert.deepEqual(limitRate(5, 1, 1, 10, up, slowDown, [], [], now).reason, 'ScaleDownLimit');
  assert.equal(limitRate(5, 1, 1, 10, up, slowDown, [], [], now).replicas, 4);
  assert.equal(limitRate(5, 1, 1, 10, up, slowDown, [], [{ atMs: now - 30_000, change: 1 }], now).replicas, 5, 'one removed in the period already');
  assert.equal(limitRate(2, 5, 1, 10, scaleUpRules({ selectPolicy: 'Disabled' }), down, [], [], now).reason, 'ScaleUpDisabled');
});
