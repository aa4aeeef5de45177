// The PV controller, the protection finalizers, DefaultStorageClass, the scheduler's
// VolumeBinding and the local-path provisioner together on a real apiserver (etcd), driven
// and read with real kubectl. No kubelet: the node is an API object, the provisioner runs
// on its own (it only makes directories, in a temp dir), so no root is needed.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Event, PersistentVolume, PersistentVolumeClaim } from '../api/core.js';
import { LocalPathProvisioner } from '../kubelet/local-path-provisioner.js';
import { startScheduler, type RunningScheduler } from '../scheduler/scheduler.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { makeNode } from '../testing/scheduler-objects.js';
import { eventually } from '../testing/wait.js';
import { startControllerManager, type ControllerManager } from './manager.js';

const run = promisify(execFile);

describe('persistent volumes on a real apiserver, with kubectl', () => {
  let env: ControllerTestEnv;
  let cm: ControllerManager;
  let sched: RunningScheduler;
  let prov: LocalPathProvisioner;
  let storageDir: string;
  const nodeName = () => `${env.tag}-node`;
  const kubectl = async (...args: string[]) => (await run('/usr/bin/kubectl', ['--kubeconfig', env.kubeconfig, ...args], { timeout: 30_000 })).stdout;
  const apply = (yaml: string) =>
    new Promise<string>((resolve, reject) => {
      const p = execFile('/usr/bin/kubectl', ['--kubeconfig', env.kubeconfig, 'apply', '-f', '-'], { timeout: 30_000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
      p.stdin?.end(yaml);
    });
  const pvcs = () => env.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', env.ns);
  const pvs = () => env.client.resource<PersistentVolume>('persistentvolumes');
  const eventsFor = async (name: string) => (await env.client.events(env.ns).list()).items.filter((e: Event) => e.involvedObject?.name === name);

  before(async () => {
    env = await startEnv();
    storageDir = join(env.dir, 'storage');
    mkdirSync(storageDir);
    cm = await startControllerManager({ client: env.client, controllers: ['persistentvolume-binder', 'pvc-protection', 'pv-protection'], log: () => {} });
    sched = await startScheduler({ client: env.client, log: () => {}, initialBackoffMs: 100, maxBackoffMs: 500 });
    prov = new LocalPathProvisioner({ client: env.client, nodeName: nodeName(), storageDir, log: () => {} });
    await prov.start();
    await env.client.nodes().create(makeNode({ name: nodeName(), labels: { 'kubernetes.io/hostname': nodeName() } }));
  });

  after(async () => {
    await prov?.stop();
    await sched?.stop();
    await cm?.stop();
    await env?.client.nodes().delete(nodeName()).catch(() => undefined);
    await env?.stop();
  });

  it('binds a claim to the smallest matching volume; kubectl shows both Bound; Retain leaves it Released', async () => {
    const t = env.tag;
    await apply(`
apiVersion: v1
kind: PersistentVolume
metadata: {name: ${t}-big}
spec: {capacity: {storage: 5Gi}, accessModes: [ReadWriteOnce], storageClassName: manual-${t}, hostPath: {path: /tmp/${t}-big}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: ${t}-small}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], storageClassName: manual-${t}, hostPath: {path: /tmp/${t}-small}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim}
spec: {accessModes: [ReadWriteOnce], storageClassName: manual-${t}, resources: {requests: {storage: 500Mi}}}
`);
    const claim = await eventually('claim bound', async () => {
      const c = await pvcs().get('claim');
      return c.status?.phase === 'Bound' ? c : undefined;
    });
    assert.equal(claim.spec?.volumeName, `${t}-small`);
    assert.equal(claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(claim.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.deepEqual(claim.status?.capacity, { storage: '1Gi' });
    assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    const pv = await eventually('volume bound', async () => {
      const v = await pvs().get(`${t}-small`);
      return v.status?.phase === 'Bound' ? v : undefined;
    });
    assert.equal(pv.spec?.claimRef?.uid, claim.metadata.uid);
    assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
    assert.equal((await pvs().get(`${t}-big`)).status?.phase, 'Available');
    const out = await kubectl('get', 'pv,pvc', '--no-headers');
    assert.match(out, new RegExp(`persistentvolume/${t}-small\\s+1Gi\\s+RWO\\s+Retain\\s+Bound\\s+${env.ns}/claim\\s+manual-${t}`));
    assert.match(out, new RegExp(`persistentvolumeclaim/claim\\s+Bound\\s+${t}-small\\s+1Gi\\s+RWO\\s+manual-${t}`));
    // Deleting the claim (no pod uses it) releases the volume, which Retain keeps.
    await kubectl('delete', 'pvc', 'claim', '--wait=true', '--timeout=30s');
    await eventually('volume released', async () => ((await pvs().get(`${t}-small`)).status?.phase === 'Released' ? true : undefined));
    assert.match(await kubectl('get', 'pv', `${t}-small`, '--no-headers'), /Released/);
    await kubectl('delete', 'pv', `${t}-big`, `${t}-small`, '--wait=true', '--timeout=30s');
  });

  it('a claim with no class and no default class waits with FailedBinding; a claim in use is kept until its pod goes', async () => {
    await pvcs().create({ metadata: { name: 'noclass' }, spec: { storageClassName: '', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    const ev = await eventually('FailedBinding event', async () => (await eventsFor('noclass')).find((e) => e.reason === 'FailedBinding'));
    assert.equal(ev.message, 'no persistent volumes available for this claim and no storage class is set');
    assert.equal(ev.source?.component, 'persistentvolume-controller');
    // A pod names the claim (it never runs: no kubelet); the claim must outlive it.
    await env.client.pods(env.ns).create({ metadata: { name: 'user' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'noclass' } }] } });
    await kubectl('delete', 'pvc', 'noclass', '--wait=false');
    await new Promise((r) => setTimeout(r, 1000));
    const held = await pvcs().get('noclass');
    assert.ok(held.metadata.deletionTimestamp, 'being deleted');
    assert.match(await kubectl('get', 'pvc', 'noclass', '--no-headers'), /noclass\s+Terminating/);
    await env.client.pods(env.ns).delete('user', { gracePeriodSeconds: 0 });
    await eventually('claim gone', async () => pvcs().get('noclass').then(() => undefined, () => true));
  });

  it('WaitForFirstConsumer on the default class: the scheduler picks the node, local-path provisions, the pod is bound; Delete removes volume and directory', async () => {
    const t = env.tag;
    await apply(`
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: lp-${t}, annotations: {storageclass.kubernetes.io/is-default-class: "true"}}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 128Mi}}}
`);
    // DefaultStorageClass gave it the class.
    assert.equal((await pvcs().get('data')).spec?.storageClassName, `lp-${t}`);
    const wait = await eventually('WaitForFirstConsumer event', async () => (await eventsFor('data')).find((e) => e.reason === 'WaitForFirstConsumer'));
    assert.equal(wait.message, 'waiting for first consumer to be created before binding');
    assert.match(await kubectl('get', 'sc', `lp-${t}`, '--no-headers'), new RegExp(`lp-${t} \\(default\\)\\s+rancher.io/local-path\\s+Delete\\s+WaitForFirstConsumer`));
    await env.client.pods(env.ns).create({ metadata: { name: 'consumer' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } });
    const pod = await eventually('pod bound to the node', async () => {
      const p = await env.client.pods(env.ns).get('consumer');
      return p.spec?.nodeName ? p : undefined;
    }, 30_000);
    assert.equal(pod.spec?.nodeName, nodeName());
    const claim = await pvcs().get('data');
    assert.equal(claim.status?.phase, 'Bound');
    assert.equal(claim.metadata.annotations?.['volume.kubernetes.io/selected-node'], nodeName());
    assert.equal(claim.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    assert.equal(claim.metadata.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    const pv = await pvs().get(claim.spec?.volumeName ?? '');
    assert.equal(pv.metadata.name, `pvc-${claim.metadata.uid}`);
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
    const dir = join(storageDir, `pvc-${claim.metadata.uid}_${env.ns}_data`);
    assert.equal(pv.spec?.hostPath?.path, dir);
    assert.equal(statSync(dir).mode & 0o777, 0o777);
    assert.ok((await eventsFor('data')).some((e) => e.reason === 'ExternalProvisioning'));
    // The claim goes once the pod does; Delete removes the directory and the volume.
    await env.client.pods(env.ns).delete('consumer', { gracePeriodSeconds: 0 });
    await kubectl('delete', 'pvc', 'data', '--wait=true', '--timeout=30s');
    await eventually('volume deleted', async () => pvs().get(pv.metadata.name ?? '').then(() => undefined, () => true), 30_000);
    assert.equal(existsSync(dir), false);
    await kubectl('delete', 'sc', `lp-${t}`);
  });

  it('a pod whose claim does not exist stays Pending with FailedScheduling', async () => {
    await env.client.pods(env.ns).create({ metadata: { name: 'orphan' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'nope' } }] } });
    const ev = await eventually('FailedScheduling', async () => (await eventsFor('orphan')).find((e) => e.reason === 'FailedScheduling'));
    assert.equal(ev.message, '0/1 nodes are available: persistentvolumeclaim "nope" not found.');
    const p = await env.client.pods(env.ns).get('orphan');
    assert.equal(p.spec?.nodeName, undefined);
    assert.match(await kubectl('describe', 'pod', 'orphan'), /persistentvolumeclaim "nope" not found/);
    await env.client.pods(env.ns).delete('orphan', { gracePeriodSeconds: 0 });
  });
});
