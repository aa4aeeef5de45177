import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../api/batch.js';
import type { Pod } from '../api/core.js';
import {
  completionsReached,
  deadlineState,
  formatIndexes,
  isPodFailed,
  matchPodFailurePolicy,
  parseIndexes,
  pastBackoffLimitOnFailure,
  pendingIndexes,
  podCompletionIndex,
  podFailureBackoffMs,
  remainingBackoffMs,
  setCondition,
  ttlExpiryMs,
  updateBackoff,
  wantActive,
} from './job-logic.js';
import { podForJob } from './job-pod.js';

const job = (spec: Partial<NonNullable<Job['spec']>> = {}, status: Job['status'] = {}): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j', namespace: 'ns', uid: 'u1' },
  spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } }, ...spec },
  status,
});

const failedPod = (exitCode: number, extra: Partial<Pod> = {}, container = 'c'): Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  status: { phase: 'Failed', containerStatuses: [{ name: container, ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode, finishedAt: '2026-01-01T00:00:10Z' } } }] },
  ...extra,
});

describe('job: how many pods to want', () => {
  const cases: [string, Partial<NonNullable<Job['spec']>>, number, number, number][] = [
    ['completions 5 parallelism 2, none done', { completions: 5, parallelism: 2 }, 0, 0, 2],
    ['completions 5 parallelism 2, 4 done: only 1 left', { completions: 5, parallelism: 2 }, 4, 1, 1],
    ['completions 5, all done', { completions: 5, parallelism: 2 }, 5, 0, 0],
    ['more succeeded than completions never goes negative', { completions: 1, parallelism: 3 }, 2, 0, 0],
    ['no completions (work queue): parallelism until a success', { parallelism: 3 }, 0, 1, 3],
    ['no completions: after a success, only those running', { parallelism: 3 }, 1, 2, 2],
    ['parallelism 0 (paused)', { completions: 3, parallelism: 0 }, 0, 0, 0],
    ['defaults: 1', {}, 0, 0, 1],
  ];
  for (const [name, spec, succeeded, active, want] of cases) it(name, () => assert.equal(wantActive(job(spec), succeeded, active), want));

  it('completion: completions reached, or (no completions) a success with none active', () => {
    assert.equal(completionsReached(job({ completions: 3 }), 3, 0), true);
    assert.equal(completionsReached(job({ completions: 3 }), 2, 1), false);
    assert.equal(completionsReached(job({}), 1, 1), false);
    assert.equal(completionsReached(job({}), 1, 0), true);
    assert.equal(completionsReached(job({}), 0, 0), false);
  });
});

describe('job: pod failure back-off', () => {
  it('10 s doubling, capped at 6 min', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 100, 5000].map(podFailureBackoffMs), [0, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 360_000, 360_000, 360_000]);
  });
  it('counts failures after the last success, in finish order', () => {
    let r = updateBackoff({ failuresAfterLastSuccess: 0 }, [
      { succeeded: false, finishedAtMs: 1000 },
      { succeeded: false, finishedAtMs: 3000 },
    ]);
    assert.deepEqual(r, { failuresAfterLastSuccess: 2, lastFailureTimeMs: 3000 });
    assert.equal(remainingBackoffMs(r, 3000), 20_000);
    assert.equal(remainingBackoffMs(r, 13_000), 10_000);
    assert.equal(remainingBackoffMs(r, 30_000), 0);
    // A success after the failures resets; one before them does not.
    r = updateBackoff(r, [{ succeeded: true, finishedAtMs: 4000 }]);
    assert.deepEqual(r, { failuresAfterLastSuccess: 0 });
    r = updateBackoff({ failuresAfterLastSuccess: 0 }, [
      { succeeded: false, finishedAtMs: 9000 },
      { succeeded: true, finishedAtMs: 5000 },
    ]);
    assert.equal(r.failuresAfterLastSuccess, 1);
  });
});

describe('job: failures', () => {
  it('a deleted unfinished pod counts as failed (never lost), unless podReplacementPolicy Failed', () => {
    const deleting: Pod = { metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } };
    assert.equal(isPodFailed(deleting, job()), true);
    assert.equal(isPodFailed(deleting, job({ podReplacementPolicy: 'Failed' })), false);
    assert.equal(isPodFailed({ ...deleting, status: { phase: 'Succeeded' } }, job()), false);
    assert.equal(isPodFailed({ metadata: {}, status: { phase: 'Failed' } }, job({ podReplacementPolicy: 'Failed' })), true);
  });

  it('restartPolicy OnFailure: restarts of running pods count toward backoffLimit', () => {
    const running = (restarts: number): Pod => ({ metadata: {}, status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: restarts, image: '', imageID: '' }] } });
    const onFailure = (backoffLimit: number) => job({ backoffLimit, template: { spec: { containers: [], restartPolicy: 'OnFailure' } } });
    assert.equal(pastBackoffLimitOnFailure(onFailure(2), [running(1)]), false);
    assert.equal(pastBackoffLimitOnFailure(onFailure(2), [running(1), running(1)]), true);
    assert.equal(pastBackoffLimitOnFailure(onFailure(0), [running(1)]), true);
    assert.equal(pastBackoffLimitOnFailure(onFailure(0), [running(0)]), false);
    assert.equal(pastBackoffLimitOnFailure(job({ backoffLimit: 1 }), [running(5)]), false, 'restartPolicy Never: restarts do not count');
  });

  const policy = job({
    podFailurePolicy: {
      rules: [
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
        { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
        { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
      ],
    },
  });
  const cases: [string, Pod, string | undefined, string?][] = [
    ['exit code In, named container: FailJob', failedPod(42, {}, 'main'), 'FailJob', 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1'],
    ['other container with the same code: next rule (NotIn 1,2 matches 42)', failedPod(42, {}, 'side'), 'Count'],
    ['exit 1: no rule matches', failedPod(1), undefined],
    ['exit 0 is never matched', failedPod(0), undefined],
    [
      'pod condition DisruptionTarget: Ignore (first rule wins)',
      { ...failedPod(42, {}, 'main'), status: { ...failedPod(42, {}, 'main').status, conditions: [{ type: 'DisruptionTarget', status: 'True' }] } },
      'Ignore',
      'Pod ns/p has condition DisruptionTarget matching Ignore rule at index 0',
    ],
    ['condition with status False does not match the default True', { ...failedPod(1), status: { ...failedPod(1).status, conditions: [{ type: 'DisruptionTarget', status: 'False' }] } }, undefined],
  ];
  for (const [name, pod, action, message] of cases) {
    it(`podFailurePolicy: ${name}`, () => {
      const m = matchPodFailurePolicy(policy, pod);
      assert.equal(m?.action, action);
      if (message) assert.equal(m?.message, message);
    });
  }
});

describe('job: indexed bookkeeping', () => {
  const cases: [number[], string][] = [
    [[], ''],
    [[0], '0'],
    [[0, 1, 2, 4], '0-2,4'],
    [[7, 3, 1, 2, 9, 8], '1-3,7-9'],
    [[5, 5, 6], '5-6'],
  ];
  for (const [xs, s] of cases) {
    it(`formats ${JSON.stringify(xs)} as "${s}" and parses it back`, () => {
      assert.equal(formatIndexes(xs), s);
      assert.deepEqual([...parseIndexes(s, 100)].sort((a, b) => a - b), [...new Set(xs)].sort((a, b) => a - b));
    });
  }
  it('parsing drops indexes out of range and garbage', () => {
    assert.deepEqual([...parseIndexes('0-2,4,9,x,3-', 5)], [0, 1, 2, 4]);
  });
  it('pending indexes: the lowest not completed and not running', () => {
    assert.deepEqual(pendingIndexes(6, new Set([0, 2]), new Set([1]), 2), [3, 4]);
    assert.deepEqual(pendingIndexes(3, new Set([0, 1, 2]), new Set(), 5), []);
  });
  it('a pod index comes from the annotation and must be a valid index', () => {
    const p = (v: string): Pod => ({ metadata: { annotations: { 'batch.kubernetes.io/job-completion-index': v } } });
    assert.equal(podCompletionIndex(p('3'), 5), 3);
    assert.equal(podCompletionIndex(p('5'), 5), undefined);
    assert.equal(podCompletionIndex(p('-1'), 5), undefined);
    assert.equal(podCompletionIndex(p('01'), 5), undefined);
    assert.equal(podCompletionIndex(p('1e3'), 5000), undefined);
  });
  it('an indexed pod: hostname <job>-<index>, index annotation and label, JOB_COMPLETION_INDEX from the downward API, tracking finalizer', () => {
    const pod = podForJob(job({ completionMode: 'Indexed', completions: 3 }), 2);
    assert.equal(pod.metadata?.generateName, 'j-2-');
    assert.equal(pod.spec?.hostname, 'j-2');
    assert.equal(pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(pod.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], '2');
    assert.deepEqual(pod.spec?.containers[0]?.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    assert.deepEqual(pod.metadata?.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    const plain = podForJob(job());
    assert.equal(plain.metadata?.generateName, 'j-');
    assert.equal(plain.spec?.hostname, undefined);
    assert.equal(plain.spec?.containers[0]?.env, undefined);
  });
});

describe('job: conditions and deadlines', () => {
  it('setCondition appends, changes status with a new transition time, and is idempotent', () => {
    const conds: NonNullable<NonNullable<Job['status']>['conditions']> = [];
    assert.equal(setCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', 't1'), true);
    assert.equal(setCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', 't2'), false);
    assert.equal(conds[0]?.lastTransitionTime, 't1');
    assert.equal(setCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', 't3'), true);
    assert.deepEqual(conds, [{ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed', lastProbeTime: 't3', lastTransitionTime: 't3' }]);
  });
  it('activeDeadlineSeconds counts from startTime', () => {
    const j = job({ activeDeadlineSeconds: 30 }, { startTime: '2026-01-01T00:00:00Z' });
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    assert.deepEqual(deadlineState(j, t0 + 10_000), { exceeded: false, remainingMs: 20_000 });
    assert.deepEqual(deadlineState(j, t0 + 30_000), { exceeded: true });
    assert.deepEqual(deadlineState(job({}, { startTime: '2026-01-01T00:00:00Z' }), t0 + 1e9), { exceeded: false });
  });
  it('TTL expiry: finish time + ttl, only for finished jobs not being deleted', () => {
    const finished = job({ ttlSecondsAfterFinished: 60 }, { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
    assert.equal(ttlExpiryMs(finished), Date.parse('2026-01-01T00:01:00Z'));
    assert.equal(ttlExpiryMs({ ...finished, spec: { ...finished.spec!, ttlSecondsAfterFinished: undefined } }), undefined);
    assert.equal(ttlExpiryMs(job({ ttlSecondsAfterFinished: 0 }, { conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] })), Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(ttlExpiryMs(job({ ttlSecondsAfterFinished: 0 }, { conditions: [{ type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] })), undefined);
    assert.equal(ttlExpiryMs({ ...finished, metadata: { ...finished.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }), undefined);
  });
});
