import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocatable, allocatableStrings, parseReservation } from './allocatable.js';
import { parseThresholds } from './eviction-thresholds.js';

const Gi = 1024 ** 3;
const Mi = 1024 ** 2;

test('allocatable = capacity − system-reserved − kube-reserved − hard eviction threshold', () => {
  const cap = { milliCPU: 2000, memory: 8 * Gi, ephemeralStorage: 100 * Gi };
  const sys = parseReservation('system-reserved', 'cpu=250m,memory=1Gi,ephemeral-storage=5Gi');
  const kube = parseReservation('kube-reserved', 'cpu=0.25,memory=512Mi');
  const a = allocatable(cap, [sys, kube], parseThresholds({}));
  assert.deepEqual(a, { milliCPU: 1500, memory: 8 * Gi - Gi - 512 * Mi - 100 * Mi, ephemeralStorage: 100 * Gi - 5 * Gi - 10 * Gi });
  assert.deepEqual(allocatableStrings(a), { cpu: '1500m', memory: '6556Mi', 'ephemeral-storage': '85Gi' });
  // Nothing reserved and no thresholds: capacity itself; never below zero.
  assert.deepEqual(allocatable(cap, [], []), cap);
  assert.equal(allocatable(cap, [parseReservation('system-reserved', 'memory=9Gi')], []).memory, 0);
});

test('bad reservations are refused', () => {
  for (const bad of ['gpu=1', 'memory', 'memory=lots', 'cpu=-1', 'memory=1Gi,memory=2Gi', '__proto__=1']) assert.throws(() => parseReservation('kube-reserved', bad), /--kube-reserved/, bad);
  assert.deepEqual(parseReservation('system-reserved', ''), {});
  assert.deepEqual(parseReservation('system-reserved', 'pid=100'), { pid: 100 });
});
