import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from './batch.js';
import { tableColumns, toTable } from './kinds.js';
import type { KubeObject } from './meta.js';

const NOW = new Date('2026-12-07T15:00:00Z');
const created = '2026-12-07T14:55:00Z';
const ko = (o: Job | CronJob): KubeObject => o as unknown as KubeObject;

function job(spec: Partial<Job['spec']>, status: Job['status'] = {}, deleting = false): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', creationTimestamp: created, ...(deleting ? { deletionTimestamp: NOW.toISOString() } : {}) },
    spec: { template: { spec: { containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'alpine' }] } }, ...spec },
    status,
  };
}

test('job columns', () => {
  assert.deepEqual(tableColumns('Job').map((c) => `${c.name}/${c.priority}`), ['Name/0', 'Status/0', 'Completions/0', 'Duration/0', 'Age/0', 'Containers/1', 'Images/1', 'Selector/1']);
  const cond = (type: string, status = 'True') => ({ type, status: status as 'True' });
  const cases: [string, Job, unknown[]][] = [
    ['fresh', job({ completions: 1, parallelism: 1 }), ['pi', 'Running', '0/1', '', '5m']],
    ['running for 2m', job({ completions: 3 }, { succeeded: 1, startTime: '2026-12-07T14:58:00Z' }), ['pi', 'Running', '1/3', '2m', '5m']],
    ['complete', job({ completions: 1 }, { succeeded: 1, startTime: '2026-12-07T14:56:00Z', completionTime: '2026-12-07T14:56:12Z', conditions: [cond('SuccessCriteriaMet'), cond('Complete')] }), ['pi', 'Complete', '1/1', '12s', '5m']],
    ['failed', job({ completions: 1 }, { conditions: [cond('FailureTarget'), cond('Failed')] }), ['pi', 'Failed', '0/1', '', '5m']],
    ['a False condition does not count', job({ completions: 1 }, { conditions: [cond('Complete', 'False')] }), ['pi', 'Running', '0/1', '', '5m']],
    ['suspended', job({ completions: 1 }, { conditions: [cond('Suspended')] }), ['pi', 'Suspended', '0/1', '', '5m']],
    ['terminating', job({ completions: 1 }, { conditions: [cond('Suspended')] }, true), ['pi', 'Terminating', '0/1', '', '5m']],
    ['work queue', job({ parallelism: 3 }, { succeeded: 2 }), ['pi', 'Running', '2/1 of 3', '', '5m']],
    ['work queue of one', job({ parallelism: 1 }), ['pi', 'Running', '0/1', '', '5m']],
  ];
  for (const [name, j, want] of cases) {
    const row = toTable('Job', [ko(j)], { now: NOW }).rows[0].cells;
    assert.deepEqual(row.slice(0, 5), want, name);
  }
  const wide = toTable('Job', [ko(job({ selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' }, matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['b', 'a'] }] } }))], { now: NOW }).rows[0].cells;
  assert.deepEqual(wide.slice(5), ['a,b', 'busybox,alpine', 'batch.kubernetes.io/controller-uid=u,x notin (a,b)']);
  assert.equal(toTable('Job', [ko(job({}))], { now: NOW }).rows[0].cells[7], '<none>');
});

test('cronjob columns', () => {
  assert.deepEqual(tableColumns('CronJob').map((c) => c.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
  const cj = (spec: Partial<CronJob['spec']>, status: CronJob['status'] = {}): CronJob => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'c', namespace: 'default', creationTimestamp: created },
    spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
    status,
  });
  const cases: [string, CronJob, unknown[]][] = [
    ['new', cj({ suspend: false }), ['c', '*/1 * * * *', '<none>', 'False', 0, '<none>', '5m', 'c', 'busybox', '<none>']],
    ['suspend unset', cj({}), ['c', '*/1 * * * *', '<none>', '<unset>', 0, '<none>', '5m', 'c', 'busybox', '<none>']],
    ['zoned, active, scheduled', cj({ suspend: true, timeZone: 'Europe/Berlin' }, { active: [{ name: 'c-1' }, { name: 'c-2' }], lastScheduleTime: '2026-12-07T14:59:00Z' }), ['c', '*/1 * * * *', 'Europe/Berlin', 'True', 2, '60s', '5m', 'c', 'busybox', '<none>']],
  ];
  for (const [name, c, want] of cases) assert.deepEqual(toTable('CronJob', [ko(c)], { now: NOW }).rows[0].cells, want, name);
});
