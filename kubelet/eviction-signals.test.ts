import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Summary } from '../api/stats.js';
import { firstObserved, metGracePeriod, observe, pressureConditions, thresholdsMet } from './eviction-signals.js';
import { parseThresholds } from './eviction-thresholds.js';

const Mi = 1024 ** 2;
const at = '2026-01-01T00:00:00Z';

export function summary(o: { memAvail?: number; memWs?: number; fsAvail?: number; fsCap?: number; inodesFree?: number; podWs?: number[] } = {}): Summary {
  return {
    node: {
      nodeName: 'n',
      startTime: at,
      memory: { time: at, availableBytes: o.memAvail ?? 1000 * Mi, workingSetBytes: o.memWs ?? 1000 * Mi },
      fs: { time: at, availableBytes: o.fsAvail ?? 500 * Mi, capacityBytes: o.fsCap ?? 1000 * Mi, inodesFree: o.inodesFree ?? 900, inodes: 1000 },
      runtime: { imageFs: { time: at, availableBytes: o.fsAvail ?? 500 * Mi, capacityBytes: o.fsCap ?? 1000 * Mi, inodesFree: 900, inodes: 1000 } },
      rlimit: { time: at, maxpid: 4096, curproc: 100 },
    },
    pods: (o.podWs ?? []).map((ws, i) => ({ podRef: { name: `p${i}`, namespace: 'd', uid: `u${i}` }, startTime: at, containers: [], memory: { time: at, workingSetBytes: ws } })),
  };
}

test('signals from a Summary: available and capacity of each', () => {
  const obs = observe(summary({ podWs: [100 * Mi, 50 * Mi] }), 400 * Mi);
  assert.deepEqual(obs.get('memory.available'), { available: 1000 * Mi, capacity: 2000 * Mi });
  assert.deepEqual(obs.get('allocatableMemory.available'), { available: 250 * Mi, capacity: 400 * Mi });
  assert.deepEqual(obs.get('nodefs.available'), { available: 500 * Mi, capacity: 1000 * Mi });
  assert.deepEqual(obs.get('nodefs.inodesFree'), { available: 900, capacity: 1000 });
  assert.deepEqual(obs.get('imagefs.available'), { available: 500 * Mi, capacity: 1000 * Mi });
  assert.deepEqual(obs.get('pid.available'), { available: 3996, capacity: 4096 });
  assert.equal(observe(summary()).has('allocatableMemory.available'), false);
});

test('thresholds met, with the minimum reclaim while resolving', () => {
  const t = parseThresholds({ hard: 'nodefs.available<10%', minimumReclaim: 'nodefs.available=100Mi' });
  assert.equal(thresholdsMet(t, observe(summary({ fsAvail: 150 * Mi })), false).length, 0);
  assert.equal(thresholdsMet(t, observe(summary({ fsAvail: 150 * Mi })), true).length, 1, '150Mi < 100Mi + 100Mi');
  assert.equal(thresholdsMet(t, observe(summary({ fsAvail: 99 * Mi })), false).length, 1);
});

test('soft thresholds count only after their grace period', () => {
  const t = parseThresholds({ hard: 'memory.available<10Mi', soft: 'memory.available<2Gi', softGracePeriod: 'memory.available=30s' });
  const met = thresholdsMet(t, observe(summary()), false);
  assert.deepEqual(met.map((x) => x.gracePeriodMs), [30_000]);
  const first = firstObserved(met, new Map(), 1000);
  assert.equal(metGracePeriod(met, first, 20_000).length, 0);
  const again = firstObserved(met, first, 31_000);
  assert.equal(metGracePeriod(met, again, 31_000).length, 1);
});

test('a pressure condition stays for the transition period after its threshold clears', () => {
  const t = parseThresholds({ hard: 'nodefs.available<10%' });
  const met = thresholdsMet(t, observe(summary({ fsAvail: 50 * Mi })), false);
  let s = pressureConditions(met, new Map(), 0, 5000);
  assert.deepEqual([...s.conditions], ['DiskPressure']);
  s = pressureConditions([], s.lastObserved, 4000, 5000);
  assert.deepEqual([...s.conditions], ['DiskPressure'], 'held');
  s = pressureConditions([], s.lastObserved, 5000, 5000);
  assert.deepEqual([...s.conditions], []);
});
