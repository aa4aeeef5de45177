import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../api/apps.js';
import { deployment, rs } from '../testing/deployment-objects.js';
import { cleanupPlan, isScalingEvent, newRSNewReplicas, reconcileNewReplicaSet, reconcileOldReplicaSets, scalePlan, proportion, type ScaleOp } from './deployment-scaling.js';

const sizes = (ops: ScaleOp[]): Record<string, number> => Object.fromEntries(ops.map((o): [string, number] => [o.rs.metadata.name ?? '', o.replicas]));

describe('deployment scaling decisions', () => {
  it('the new RS grows up to replicas+maxSurge pods in all, never past replicas', () => {
    // replicas, surge, unavailable, old size, new size → new RS size
    const table: [number, number | string, number | string, number, number, number][] = [
      [10, '25%', '25%', 10, 0, 3],
      [10, '25%', '25%', 8, 3, 5],
      [10, 0, 1, 10, 0, 0],
      [10, 0, 1, 9, 0, 1],
      [3, 5, 0, 3, 0, 3],
      [3, 1, 0, 3, 1, 1],
      [1, '25%', '25%', 1, 0, 1],
    ];
    for (const [replicas, s, u, oldSize, newSize, want] of table) {
      const d = deployment(replicas, s, u);
      const old = rs('old', oldSize, oldSize);
      const nw = rs('new', newSize, 0);
      assert.equal(newRSNewReplicas(d, [old, nw], nw), want, `${replicas} ${s}/${u} old=${oldSize} new=${newSize}`);
    }
    // A new RS larger than the deployment is scaled down to it.
    assert.deepEqual(sizes([reconcileNewReplicaSet(deployment(2), [rs('new', 5, 5)], rs('new', 5, 5))!]), { new: 2 });
    assert.equal(reconcileNewReplicaSet(deployment(2), [rs('new', 2, 0)], rs('new', 2, 0)), undefined);
  });

  it('old RSs go down only as far as maxUnavailable allows: unhealthy replicas first, oldest RS first', () => {
    // replicas 10, maxUnavailable 2 (25% rounds down), surge 3: minAvailable 8.
    const d = deployment(10);
    // New RS of 3, none available yet: total 13, can lose 13-8-3 = 2 from the old ones.
    assert.deepEqual(sizes(reconcileOldReplicaSets(d, [rs('old', 10, 10)], rs('new', 3, 0))), { old: 8 });
    // The new ones became available: 10 old + 3 new available, 5 may go.
    assert.deepEqual(sizes(reconcileOldReplicaSets(d, [rs('old', 10, 10)], rs('new', 3, 3))), { old: 5 });
    // Nothing can go while availability sits at the minimum.
    assert.deepEqual(reconcileOldReplicaSets(d, [rs('old', 8, 8)], rs('new', 5, 0)), []);
    // Unhealthy old replicas are removed first and do not count against availability.
    assert.deepEqual(sizes(reconcileOldReplicaSets(d, [rs('a', 4, 1, { created: 1 }), rs('b', 6, 6, { created: 2 })], rs('new', 3, 3))), { a: 0, b: 5 });
    // Oldest RS first when several are old.
    assert.deepEqual(sizes(reconcileOldReplicaSets(deployment(4, 1, 1), [rs('b', 2, 2, { created: 2 }), rs('a', 2, 2, { created: 1 })], rs('new', 1, 1))), { a: 0 });
    assert.deepEqual(reconcileOldReplicaSets(d, [rs('old', 0, 0)], rs('new', 10, 10)), []);
  });

  for (const [replicas, s, u] of [
    [10, '25%', '25%'],
    [5, 1, 0],
    [5, 0, 1],
    [4, '50%', '50%'],
    [3, 0, 0],
    [7, 2, 3],
    [1, '25%', '25%'],
  ] as [number, number | string, number | string][]) {
    it(`a whole rolling update of ${replicas} with maxSurge ${s} maxUnavailable ${u} keeps both bounds at every step`, () => {
      const d = deployment(replicas, s, u);
      const surge = typeof s === 'number' ? s : Math.ceil((parseInt(s) * replicas) / 100);
      let unavail = typeof u === 'number' ? u : Math.floor((parseInt(u) * replicas) / 100);
      if (surge === 0 && unavail === 0) unavail = 1;
      let old = rs('old', replicas, replicas);
      let nw = rs('new', 0, 0, { created: 5 });
      const world = (x: ReplicaSet, avail: boolean): ReplicaSet => {
        const n = x.spec!.replicas!;
        const a = avail ? n : Math.min(n, x.status!.availableReplicas ?? 0);
        return { ...x, status: { replicas: n, availableReplicas: a, readyReplicas: a } };
      };
      for (let step = 0; step < 100; step++) {
        const all = [old, nw];
        const up = reconcileNewReplicaSet(d, all, nw);
        const ops = up ? [up] : reconcileOldReplicaSets(d, [old], nw);
        if (!ops.length) break;
        for (const o of ops) {
          if (o.rs.metadata.name === 'new') nw = { ...nw, spec: { ...nw.spec!, replicas: o.replicas } };
          else old = { ...old, spec: { ...old.spec!, replicas: o.replicas } };
        }
        // Scale-downs take effect at once; new pods exist at once but are not yet available.
        old = world(old, true);
        nw = world(nw, false);
        const pods = old.status!.replicas + nw.status!.replicas;
        const available = old.status!.availableReplicas! + nw.status!.availableReplicas!;
        assert.ok(pods <= replicas + surge, `step ${step}: ${pods} pods > ${replicas}+${surge}`);
        assert.ok(available >= replicas - unavail, `step ${step}: ${available} available < ${replicas}-${unavail}`);
        // Then the new pods become ready.
        nw = world(nw, true);
      }
      assert.equal(nw.spec?.replicas, replicas, 'the new RS ends at replicas');
      assert.equal(old.spec?.replicas, 0, 'the old RS ends at 0');
    });
  }

  it('proportional scaling mid-rollout: the difference shared by size, leftovers to the largest', () => {
    // A 10-replica rollout (surge 3) with old 8 and new 5 (max-replicas 13), scaled to 15 (surge 4): 19 allowed.
    const d = deployment(15, 3, 2);
    const old = rs('old', 8, 8, { created: 1, maxReplicas: 13, desired: 10 });
    const nw = rs('new', 5, 0, { created: 2, maxReplicas: 13, desired: 10 });
    const plan = sizes(scalePlan(d, nw, [old]));
    assert.equal(plan.old + plan.new, 18, 'replicas+maxSurge in all');
    assert.deepEqual(plan, { old: 11, new: 7 });
    // Scaled down to 5 (surge 3): 8 allowed.
    const down = sizes(scalePlan(deployment(5, 3, 2), nw, [old]));
    assert.equal(down.old + down.new, 8);
    assert.deepEqual(down, { old: 5, new: 3 });
    // One active RS takes the whole size; a saturated new one sends the old to 0.
    assert.deepEqual(sizes(scalePlan(deployment(6), rs('new', 3, 3), [rs('old', 0, 0)])), { new: 6 });
    assert.deepEqual(scalePlan(deployment(3), rs('new', 3, 3), []), []);
    assert.deepEqual(sizes(scalePlan(deployment(3), rs('new', 3, 3, { desired: 3 }), [rs('old', 1, 1)])), { old: 0 });
    // To 0: everything to 0.
    assert.deepEqual(sizes(scalePlan(deployment(0), nw, [old])), { old: 0, new: 0 });
    assert.equal(proportion(old, deployment(15, 3, 2), 5, 0), 3);
  });

  it('a scaling event is a desired-replicas annotation that differs from spec.replicas', () => {
    assert.equal(isScalingEvent(deployment(5), rs('new', 3, 3, { desired: 3 }), []), true);
    assert.equal(isScalingEvent(deployment(3), rs('new', 3, 3, { desired: 3 }), []), false);
    assert.equal(isScalingEvent(deployment(5), rs('new', 0, 0, { desired: 3 }), []), false, 'inactive RSs do not count');
  });

  it('cleanup deletes the lowest revisions beyond the limit, only when fully scaled down and observed', () => {
    const d = deployment(3, 1, 0, { revisionHistoryLimit: 2 });
    const olds = [1, 2, 3, 4].map((r) => rs(`r${r}`, 0, 0, { revision: r, created: r }));
    assert.deepEqual(cleanupPlan(d, olds).map((x) => x.metadata.name), ['r1', 'r2']);
    const busy = { ...olds[0], status: { ...olds[0].status!, replicas: 1 } };
    assert.deepEqual(cleanupPlan(d, [busy, ...olds.slice(1)]).map((x) => x.metadata.name), ['r2'], 'one with pods is kept (and still counts)');
    const unobserved = { ...olds[0], metadata: { ...olds[0].metadata, generation: 2 } };
    assert.deepEqual(cleanupPlan(d, [unobserved, ...olds.slice(1)]).map((x) => x.metadata.name), ['r2']);
    assert.deepEqual(cleanupPlan(deployment(3, 1, 0, { revisionHistoryLimit: 0 }), olds).length, 4);
    assert.deepEqual(cleanupPlan(deployment(3), olds), [], 'no limit, no cleanup');
  });
});
