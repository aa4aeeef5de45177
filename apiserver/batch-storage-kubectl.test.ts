// batch/v1 (Job, CronJob), PersistentVolume(Claim) and storage.k8s.io/v1 StorageClass as kubectl 1.32
// meets them: a real apiserver on its own etcd, driven by the real /usr/bin/kubectl.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../api/batch.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/core.js';
import type { Status } from '../api/meta.js';
import type { StorageClass } from '../api/storage.js';
import type { TestApi } from '../testing/cluster.js';
import { startKubectlApi, type KubectlApi, type KubectlResult } from '../testing/kubectl.js';

let k: KubectlApi;
let api: TestApi;

before(async () => {
  k = await startKubectlApi('tkt-batch-kubectl-');
  api = k.api;
});
after(async () => {
  await k?.stop();
});

const kubectl = (args: string[], input?: string): Promise<KubectlResult> => k.kubectl(args, input);
const ok = (args: string[], input?: string): Promise<string> => k.ok(args, input);

async function getJSON<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok(['get', ...args, '-o', 'json'])) as T;
}

const PVC = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
`;

const SC = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
`;

const PV = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv1
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  hostPath: {path: /tmp/pv1}
`;

test('discovery: api-resources lists the new kinds with their short names', async () => {
  const out = await ok(['api-resources']);
  for (const re of [/^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m, /^jobs\s+batch\/v1\s+true\s+Job$/m, /^persistentvolumes\s+pv\s+v1\s+false\s+PersistentVolume$/m, /^persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim$/m, /^storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass$/m]) {
    assert.match(out, re);
  }
});

test('kubectl create job: defaults, generated selector and labels', async () => {
  assert.match(await ok(['create', 'job', 'pi', '--image=busybox', '--', 'echo', 'hi']), /^job\.batch\/pi created$/m);
  const job = await getJSON<Job>(['job', 'pi']);
  const uid = job.metadata.uid!;
  assert.deepEqual(job.spec!.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  const want = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
  assert.deepEqual(job.spec!.template.metadata!.labels, want);
  assert.deepEqual(job.metadata.labels, want);
  assert.equal(job.spec!.completions, 1);
  assert.equal(job.spec!.parallelism, 1);
  assert.equal(job.spec!.backoffLimit, 6);
  assert.equal(job.spec!.completionMode, 'NonIndexed');
  assert.equal(job.spec!.suspend, false);
  assert.equal(job.spec!.manualSelector, false);
  assert.equal(job.spec!.podReplacementPolicy, 'TerminatingOrFailed');
  assert.equal(job.spec!.template.spec!.restartPolicy, 'Never');
  assert.equal(job.metadata.generation, 1);
  // A spec change bumps the generation; the template stays immutable.
  await ok(['patch', 'job', 'pi', '-p', '{"spec":{"parallelism":2}}']);
  assert.equal((await getJSON<Job>(['job', 'pi'])).metadata.generation, 2);
  const r = await kubectl(['patch', 'job', 'pi', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"pi","image":"alpine"}]}}}}']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /The Job "pi" is invalid: spec\.template: Invalid value: .*: field is immutable/);
});

test('kubectl create cronjob, create job --from, strategic merge into the job template', async () => {
  assert.match(await ok(['create', 'cronjob', 'c', '--image=busybox', '--schedule=*/1 * * * *']), /^cronjob\.batch\/c created$/m);
  const cj = await getJSON<CronJob>(['cronjob', 'c']);
  assert.equal(cj.spec!.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec!.suspend, false);
  assert.equal(cj.spec!.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec!.failedJobsHistoryLimit, 1);
  assert.match(await ok(['create', 'job', 'manual', '--from=cronjob/c']), /^job\.batch\/manual created$/m);
  const job = await getJSON<Job>(['job', 'manual']);
  assert.equal(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
  assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'CronJob');
  assert.equal(job.spec!.selector!.matchLabels!['batch.kubernetes.io/controller-uid'], job.metadata.uid);
  // Containers merge by name inside spec.jobTemplate.spec.template.
  await ok(['patch', 'cronjob', 'c', '-p', '{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"1"}]}]}}}}}}']);
  const patched = await getJSON<CronJob>(['cronjob', 'c']);
  const containers = patched.spec!.jobTemplate.spec!.template.spec!.containers;
  assert.equal(containers.length, 1);
  assert.equal(containers[0].image, 'busybox');
  assert.deepEqual(containers[0].env, [{ name: 'A', value: '1' }]);
  assert.equal(patched.metadata.generation, 2);
  // The status subresource takes status only.
  const st = await api.req('PATCH', '/apis/batch/v1/namespaces/default/cronjobs/c/status', { status: { lastScheduleTime: '2026-12-07T15:00:00Z' }, spec: { suspend: true } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(st.status, 200, st.text);
  const after = await getJSON<CronJob>(['cronjob', 'c']);
  assert.equal(after.status?.lastScheduleTime, '2026-12-07T15:00:00Z');
  assert.equal(after.spec!.suspend, false);
});

test('kubectl apply of a PVC, a StorageClass and a PV, twice', async () => {
  for (const [doc, name] of [[PVC, 'persistentvolumeclaim/data'], [SC, 'storageclass.storage.k8s.io/local-path'], [PV, 'persistentvolume/pv1']]) {
    assert.match(await ok(['apply', '-f', '-'], doc), new RegExp(`^${name.replace(/\./g, '\\.')} created$`, 'm'));
    assert.match(await ok(['apply', '-f', '-'], doc), new RegExp(`^${name.replace(/\./g, '\\.')} unchanged$`, 'm'));
  }
  const pvc = await getJSON<PersistentVolumeClaim>(['pvc', 'data']);
  assert.equal(pvc.spec!.volumeMode, 'Filesystem');
  assert.equal(pvc.status?.phase, 'Pending');
  const sc = await getJSON<StorageClass>(['sc', 'local-path']);
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
  const pv = await getJSON<PersistentVolume>(['pv', 'pv1']);
  assert.equal(pv.spec!.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.status?.phase, 'Pending');
  // Growing a request of a claim that is not bound is refused, as is any other spec change.
  const grow = await kubectl(['apply', '-f', '-'], PVC.replace('1Gi', '2Gi'));
  assert.notEqual(grow.code, 0);
  assert.match(grow.stderr, /spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims/);
  // A StorageClass's provisioner is immutable.
  const prov = await kubectl(['apply', '-f', '-'], SC.replace('rancher.io/local-path', 'example.com/other'));
  assert.notEqual(prov.code, 0);
  assert.match(prov.stderr, /provisioner: Forbidden: updates to provisioner are forbidden\./);
});

test('kubectl get: the columns of kubectl 1.32', async () => {
  const out = await ok(['get', 'jobs,cronjobs,pv,pvc,sc']);
  assert.match(out, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
  assert.match(out, /^job\.batch\/pi\s+Running\s+0\/1\s+\d+s$/m);
  assert.match(out, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/m);
  assert.match(out, /^cronjob\.batch\/c\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+\S+\s+\d+s$/m);
  assert.match(out, /^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$/m);
  assert.match(out, /^persistentvolume\/pv1\s+2Gi\s+RWO,ROX\s+Retain\s+Pending\s+<unset>\s+\d+s$/m);
  assert.match(out, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/m);
  assert.match(out, /^persistentvolumeclaim\/data\s+Pending\s+<unset>\s+\d+s$/m);
  assert.match(out, /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/m);
  assert.match(out, /^storageclass\.storage\.k8s\.io\/local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\d+s$/m);
  const wide = await ok(['get', 'jobs', '-o', 'wide']);
  assert.match(wide, /^pi\s+Running\s+0\/1\s+\d+s\s+pi\s+busybox\s+batch\.kubernetes\.io\/controller-uid=[0-9a-f-]+$/m);
  // `get all` takes them from the "all" category.
  const all = await ok(['get', 'all']);
  assert.match(all, /^job\.batch\/pi\s/m);
  assert.match(all, /^cronjob\.batch\/c\s/m);
});

test('bad input: 422 with field causes and nothing stored', async () => {
  const bad = await kubectl(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /CronJob\.batch "bad" is invalid: spec\.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
  assert.match((await kubectl(['get', 'cronjob', 'bad'])).stderr, /NotFound|not found/);

  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'nostorage' }, spec: { accessModes: ['ReadWriteOnce'] } };
  const r = await api.req('POST', '/api/v1/namespaces/default/persistentvolumeclaims', claim);
  assert.equal(r.status, 422, r.text);
  const s = r.body as Status;
  assert.equal(s.reason, 'Invalid');
  assert.deepEqual(s.details?.causes, [{ reason: 'FieldValueRequired', field: 'spec.resources[storage]', message: 'Required value' }]);
  assert.equal(s.message, 'PersistentVolumeClaim "nostorage" is invalid: spec.resources[storage]: Required value');
  assert.equal((await api.req('GET', '/api/v1/namespaces/default/persistentvolumeclaims/nostorage')).status, 404);

  const sched = await api.req('POST', '/apis/batch/v1/namespaces/default/cronjobs', {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tz' },
    spec: { schedule: 'CRON_TZ=UTC 0 * * * *', timeZone: 'Nowhere/Atlantis', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } } } } },
  });
  assert.equal(sched.status, 422, sched.text);
  const fields = ((sched.body as Status).details?.causes ?? []).map((c) => c.field);
  assert.deepEqual(fields, ['spec.schedule', 'spec.timeZone']);
  assert.equal((sched.body as Status).details?.group, 'batch');

  // Wrong JSON types are a 400 from the decoder, never a crash.
  const typed = await api.req('POST', '/apis/batch/v1/namespaces/default/jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 't' }, spec: { completions: 'many', template: {} } });
  assert.equal(typed.status, 400, typed.text);
  // A null list element is its type's zero value, as Go decodes it: field errors, not a crash.
  const nulls = await api.req('POST', '/apis/batch/v1/namespaces/default/jobs', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'nulls' },
    spec: { manualSelector: true, selector: { matchExpressions: [null] }, template: { spec: { containers: [null], restartPolicy: 'Never' } } },
  });
  assert.equal(nulls.status, 422, nulls.text);
  const nullFields = ((nulls.body as Status).details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  assert.ok(nullFields.includes('spec.selector.matchExpressions[0].operator: Invalid value: "": not a valid selector operator'), nullFields.join('\n'));
  assert.ok(nullFields.includes('spec.template.spec.containers[0].name: Required value'), nullFields.join('\n'));
  const proto = await api.req('POST', '/apis/storage.k8s.io/v1/storageclasses', '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"p"},"provisioner":"x.io/y","parameters":{"__proto__":"x"}}');
  assert.ok(proto.status < 500, proto.text);
});

test('--dry-run=server returns the defaulted object and stores nothing', async () => {
  const out = await ok(['create', 'job', 'dry', '--image=busybox', '--dry-run=server', '-o', 'json', '--', 'true']);
  const job = JSON.parse(out) as Job;
  assert.equal(job.spec!.selector!.matchLabels!['batch.kubernetes.io/controller-uid'], job.metadata.uid);
  assert.equal(job.spec!.backoffLimit, 6);
  assert.match((await kubectl(['get', 'job', 'dry'])).stderr, /not found/);
  assert.match(await ok(['apply', '--dry-run=server', '-f', '-'], PVC.replace('name: data', 'name: dry')), /persistentvolumeclaim\/dry created \(server dry run\)/);
  assert.match((await kubectl(['get', 'pvc', 'dry'])).stderr, /not found/);
});

const JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: applied
spec:
  completions: 2
  template:
    spec:
      restartPolicy: OnFailure
      containers:
      - name: main
        image: busybox
        command: [sh, -c, "echo done"]
`;

test('kubectl apply (client- and server-side) of a Job and a CronJob; describe; delete', async () => {
  assert.match(await ok(['apply', '-f', '-'], JOB), /^job\.batch\/applied created$/m);
  assert.match(await ok(['apply', '-f', '-'], JOB), /^job\.batch\/applied unchanged$/m);
  // A mutable field changes through apply; the generated selector survives it.
  assert.match(await ok(['apply', '-f', '-'], JOB.replace('completions: 2', 'completions: 2\n  parallelism: 2')), /configured/);
  const job = await getJSON<Job>(['job', 'applied']);
  assert.equal(job.spec!.parallelism, 2);
  assert.equal(job.spec!.selector!.matchLabels!['batch.kubernetes.io/controller-uid'], job.metadata.uid);
  const cj = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "@daily"
  timeZone: Europe/Berlin
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
`;
  assert.match(await ok(['apply', '--server-side', '-f', '-'], cj), /cronjob\.batch\/nightly serverside-applied/);
  assert.match(await ok(['apply', '--server-side', '-f', '-'], cj.replace('@daily', '0 3 * * *')), /serverside-applied/);
  assert.equal((await getJSON<CronJob>(['cronjob', 'nightly'])).spec!.schedule, '0 3 * * *');
  assert.match(await ok(['describe', 'job', 'applied']), /^Completions:\s+2$/m);
  assert.match(await ok(['describe', 'cronjob', 'nightly']), /^Schedule:\s+0 3 \* \* \*$/m);
  assert.match(await ok(['describe', 'pvc', 'data']), /^Status:\s+Pending$/m);
  assert.match(await ok(['describe', 'pv', 'pv1']), /^Reclaim Policy:\s+Retain$/m);
  assert.match(await ok(['describe', 'sc', 'local-path']), /^IsDefaultClass:\s+Yes$/m);
  // generateName: the job-name labels carry the generated name.
  const gen = await ok(['create', '-o', 'name', '-f', '-'], JOB.replace('name: applied', 'generateName: gen-'));
  const genName = gen.trim().replace('job.batch/', '');
  assert.match(genName, /^gen-[a-z0-9]{5}$/);
  const genJob = await getJSON<Job>(['job', genName]);
  assert.equal(genJob.spec!.template.metadata!.labels!['batch.kubernetes.io/job-name'], genName);
  assert.equal(genJob.spec!.template.metadata!.labels!['job-name'], genName);
  assert.equal(genJob.metadata.labels!['job-name'], genName);
  assert.match(await ok(['delete', 'job', 'applied']), /job\.batch "applied" deleted/);
  assert.match(await ok(['delete', 'cronjob', 'nightly']), /cronjob\.batch "nightly" deleted/);
});

test('a pod may mount a claim; a claim name must be a DNS subdomain', async () => {
  const pod = (claimName: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${claimName.length}` },
    spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] },
  });
  const good = await api.req('POST', '/api/v1/namespaces/default/pods', pod('data'));
  assert.equal(good.status, 201, good.text);
  assert.equal((good.body as { spec: { volumes: { emptyDir?: unknown }[] } }).spec.volumes[0].emptyDir, undefined);
  const badName = await api.req('POST', '/api/v1/namespaces/default/pods', pod('Not_A_Name'));
  assert.equal(badName.status, 422, badName.text);
  assert.equal((badName.body as Status).details?.causes?.[0]?.field, 'spec.volumes[0].persistentVolumeClaim.claimName');
});
