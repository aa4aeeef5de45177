// Jobs and CronJobs on a whole `hyperkube up` cluster with real pods: a Job with completions 5 and
// parallelism 2 completes with never more than 2 pods running at once; a Job whose container exits 1
// stops at backoffLimit 1 (two pods, the second after the 10 s back-off) with BackoffLimitExceeded;
// a CronJob `*/1 * * * *` creates a Job within 70 s, and that Job completes. The three run side by
// side so the whole file stays near 90 s. An Indexed Job's pods see their index (downward API) and
// their hostname <job>-<index>.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../api/batch.js';
import type { Pod } from '../api/core.js';
import { Informer } from '../client/informer.js';
import { RestClient, type ResourceClient } from '../client/rest.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

const NS = 'default';
let cl: IsolatedCluster;
let client: RestClient;
let jobs: ResourceClient<Job>;
let pods: Informer<Pod>;
let cronCreatedAt = 0;
const peaks = new Map<string, number>();

const running = (p: Pod) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
const podsOfJob = (name: string) => pods.store.list().filter((p) => p.metadata?.labels?.['batch.kubernetes.io/job-name'] === name);

const jobSpec = (name: string, script: string, spec: Partial<NonNullable<Job['spec']>>): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script] }] } }, ...spec },
});

const finished = async (name: string, type: 'Complete' | 'Failed', timeoutMs: number): Promise<Job> =>
  eventually(`job ${name} ${type}`, async () => {
    const j = await jobs.get(name);
    return j.status?.conditions?.some((c) => c.type === type && c.status === 'True') ? j : undefined;
  }, timeoutMs, 500);

before(async () => {
  cl = await startIsolated('jobs');
  client = RestClient.fromKubeconfig({ path: cl.up.kubeconfig });
  jobs = client.resource<Job>('jobs', NS);
  pods = new Informer<Pod>(client, 'pods', { namespace: NS });
  const onEvent = () => {
    const now = new Map<string, number>();
    for (const p of pods.store.list().filter(running)) {
      const j = p.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? '';
      now.set(j, (now.get(j) ?? 0) + 1);
    }
    for (const [j, n] of now) peaks.set(j, Math.max(peaks.get(j) ?? 0, n));
  };
  pods.on('add', onEvent).on('update', onEvent).on('delete', onEvent);
  await pods.start();
  // The CronJob first: its minute boundary comes while the other two run.
  const cron: CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick' },
    spec: { schedule: '*/1 * * * *', jobTemplate: { spec: jobSpec('unused', 'echo tick', {}).spec } },
  };
  await client.resource<CronJob>('cronjobs', NS).create(cron);
  cronCreatedAt = Date.now();
});

after(async () => {
  await pods?.stop();
  client?.close();
  await cl?.teardown();
});

test('Jobs and a CronJob with real pods', { timeout: 150_000 }, async (t) => {
  await Promise.all([
    t.test('completions 5, parallelism 2: completes, never more than 2 pods at once', async () => {
      await jobs.create(jobSpec('five', 'sleep 1', { completions: 5, parallelism: 2 }));
      const j = await finished('five', 'Complete', 90_000);
      assert.equal(j.status?.succeeded, 5);
      assert.equal(peaks.get('five'), 2, 'two pods ran side by side, never more');
      const ps = podsOfJob('five');
      assert.equal(ps.length, 5, 'five pods, no extra');
      assert.ok(ps.every((p) => p.status?.phase === 'Succeeded'));
      assert.ok(ps.every((p) => !p.metadata?.finalizers?.length), 'tracking finalizers removed');
    }),
    t.test('exit 1 with backoffLimit 1: two pods, then Failed with BackoffLimitExceeded', async () => {
      await jobs.create(jobSpec('fail', 'exit 1', { backoffLimit: 1 }));
      const j = await finished('fail', 'Failed', 90_000);
      const c = j.status?.conditions?.find((x) => x.type === 'Failed');
      assert.equal(c?.reason, 'BackoffLimitExceeded');
      assert.equal(c?.message, 'Job has reached the specified backoff limit');
      assert.equal(j.status?.failed, 2);
      const ps = podsOfJob('fail').sort((a, b) => Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? ''));
      assert.equal(ps.length, 2);
      const exit = ps[0]?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
      assert.equal(exit, 1);
      const gap = Date.parse(ps[1]?.metadata?.creationTimestamp ?? '') - Date.parse(ps[0]?.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt ?? '');
      assert.ok(gap >= 8_000, `the retry waited out the 10 s back-off (${gap} ms)`);
    }),
    t.test('Indexed, completions 2: each pod sees JOB_COMPLETION_INDEX and hostname <job>-<index>', async () => {
      // The container fails unless the downward-API index and the hostname agree.
      await jobs.create(jobSpec('idx', 'test -n "$JOB_COMPLETION_INDEX" && test "$(hostname)" = "idx-$JOB_COMPLETION_INDEX"', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimit: 0 }));
      const j = await finished('idx', 'Complete', 90_000);
      assert.equal(j.status?.completedIndexes, '0-1');
    }),
    t.test('CronJob */1: a Job within 70 s, which completes', async () => {
      const cronJobs = client.resource<CronJob>('cronjobs', NS);
      const job = await eventually('a job of the CronJob', async () => (await jobs.list()).items.find((x) => x.metadata?.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === 'tick')), 70_000, 500);
      assert.ok(Date.now() - cronCreatedAt <= 70_000);
      assert.match(job.metadata?.name ?? '', /^tick-\d+$/);
      assert.ok(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']);
      await finished(job.metadata?.name ?? '', 'Complete', 60_000);
      // Suspend it now so no further minute creates another while the cluster is torn down.
      await cronJobs.patch('tick', { spec: { suspend: true } });
      const cj = await eventually('lastSuccessfulTime', async () => {
        const c = await cronJobs.get('tick');
        return c.status?.lastSuccessfulTime ? c : undefined;
      }, 20_000);
      assert.ok(cj.status?.lastScheduleTime);
    }),
  ]);
});
