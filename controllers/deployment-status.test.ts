import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from '../api/apps.js';
import { deployment, rs } from '../testing/deployment-objects.js';
import { calculateStatus, getCondition, newCondition, pausedCondition, rolloutStatus, setCondition, stuckRequeueAfter } from './deployment-status.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function withDeadline(d: Deployment, seconds = 600): Deployment {
  return { ...d, spec: { ...d.spec!, progressDeadlineSeconds: seconds } };
}

describe('deployment status and conditions', () => {
  it('counts from the RSs and the Available condition with upstream wording', () => {
    const d = deployment(4); // maxUnavailable 1: 3 available is enough
    const s = calculateStatus([rs('old', 2, 2, { actual: 3 }), rs('new', 3, 1)], rs('new', 3, 1), d, T0);
    assert.equal(s.replicas, 6);
    assert.equal(s.updatedReplicas, 3);
    assert.equal(s.availableReplicas, 3);
    assert.equal(s.readyReplicas, 3);
    assert.equal(s.unavailableReplicas, 2);
    assert.equal(s.observedGeneration, 1);
    assert.deepEqual(getCondition(s, 'Available'), { type: 'Available', status: 'True', lastUpdateTime: iso(T0), lastTransitionTime: iso(T0), reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    const low = calculateStatus([rs('new', 4, 2)], rs('new', 4, 2), d, T0);
    assert.equal(getCondition(low, 'Available')?.reason, 'MinimumReplicasUnavailable');
    assert.equal(getCondition(low, 'Available')?.message, 'Deployment does not have minimum availability.');
    assert.equal(getCondition(low, 'Available')?.status, 'False');
  });

  it('setCondition keeps a condition with the same status and reason, and the transition time on the same status', () => {
    const s = { conditions: [newCondition('Progressing', 'True', 'A', 'm', T0)] };
    setCondition(s, newCondition('Progressing', 'True', 'A', 'other', T0 + 5000));
    assert.equal(s.conditions[0].message, 'm');
    setCondition(s, newCondition('Progressing', 'True', 'B', 'n', T0 + 5000));
    assert.equal(s.conditions[0].reason, 'B');
    assert.equal(s.conditions[0].lastTransitionTime, iso(T0));
    assert.equal(s.conditions[0].lastUpdateTime, iso(T0 + 5000));
    setCondition(s, newCondition('Progressing', 'False', 'C', 'o', T0 + 9000));
    assert.equal(s.conditions[0].lastTransitionTime, iso(T0 + 9000));
  });

  it('Progressing: progressing, complete, timed out, as upstream words them', () => {
    const nw = rs('web-abc', 3, 1);
    const d = withDeadline(deployment(3));
    d.status = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 0, readyReplicas: 0, conditions: [newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'Created new replica set "web-abc"', T0)] };
    const s1 = rolloutStatus([nw], nw, d, T0 + 1000);
    const p1 = getCondition(s1, 'Progressing')!;
    assert.equal(p1.reason, 'ReplicaSetUpdated');
    assert.equal(p1.message, 'ReplicaSet "web-abc" is progressing.');
    assert.equal(p1.lastTransitionTime, iso(T0), 'still True: the transition time stays');
    assert.equal(p1.lastUpdateTime, iso(T0 + 1000), 'progress moves the update time');

    // No progress since: not yet past the deadline, then past it.
    d.status = s1;
    assert.equal(getCondition(rolloutStatus([nw], nw, d, T0 + 60_000), 'Progressing')?.reason, 'ReplicaSetUpdated');
    const late = rolloutStatus([nw], nw, d, T0 + 1000 + 601_000);
    const p2 = getCondition(late, 'Progressing')!;
    assert.deepEqual([p2.status, p2.reason, p2.message], ['False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-abc" has timed out progressing.']);
    assert.equal(stuckRequeueAfter(d, s1, T0 + 1000), 601_000, 'looks again when the deadline passes');
    assert.equal(stuckRequeueAfter(d, late, T0 + 700_000), undefined);

    // All available: complete.
    const done = rs('web-abc', 3, 3);
    const s3 = rolloutStatus([done], done, d, T0 + 2000);
    const p3 = getCondition(s3, 'Progressing')!;
    assert.deepEqual([p3.status, p3.reason, p3.message], ['True', 'NewReplicaSetAvailable', 'ReplicaSet "web-abc" has successfully progressed.']);
    d.status = s3;
    assert.equal(getCondition(rolloutStatus([done], done, d, T0 + 10_000_000), 'Progressing')?.reason, 'NewReplicaSetAvailable', 'a complete rollout never times out');

    // Without a deadline there is no Progressing condition.
    const nd = deployment(3);
    nd.status = { conditions: [newCondition('Progressing', 'True', 'X', 'y', T0)] };
    assert.equal(getCondition(rolloutStatus([done], done, nd, T0), 'Progressing'), undefined);
  });

  it('ReplicaFailure of the new RS is carried up', () => {
    const bad = rs('n', 3, 0);
    bad.status!.conditions = [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: iso(T0) }];
    const s = rolloutStatus([bad], bad, withDeadline(deployment(3)), T0);
    assert.equal(getCondition(s, 'ReplicaFailure')?.message, 'quota');
  });

  it('paused and resumed conditions; a timed-out rollout keeps its condition', () => {
    const d = withDeadline(deployment(3, 1, 0, { paused: true }));
    const s = {};
    assert.equal(pausedCondition(d, s, T0), true);
    assert.deepEqual([getCondition(s, 'Progressing')?.status, getCondition(s, 'Progressing')?.reason, getCondition(s, 'Progressing')?.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);
    assert.equal(pausedCondition(d, s, T0), false, 'already paused');
    const resumed = withDeadline(deployment(3, 1, 0));
    assert.equal(pausedCondition(resumed, s, T0), true);
    assert.deepEqual([getCondition(s, 'Progressing')?.reason, getCondition(s, 'Progressing')?.message], ['DeploymentResumed', 'Deployment is resumed']);
    const timedOut = { conditions: [newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', 'x', T0)] };
    assert.equal(pausedCondition(d, timedOut, T0), false);
  });
});
