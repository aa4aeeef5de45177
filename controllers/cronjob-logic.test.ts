import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CronJob, Job } from '../api/batch.js';
import { parseCronSchedule } from '../api/cron-schedule.js';
import { concurrencyAction, formatInZone, jobNameFor, jobsOverHistoryLimits, mostRecentScheduleTime, nextScheduleDelayMs } from './cronjob-logic.js';

const T = (s: string) => Date.parse(s);
const cron = (spec: Partial<NonNullable<CronJob['spec']>>, status: CronJob['status'] = {}, created = '2026-03-01T00:00:00Z'): CronJob => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'c', namespace: 'ns', uid: 'cu', creationTimestamp: created },
  spec: { schedule: '*/5 * * * *', timeZone: 'UTC', jobTemplate: { spec: { template: {} } }, ...spec },
  status,
});

describe('cronjob: which scheduled time is due', () => {
  const every5 = parseCronSchedule('*/5 * * * *');
  const cases: [string, CronJob, string, string | undefined, string][] = [
    ['before the first time: nothing due', cron({}), '2026-03-01T00:04:59Z', undefined, 'none'],
    ['exactly at the first time', cron({}), '2026-03-01T00:05:00Z', '2026-03-01T00:05:00Z', 'none'],
    ['between first and second: the first', cron({}), '2026-03-01T00:07:00Z', '2026-03-01T00:05:00Z', 'none'],
    ['several missed: the latest', cron({}), '2026-03-01T00:31:00Z', '2026-03-01T00:30:00Z', 'few'],
    ['counted from lastScheduleTime', cron({}, { lastScheduleTime: '2026-03-01T00:30:00Z' }), '2026-03-01T00:34:00Z', undefined, 'none'],
    ['more than 100 missed', cron({}), '2026-03-02T00:00:30Z', '2026-03-02T00:00:00Z', 'many'],
    ['startingDeadlineSeconds bounds how far back it looks', cron({ startingDeadlineSeconds: 200 }), '2026-03-02T00:00:30Z', '2026-03-02T00:00:00Z', 'none'],
  ];
  for (const [name, cj, now, want, missed] of cases) {
    it(name, () => {
      const r = mostRecentScheduleTime(cj, T(now), every5, true);
      assert.equal(r.mostRecentMs, want === undefined ? undefined : T(want));
      assert.equal(r.missed, missed);
    });
  }

  it('requeues for the next time (plus 100 ms), never polling', () => {
    assert.equal(nextScheduleDelayMs(cron({}), T('2026-03-01T00:04:00Z'), every5), 60_100);
    assert.equal(nextScheduleDelayMs(cron({}, { lastScheduleTime: '2026-03-01T00:05:00Z' }), T('2026-03-01T00:05:00.500Z'), every5), 5 * 60_000 - 400);
  });

  it('DST in the CronJob zone: 02:30 daily is skipped the night clocks jump, fires once on fall-back', () => {
    const s = parseCronSchedule('30 2 * * *');
    const ny = (status: CronJob['status']) => cron({ timeZone: 'America/New_York', schedule: '30 2 * * *' }, status, '2026-03-07T00:00:00Z');
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that day.
    const r = mostRecentScheduleTime(ny({ lastScheduleTime: '2026-03-07T07:30:00Z' }), T('2026-03-09T06:00:00Z'), s, false);
    assert.equal(r.mostRecentMs, undefined, 'nothing due between 7 March 02:30 EST and 9 March 02:00 EDT');
    const next = mostRecentScheduleTime(ny({ lastScheduleTime: '2026-03-07T07:30:00Z' }), T('2026-03-09T06:30:00Z'), s, false);
    assert.equal(next.mostRecentMs, T('2026-03-09T06:30:00Z'), '9 March 02:30 EDT');
    assert.equal(formatInZone(T('2026-03-09T06:30:00Z'), 'America/New_York'), '2026-03-09T02:30:00-04:00');
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 02:30 comes once, at EST.
    const fall = mostRecentScheduleTime(ny({ lastScheduleTime: '2026-10-31T06:30:00Z' }), T('2026-11-01T09:00:00Z'), s, false);
    assert.equal(fall.mostRecentMs, T('2026-11-01T07:30:00Z'));
    assert.equal(fall.missed, 'none');
  });
});

describe('cronjob: concurrencyPolicy', () => {
  const cases: [string | undefined, number, string][] = [
    [undefined, 0, 'create'],
    [undefined, 2, 'create'],
    ['Allow', 1, 'create'],
    ['Forbid', 0, 'create'],
    ['Forbid', 1, 'skip'],
    ['Replace', 0, 'create'],
    ['Replace', 3, 'replace'],
  ];
  for (const [policy, active, want] of cases) it(`${policy ?? '(default Allow)'} with ${active} active: ${want}`, () => assert.equal(concurrencyAction(policy, active), want));
});

describe('cronjob: names, annotation, history', () => {
  it('job name is <cronjob>-<minutes since the epoch>', () => {
    assert.equal(jobNameFor(cron({}), T('2026-03-01T00:05:00Z')), `c-${T('2026-03-01T00:05:00Z') / 60000}`);
  });
  it('scheduled timestamp is RFC 3339 in the zone (Z for UTC, offsets otherwise)', () => {
    assert.equal(formatInZone(T('2026-03-01T00:05:00Z'), 'UTC'), '2026-03-01T00:05:00Z');
    assert.equal(formatInZone(T('2026-07-01T00:05:00Z'), 'Europe/Berlin'), '2026-07-01T02:05:00+02:00');
    assert.equal(formatInZone(T('2026-07-01T00:05:00Z'), 'Asia/Kolkata'), '2026-07-01T05:35:00+05:30');
  });
  it('history limits remove the oldest finished jobs of each kind; running jobs stay', () => {
    const j = (name: string, start: string | undefined, cond?: 'Complete' | 'Failed'): Job => ({
      metadata: { name },
      status: { ...(start ? { startTime: start } : {}), ...(cond ? { conditions: [{ type: cond, status: 'True' }] } : {}) },
    });
    const jobs = [
      j('s3', '2026-03-01T00:03:00Z', 'Complete'),
      j('s1', '2026-03-01T00:01:00Z', 'Complete'),
      j('s2', '2026-03-01T00:02:00Z', 'Complete'),
      j('f1', '2026-03-01T00:01:00Z', 'Failed'),
      j('f2', undefined, 'Failed'),
      j('r', '2026-03-01T00:00:00Z'),
    ];
    const names = (cj: CronJob) => jobsOverHistoryLimits(cj, jobs).map((x) => x.metadata?.name);
    assert.deepEqual(names(cron({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 })), ['s1', 's2', 'f1']);
    assert.deepEqual(names(cron({ successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0 })), ['s1', 's2', 's3', 'f1', 'f2']);
    assert.deepEqual(names(cron({})), [], 'no limits set: keep all');
  });
});
