import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCron } from './cron.js';
import { startSnapshotSchedule } from './schedule.js';

test('the schedule takes a snapshot at each tick, then prunes; a failure is logged and the schedule goes on', async () => {
  const taken: Date[] = [];
  const logs: string[] = [];
  let pruned = 0;
  const sched = startSnapshotSchedule({
    schedule: parseCron('@every 1s'),
    take: (at) => {
      taken.push(at);
      return taken.length === 1 ? Promise.reject(new Error('etcd is down')) : Promise.resolve(`snap-${taken.length}`);
    },
    prune: () => {
      pruned++;
      return Promise.resolve(pruned === 1 ? ['old'] : []);
    },
    log: (m) => logs.push(m),
  });
  const deadline = Date.now() + 5000;
  while (taken.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await sched.stop();
  const n = taken.length;
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(taken.length, n, 'nothing runs after stop');
  assert.ok(n >= 3, `took ${n}`);
  for (let i = 1; i < n; i++) assert.equal(taken[i].getTime() - taken[i - 1].getTime(), 1000, 'one tick a second, on whole seconds');
  assert.equal(logs[0], 'etcd snapshot failed: etcd is down');
  assert.deepEqual(logs.slice(1, 3), ['etcd snapshot snap-2 saved', 'etcd snapshot pruned (retention): old'.replace('snapshot pruned', 'snapshots pruned')]);
});

test('a timer that fires a few ms before its tick does not take that tick twice', async () => {
  const taken: number[] = [];
  // A clock right when the timer is armed and 4 ms behind after: the first tick fires
  // "early" by its reckoning, as a Node timer may by a millisecond or so.
  let calls = 0;
  const sched = startSnapshotSchedule({
    schedule: parseCron('@every 1s'),
    take: (at) => {
      taken.push(at.getTime());
      return Promise.resolve('s');
    },
    prune: () => Promise.resolve([]),
    log: () => {},
    now: () => new Date(Date.now() - (calls++ === 0 ? 0 : 4)),
  });
  const deadline = Date.now() + 4000;
  while (taken.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await sched.stop();
  assert.ok(taken.length >= 2, `took ${taken.length}`);
  assert.equal(new Set(taken).size, taken.length, `a tick taken twice: ${taken.join(', ')}`);
});
