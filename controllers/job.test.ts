// The Job, CronJob and TTL-after-finished controllers on a real apiserver (its own etcd), driven
// with real kubectl; pods finish by a status patch, as a kubelet would write it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CronJob, Job } from '../api/batch.js';
import type { Pod } from '../api/core.js';
import type { ResourceClient } from '../client/rest.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { eventually, sleep, waitFor } from '../testing/wait.js';
import { startControllerManager, type ControllerManager } from './manager.js';

const run = promisify(execFile);

describe('job and cronjob controllers', { timeout: 300_000 }, () => {
  let env: ControllerTestEnv;
  let cm: ControllerManager | undefined;
  let jobs: ResourceClient<Job>;
  let cronJobs: ResourceClient<CronJob>;
  const kubectl = async (...args: string[]) => (await run('/usr/bin/kubectl', ['--kubeconfig', env.kubeconfig, ...args], { timeout: 60_000 })).stdout;

  before(async () => {
    env = await startEnv();
    jobs = env.client.resource<Job>('jobs', env.ns);
    cronJobs = env.client.resource<CronJob>('cronjobs', env.ns);
    cm = await startControllerManager({ client: env.client, controllers: ['job', 'cronjob', 'ttl-after-finished', 'garbagecollector'], log: () => {} });
  });
  after(async () => {
    await cm?.stop();
    await env?.stop();
  });

  const podsOf = async (job: string): Promise<Pod[]> => {
    const j = await jobs.get(job);
    const l = await env.client.pods(env.ns).list();
    return l.items.filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === j.metadata?.uid));
  };
  const running = (ps: Pod[]) => ps.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const finish = async (pod: Pod, phase: 'Succeeded' | 'Failed', exitCode = phase === 'Succeeded' ? 0 : 1) => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await env.client.pods(env.ns).patch(
      pod.metadata?.name ?? '',
      { status: { phase, containerStatuses: [{ name: pod.spec?.containers[0]?.name ?? 'c', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode, reason: phase === 'Succeeded' ? 'Completed' : 'Error', startedAt: now, finishedAt: now } } }] } },
      'merge',
      { subresource: 'status' },
    );
  };
  const jobObj = (name: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'] }], restartPolicy: 'Never' } }, ...spec },
  });
  const cond = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

  it('kubectl create job: one pod with the job labels, owner and tracking finalizer; kubectl wait --for=condition=complete; kubectl get jobs', async () => {
    await kubectl('create', 'job', 'hello', '--image=busybox', '--', 'echo', 'hi');
    const [pod] = await eventually('the pod', async () => {
      const ps = await podsOf('hello');
      return ps.length === 1 ? ps : undefined;
    });
    const j = await jobs.get('hello');
    assert.equal(pod?.metadata?.labels?.['batch.kubernetes.io/job-name'], 'hello');
    assert.equal(pod?.metadata?.labels?.['job-name'], 'hello');
    assert.equal(pod?.metadata?.labels?.['batch.kubernetes.io/controller-uid'], j.metadata?.uid);
    assert.equal(pod?.metadata?.labels?.['controller-uid'], j.metadata?.uid);
    assert.deepEqual(pod?.metadata?.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.deepEqual(pod?.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'hello', uid: j.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    await eventually('status.active 1 and startTime', async () => ((await jobs.get('hello')).status?.active === 1 ? true : undefined));
    const waiting = kubectl('wait', '--for=condition=complete', 'job/hello', '--timeout=30s');
    await sleep(300);
    await finish(pod, 'Succeeded');
    assert.match(await waiting, /job.batch\/hello condition met/);
    const done = await jobs.get('hello');
    assert.equal(done.status?.succeeded, 1);
    assert.equal(done.status?.active, 0);
    assert.ok(done.status?.startTime && done.status?.completionTime);
    assert.deepEqual(done.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
      ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ]);
    const [after] = await podsOf('hello');
    assert.deepEqual(after?.metadata?.finalizers ?? [], [], 'the finalizer is off once the pod is counted');
    const table = await kubectl('get', 'jobs', 'hello');
    assert.match(table, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE/m);
    assert.match(table, /^hello\s+Complete\s+1\/1\s+/m);
    const events = await eventually('Completed and SuccessfulCreate events', async () => {
      const evs = (await env.client.events(env.ns).list()).items.filter((e) => e.involvedObject?.name === 'hello');
      return evs.some((e) => e.reason === 'Completed') && evs.some((e) => e.reason === 'SuccessfulCreate') ? evs : undefined;
    });
    assert.equal(events.find((e) => e.reason === 'Completed')?.message, 'Job completed');
  });

  it('completions 5, parallelism 2: never more than 2 active, 5 succeed, then Complete', async () => {
    await jobs.create(jobObj('five', { completions: 5, parallelism: 2 }));
    let succeeded = 0;
    while (succeeded < 5) {
      const act = await eventually('active pods', async () => {
        const r = running(await podsOf('five'));
        assert.ok(r.length <= 2, `at most 2 running, saw ${r.length}`);
        return r.length === Math.min(2, 5 - succeeded) ? r : undefined;
      });
      await finish(act[0], 'Succeeded');
      succeeded++;
      await eventually(`succeeded ${succeeded}`, async () => ((await jobs.get('five')).status?.succeeded === succeeded ? true : undefined));
    }
    const j = await eventually('Complete', async () => {
      const x = await jobs.get('five');
      return cond(x, 'Complete') ? x : undefined;
    });
    assert.equal(j.status?.succeeded, 5);
    assert.equal((await podsOf('five')).length, 5, 'exactly 5 pods were ever created');
  });

  it('a failing pod with backoffLimit 0: FailureTarget then Failed, BackoffLimitExceeded; kubectl wait --for=condition=failed', async () => {
    await jobs.create(jobObj('bad', { backoffLimit: 0 }));
    const [pod] = await eventually('the pod', async () => {
      const ps = running(await podsOf('bad'));
      return ps.length === 1 ? ps : undefined;
    });
    await finish(pod, 'Failed');
    await kubectl('wait', '--for=condition=failed', 'job/bad', '--timeout=30s');
    const j = await jobs.get('bad');
    assert.equal(j.status?.failed, 1);
    assert.deepEqual(j.status?.conditions?.map((c) => [c.type, c.reason, c.message]), [
      ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ]);
    assert.match(await kubectl('get', 'job', 'bad'), /^bad\s+Failed\s+0\/1\s+/m);
    assert.equal((await podsOf('bad')).length, 1, 'no replacement pod');
  });

  it('a deleted running pod counts as failed (the finalizer holds it until counted) and is replaced after the back-off', async () => {
    await jobs.create(jobObj('del', { backoffLimit: 3 }));
    const [pod] = await eventually('the pod', async () => {
      const ps = running(await podsOf('del'));
      return ps.length === 1 ? ps : undefined;
    });
    await env.client.pods(env.ns).delete(pod.metadata?.name ?? '');
    await eventually('failed 1', async () => ((await jobs.get('del')).status?.failed === 1 ? true : undefined));
    await waitFor(async () => !(await podsOf('del')).some((p) => p.metadata?.uid === pod.metadata?.uid), 10_000, 'the deleted pod gone once counted');
    // The replacement waits out the first back-off (10 s).
    const t0 = Date.now();
    await eventually('a replacement pod', async () => (running(await podsOf('del')).length === 1 ? true : undefined), 30_000);
    assert.ok(Date.now() - t0 >= 8_000, `replacement came after the back-off (${Date.now() - t0} ms)`);
  });

  it('Indexed: one pod per index with hostname and index annotation; completedIndexes as ranges', async () => {
    await jobs.create(jobObj('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const ps = await eventually('3 pods', async () => {
      const r = running(await podsOf('idx'));
      return r.length === 3 ? r : undefined;
    });
    const byIndex = new Map(ps.map((p) => [p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    assert.equal(byIndex.get('1')?.spec?.hostname, 'idx-1');
    assert.ok(byIndex.get('1')?.metadata?.name?.startsWith('idx-1-'));
    await finish(byIndex.get('0')!, 'Succeeded');
    await finish(byIndex.get('2')!, 'Succeeded');
    await eventually('completedIndexes 0,2', async () => ((await jobs.get('idx')).status?.completedIndexes === '0,2' ? true : undefined));
    await finish(byIndex.get('1')!, 'Succeeded');
    const j = await eventually('Complete', async () => {
      const x = await jobs.get('idx');
      return cond(x, 'Complete') ? x : undefined;
    });
    assert.equal(j.status?.completedIndexes, '0-2');
    assert.equal(j.status?.succeeded, 3);
  });

  it('suspend: no pods and a Suspended condition; resume creates them and resets startTime; suspend again deletes them', async () => {
    await jobs.create(jobObj('sus', { suspend: true, parallelism: 2, completions: 2 }));
    await eventually('Suspended', async () => (cond(await jobs.get('sus'), 'Suspended') ? true : undefined));
    assert.equal((await podsOf('sus')).length, 0);
    const before = (await jobs.get('sus')).status?.startTime;
    await sleep(1100);
    await kubectl('patch', 'job', 'sus', '--type=merge', '-p', '{"spec":{"suspend":false}}');
    await eventually('2 pods', async () => (running(await podsOf('sus')).length === 2 ? true : undefined));
    const j = await eventually('resumed', async () => {
      const x = await jobs.get('sus');
      return x.status?.conditions?.find((c) => c.type === 'Suspended' && c.status === 'False' && c.reason === 'JobResumed') ? x : undefined;
    });
    assert.notEqual(j.status?.startTime, before);
    await kubectl('patch', 'job', 'sus', '--type=merge', '-p', '{"spec":{"suspend":true}}');
    await eventually('pods deleted', async () => ((await podsOf('sus')).length === 0 ? true : undefined));
    const s = await eventually('suspended again', async () => {
      const x = await jobs.get('sus');
      return cond(x, 'Suspended') && x.status?.active === 0 ? x : undefined;
    });
    assert.equal(s.status?.failed ?? 0, 0, 'pods deleted by suspend are not failures');
  });

  it('podFailurePolicy: Ignore does not count, FailJob fails the job with the upstream message', async () => {
    await jobs.create(
      jobObj('pfp', {
        backoffLimit: 5,
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }, { action: 'Ignore', onExitCodes: { operator: 'In', values: [7] } }] },
      }),
    );
    const [p1] = await eventually('pod', async () => {
      const r = running(await podsOf('pfp'));
      return r.length === 1 ? r : undefined;
    });
    await finish(p1, 'Failed', 7);
    const [p2] = await eventually('a replacement without back-off', async () => {
      const r = running(await podsOf('pfp'));
      return r.length === 1 && r[0]?.metadata?.uid !== p1.metadata?.uid ? r : undefined;
    }, 8_000);
    assert.equal((await jobs.get('pfp')).status?.failed ?? 0, 0, 'an ignored failure is not counted');
    await finish(p2, 'Failed', 42);
    const j = await eventually('Failed', async () => {
      const x = await jobs.get('pfp');
      return cond(x, 'Failed') ? x : undefined;
    });
    const failedCond = cond(j, 'Failed');
    assert.equal(failedCond?.reason, 'PodFailurePolicy');
    assert.equal(failedCond?.message, `Container c for pod ${env.ns}/${p2.metadata?.name} failed with exit code 42 matching FailJob rule at index 0`);
  });

  it('activeDeadlineSeconds: DeadlineExceeded, the running pod is deleted', async () => {
    await jobs.create(jobObj('late', { activeDeadlineSeconds: 2 }));
    const j = await eventually('Failed', async () => {
      const x = await jobs.get('late');
      return cond(x, 'Failed') ? x : undefined;
    }, 15_000);
    assert.equal(cond(j, 'Failed')?.reason, 'DeadlineExceeded');
    assert.equal(cond(j, 'Failed')?.message, 'Job was active longer than specified deadline');
    assert.equal(running(await podsOf('late')).length, 0);
  });

  it('ttlSecondsAfterFinished: the finished Job and its pods are deleted', async () => {
    await jobs.create(jobObj('ttl', { ttlSecondsAfterFinished: 1 }));
    const [pod] = await eventually('pod', async () => {
      const r = running(await podsOf('ttl'));
      return r.length === 1 ? r : undefined;
    });
    await finish(pod, 'Succeeded');
    await waitFor(async () => {
      try {
        await jobs.get('ttl');
        return false;
      } catch {
        return true;
      }
    }, 20_000, 'job deleted by TTL');
    await waitFor(async () => !(await env.client.pods(env.ns).list()).items.some((p) => p.metadata?.uid === pod.metadata?.uid), 20_000, 'its pod collected');
  });

  it('kubectl delete job (background): its running pod, held by the tracking finalizer, is released and goes', async () => {
    await jobs.create(jobObj('gone', { parallelism: 1 }));
    const [pod] = await eventually('pod', async () => {
      const r = running(await podsOf('gone'));
      return r.length === 1 ? r : undefined;
    });
    await kubectl('delete', 'job', 'gone', '--cascade=background', '--wait=false');
    await waitFor(async () => !(await env.client.pods(env.ns).list()).items.some((p) => p.metadata?.uid === pod.metadata?.uid), 20_000, 'the pod gone');
  });

  it('CronJob: a due schedule creates <cronjob>-<minutes> with the scheduled-timestamp annotation; Forbid; history limit; kubectl create job --from', async () => {
    // A yearly schedule never fires by itself during the test: lastScheduleTime set before this
    // year's 1 January makes that time due now (the controller looks when the spec or labels change).
    await kubectl('create', 'cronjob', 'tick', '--image=busybox', '--schedule=0 0 1 1 *', '--', 'true');
    await cronJobs.patch('tick', { spec: { concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1, timeZone: 'UTC' } });
    const jan1 = Date.UTC(new Date().getUTCFullYear(), 0, 1);
    let kicks = 0;
    const kick = async () => {
      await cronJobs.patch('tick', { status: { lastScheduleTime: new Date(jan1 - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z') } }, 'merge', { subresource: 'status' });
      await cronJobs.patch('tick', { metadata: { labels: { kick: String(++kicks) } } });
    };
    await kick();
    const first = await eventually('a job', async () => {
      const l = (await jobs.list()).items.filter((j) => j.metadata?.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === 'tick'));
      return l.length === 1 ? l[0] : undefined;
    });
    assert.equal(first.metadata?.name, `tick-${jan1 / 60_000}`);
    assert.equal(first.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(jan1).toISOString().replace(/\.\d+Z$/, 'Z'));
    assert.equal(first.metadata?.ownerReferences?.[0]?.controller, true);
    const cj = await eventually('active 1 and lastScheduleTime', async () => {
      const c = await cronJobs.get('tick');
      return c.status?.active?.length === 1 && c.status.lastScheduleTime === new Date(jan1).toISOString().replace(/\.\d+Z$/, 'Z') ? c : undefined;
    });
    assert.equal(cj.status?.active?.[0]?.name, first.metadata?.name);
    // Forbid: another due time (2 January) while the job runs creates nothing.
    await cronJobs.patch('tick', { spec: { schedule: '0 0 2 1 *' } });
    await eventually('JobAlreadyActive', async () => ((await env.client.events(env.ns).list()).items.some((e) => e.involvedObject?.name === 'tick' && e.reason === 'JobAlreadyActive') ? true : undefined));
    assert.equal((await jobs.list()).items.filter((j) => j.metadata?.name?.startsWith('tick-')).length, 1);
    await cronJobs.patch('tick', { spec: { schedule: '0 0 1 1 *' } });
    // Finish it: lastSuccessfulTime, active empties.
    const [pod] = await eventually('its pod', async () => {
      const r = running(await podsOf(first.metadata?.name ?? ''));
      return r.length === 1 ? r : undefined;
    });
    await finish(pod, 'Succeeded');
    await eventually('lastSuccessfulTime', async () => {
      const c = await cronJobs.get('tick');
      return c.status?.lastSuccessfulTime && !c.status.active?.length ? true : undefined;
    });
    // kubectl create job --from=cronjob: owned by the CronJob, seen as active.
    // startTime has whole seconds and ties go by name (as upstream): start the manual job a second later.
    await sleep(1100);
    await kubectl('create', 'job', 'manual', '--from=cronjob/tick');
    const manual = await jobs.get('manual');
    assert.equal(manual.metadata?.ownerReferences?.[0]?.kind, 'CronJob');
    await eventually('manual job in active', async () => ((await cronJobs.get('tick')).status?.active?.some((a) => a.name === 'manual') ? true : undefined));
    const [mp] = await eventually('manual pod', async () => {
      const r = running(await podsOf('manual'));
      return r.length === 1 ? r : undefined;
    });
    await finish(mp, 'Succeeded');
    // successfulJobsHistoryLimit 1: of the two finished jobs, the older is deleted.
    await eventually('history limit', async () => {
      const l = (await jobs.list()).items.filter((j) => j.metadata?.ownerReferences?.some((r) => r.name === 'tick'));
      return l.length === 1 && l[0]?.metadata?.name === 'manual' ? true : undefined;
    }, 20_000);
    assert.match(await kubectl('get', 'cronjob', 'tick'), /^tick\s+0 0 1 1 \*\s+UTC\s+False\s+0\s+/m);
  });
});
