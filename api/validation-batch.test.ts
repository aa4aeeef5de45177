import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from './batch.js';
import { generateJobSelector } from './defaults-batch.js';
import { applyDefaults, validate, validateStatusUpdate } from './kinds.js';
import type { KubeObject, StatusCause } from './meta.js';

/** The typed objects as the kind-generic entry points take them. */
const ko = (o: Job | CronJob): KubeObject => o as unknown as KubeObject;

const UID = '0b6b6a32-0000-4000-8000-000000000001';

/** A Job as the apiserver has it before validation on create: defaulted, uid set, selector generated. */
function job(mut?: (j: Job) => void, opts: { generate?: boolean } = {}): Job {
  const j: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: UID },
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'busybox' }], restartPolicy: 'Never' } } },
  };
  mut?.(j);
  applyDefaults('Job', ko(j));
  if (opts.generate !== false) generateJobSelector(j);
  return j;
}

function cronJob(mut?: (c: CronJob) => void): CronJob {
  const c: CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'c', namespace: 'default' },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } } },
    },
  };
  mut?.(c);
  applyDefaults('CronJob', ko(c));
  return c;
}

const fmt = (errs: StatusCause[]) => JSON.stringify(errs.map((e) => `${e.reason} ${e.field}: ${e.message}`), null, 1);
function expectOnly(errs: StatusCause[], want: [string, string, string?][], what: string): void {
  for (const [reason, field, msg] of want) {
    assert.ok(
      errs.some((e) => e.reason === reason && e.field === field && (msg === undefined || e.message === msg)),
      `${what}: expected ${reason} at ${field}${msg ? ` "${msg}"` : ''}, got ${fmt(errs)}`,
    );
  }
  if (want.length === 0) assert.deepEqual(errs, [], `${what}: ${fmt(errs)}`);
}

test('Job defaults', () => {
  const cases: [string, (j: Job) => void, Partial<Record<string, unknown>>][] = [
    ['both unset', () => undefined, { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed' }],
    ['completions only', (j) => (j.spec!.completions = 5), { completions: 5, parallelism: 1 }],
    ['parallelism only', (j) => (j.spec!.parallelism = 3), { completions: undefined, parallelism: 3 }],
    ['per-index backoff', (j) => Object.assign(j.spec!, { completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 }), { backoffLimit: 2147483647 }],
    ['pod failure policy', (j) => (j.spec!.podFailurePolicy = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] }), { podReplacementPolicy: 'Failed' }],
  ];
  for (const [name, mut, want] of cases) {
    const j = job(mut, { generate: false });
    for (const [k, v] of Object.entries(want)) assert.deepEqual((j.spec as unknown as Record<string, unknown>)[k], v, `${name}: spec.${k}`);
  }
  assert.equal(job((j) => (j.spec!.podFailurePolicy = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'X' }] }] })).spec!.podFailurePolicy!.rules[0].onPodConditions![0].status, 'True');
  assert.equal(job().spec!.template.spec!.terminationGracePeriodSeconds, 30, 'the pod template is defaulted');
});

test('generated selector and labels', () => {
  const j = job();
  assert.deepEqual(j.spec!.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } });
  assert.deepEqual(j.spec!.template.metadata!.labels, {
    'batch.kubernetes.io/controller-uid': UID,
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': UID,
    'job-name': 'pi',
  });
  // manualSelector: nothing generated, and the user's selector must match the template.
  const m = job((x) => Object.assign(x.spec!, { manualSelector: true, selector: { matchLabels: { a: 'b' } } }));
  assert.deepEqual(m.spec!.selector, { matchLabels: { a: 'b' } });
  assert.equal(m.spec!.template.metadata!.labels, undefined);
  expectOnly(validate('Job', ko(m)), [['FieldValueInvalid', 'spec.template.metadata.labels', 'Invalid value: {}: `selector` does not match template `labels`']], 'manual mismatch');
  const ok = job((x) => Object.assign(x.spec!, { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { ...x.spec!.template, metadata: { labels: { a: 'b' } } } }));
  expectOnly(validate('Job', ko(ok)), [], 'manual match');
});

test('Job validation on create', () => {
  const cases: [string, (j: Job) => void, [string, string, string?][]][] = [
    ['valid', () => undefined, []],
    ['restartPolicy unset', (j) => delete j.spec!.template.spec!.restartPolicy, [['FieldValueRequired', 'spec.template.spec.restartPolicy', 'Required value: valid values: "OnFailure", "Never"']]],
    ['restartPolicy Always', (j) => (j.spec!.template.spec!.restartPolicy = 'Always'), [['FieldValueRequired', 'spec.template.spec.restartPolicy']]],
    ['restartPolicy bogus', (j) => Object.assign(j.spec!.template.spec!, { restartPolicy: 'Sometimes' }), [['FieldValueNotSupported', 'spec.template.spec.restartPolicy', 'Unsupported value: "Sometimes": supported values: "OnFailure", "Never"']]],
    ['negative parallelism', (j) => (j.spec!.parallelism = -1), [['FieldValueInvalid', 'spec.parallelism', 'Invalid value: -1: must be greater than or equal to 0']]],
    ['negative backoffLimit', (j) => (j.spec!.backoffLimit = -1), [['FieldValueInvalid', 'spec.backoffLimit']]],
    ['Indexed without completions', (j) => Object.assign(j.spec!, { completionMode: 'Indexed', parallelism: 2 }), [['FieldValueRequired', 'spec.completions', 'Required value: when completion mode is Indexed']]],
    ['bad completionMode', (j) => Object.assign(j.spec!, { completionMode: 'Sometimes' }), [['FieldValueNotSupported', 'spec.completionMode']]],
    ['backoffLimitPerIndex without Indexed', (j) => (j.spec!.backoffLimitPerIndex = 1), [['FieldValueForbidden', 'spec.backoffLimitPerIndex', 'Forbidden: requires indexed completion mode']]],
    ['maxFailedIndexes without per-index limit', (j) => Object.assign(j.spec!, { completionMode: 'Indexed', completions: 3, maxFailedIndexes: 1 }), [['FieldValueRequired', 'spec.backoffLimitPerIndex']]],
    ['podReplacementPolicy bogus', (j) => Object.assign(j.spec!, { podReplacementPolicy: 'Never' }), [['FieldValueNotSupported', 'spec.podReplacementPolicy']]],
    ['pod failure policy with OnFailure', (j) => Object.assign(j.spec!, { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] } }, (j.spec!.template.spec!.restartPolicy = 'OnFailure')), [['FieldValueInvalid', 'spec.template.spec.restartPolicy', 'Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified']]],
    ['no containers', (j) => (j.spec!.template.spec!.containers = []), [['FieldValueRequired', 'spec.template.spec.containers']]],
    ['name too long for the job-name label', (j) => (j.metadata.name = 'x'.repeat(64)), [['FieldValueInvalid', 'spec.template.labels']]],
    ['wrong controller-uid label', (j) => (j.spec!.template.metadata = { labels: { 'batch.kubernetes.io/controller-uid': 'other' } }), [['FieldValueInvalid', 'spec.template.metadata.labels[batch.kubernetes.io/controller-uid]', `Invalid value: "other": must be '${UID}'`]]],
    ['bad selector operator', (j) => Object.assign(j.spec!, { manualSelector: true, selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }), [['FieldValueInvalid', 'spec.selector.matchExpressions[0].operator', 'Invalid value: "Near": not a valid selector operator']]],
  ];
  for (const [name, mut, want] of cases) expectOnly(validate('Job', ko(job(mut))), want, name);
  // No spec at all.
  expectOnly(validate('Job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x', namespace: 'default' } }), [['FieldValueRequired', 'spec']], 'empty');
});

test('Job update: immutable fields, elastic Indexed Jobs, suspended Jobs', () => {
  const old = job();
  const upd = (mut: (j: Job) => void, from: Job = old) => {
    const j = structuredClone(from);
    mut(j);
    return validate('Job', ko(j), ko(from));
  };
  expectOnly(upd((j) => (j.spec!.parallelism = 4)), [], 'parallelism is mutable');
  expectOnly(upd((j) => (j.spec!.suspend = true)), [], 'suspend is mutable');
  expectOnly(upd((j) => (j.spec!.completions = 3)), [['FieldValueInvalid', 'spec.completions', 'Invalid value: 3: field is immutable']], 'completions');
  expectOnly(upd((j) => (j.spec!.template.spec!.containers[0].image = 'alpine')), [['FieldValueInvalid', 'spec.template']], 'template');
  expectOnly(upd((j) => (j.spec!.selector = { matchLabels: { ...j.spec!.selector!.matchLabels, x: 'y' } })), [['FieldValueInvalid', 'spec.selector']], 'selector');
  expectOnly(upd((j) => (j.spec!.completionMode = 'Indexed')), [['FieldValueInvalid', 'spec.completionMode']], 'completionMode');
  const indexed = job((j) => Object.assign(j.spec!, { completionMode: 'Indexed', completions: 2, parallelism: 2 }));
  expectOnly(upd((j) => Object.assign(j.spec!, { completions: 4, parallelism: 4 }), indexed), [], 'elastic in tandem');
  expectOnly(upd((j) => Object.assign(j.spec!, { completions: 4 }), indexed), [['FieldValueInvalid', 'spec.completions', 'Invalid value: 4: can only be modified in tandem with spec.parallelism']], 'elastic alone');
  const suspended = job((j) => (j.spec!.suspend = true));
  expectOnly(upd((j) => (j.spec!.template.spec!.nodeSelector = { disk: 'ssd' }), suspended), [], 'a never-started suspended Job takes new scheduling directives');
  expectOnly(upd((j) => (j.spec!.template.spec!.nodeSelector = { disk: 'ssd' })), [['FieldValueInvalid', 'spec.template']], 'a running Job does not');
  // The generated-selector check is for create only: an update of an old object is not held to it.
  const legacy = structuredClone(old);
  delete legacy.spec!.template.metadata!.labels!['batch.kubernetes.io/job-name'];
  expectOnly(validate('Job', ko(legacy), ko(legacy)), [], 'update of an object with legacy labels');
});

test('Job status writes', () => {
  const old = job();
  const bad = structuredClone(old);
  bad.status = { active: -1, conditions: [{ type: 'Complete', status: 'Maybe' as 'True' }] };
  expectOnly(validateStatusUpdate('Job', ko(bad), ko(old)), [['FieldValueInvalid', 'status.active'], ['FieldValueNotSupported', 'status.conditions[0].status']], 'status');
  const good = structuredClone(old);
  good.status = { active: 1, startTime: '2026-12-07T15:00:00Z' };
  expectOnly(validateStatusUpdate('Job', ko(good), ko(old)), [], 'good status');
});

test('CronJob defaults', () => {
  const c = cronJob();
  assert.equal(c.spec!.concurrencyPolicy, 'Allow');
  assert.equal(c.spec!.suspend, false);
  assert.equal(c.spec!.successfulJobsHistoryLimit, 3);
  assert.equal(c.spec!.failedJobsHistoryLimit, 1);
  // SetDefaults_Job is not applied to a template's JobSpec; its pod template is defaulted.
  assert.equal(c.spec!.jobTemplate.spec!.completions, undefined);
  assert.equal(c.spec!.jobTemplate.spec!.template.spec!.dnsPolicy, 'ClusterFirst');
});

test('CronJob validation', () => {
  const cases: [string, (c: CronJob) => void, [string, string, string?][]][] = [
    ['valid', () => undefined, []],
    ['macro', (c) => (c.spec!.schedule = '@hourly'), []],
    ['time zone', (c) => (c.spec!.timeZone = 'Europe/Berlin'), []],
    ['no schedule', (c) => (c.spec!.schedule = ''), [['FieldValueRequired', 'spec.schedule']]],
    ['bad schedule', (c) => (c.spec!.schedule = 'every minute'), [['FieldValueInvalid', 'spec.schedule', 'Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]']]],
    ['out of range', (c) => (c.spec!.schedule = '61 * * * *'), [['FieldValueInvalid', 'spec.schedule', 'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']]],
    ['TZ in schedule', (c) => (c.spec!.schedule = 'TZ=UTC * * * * *'), [['FieldValueInvalid', 'spec.schedule', 'Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']]],
    ['unknown zone', (c) => (c.spec!.timeZone = 'Mars/Olympus'), [['FieldValueInvalid', 'spec.timeZone', 'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']]],
    ['Local zone', (c) => (c.spec!.timeZone = 'Local'), [['FieldValueInvalid', 'spec.timeZone']]],
    ['empty zone', (c) => (c.spec!.timeZone = ''), [['FieldValueInvalid', 'spec.timeZone', 'Invalid value: "": timeZone must be nil or non-empty string']]],
    ['dot-dot zone', (c) => (c.spec!.timeZone = '../etc/passwd'), [['FieldValueInvalid', 'spec.timeZone']]],
    ['bad concurrencyPolicy', (c) => Object.assign(c.spec!, { concurrencyPolicy: 'Sometimes' }), [['FieldValueNotSupported', 'spec.concurrencyPolicy', 'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']]],
    ['negative history', (c) => (c.spec!.successfulJobsHistoryLimit = -1), [['FieldValueInvalid', 'spec.successfulJobsHistoryLimit']]],
    ['negative deadline', (c) => (c.spec!.startingDeadlineSeconds = -5), [['FieldValueInvalid', 'spec.startingDeadlineSeconds']]],
    ['template restartPolicy', (c) => (c.spec!.jobTemplate.spec!.template.spec!.restartPolicy = 'Always'), [['FieldValueRequired', 'spec.jobTemplate.spec.template.spec.restartPolicy']]],
    ['template selector', (c) => (c.spec!.jobTemplate.spec!.selector = { matchLabels: { a: 'b' } }), [['FieldValueInvalid', 'spec.jobTemplate.spec.selector']]],
    ['template manualSelector', (c) => (c.spec!.jobTemplate.spec!.manualSelector = true), [['FieldValueNotSupported', 'spec.jobTemplate.spec.manualSelector']]],
    ['name of 53', (c) => (c.metadata.name = 'c'.repeat(53)), [['FieldValueInvalid', 'metadata.name', `Invalid value: "${'c'.repeat(53)}": must be no more than 52 characters`]]],
  ];
  for (const [name, mut, want] of cases) expectOnly(validate('CronJob', ko(cronJob(mut))), want, name);
  // The name limit binds on create only.
  const long = cronJob((c) => (c.metadata.name = 'c'.repeat(60)));
  expectOnly(validate('CronJob', ko(long), ko(long)), [], 'update keeps an old long name');
});
