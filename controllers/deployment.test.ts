// The ReplicaSet and Deployment controllers on a real apiserver and etcd, driven by
// real kubectl 1.32: create, scale, rolling update with maxSurge/maxUnavailable
// watched at every step, rollout status|history|undo|restart|pause|resume,
// Recreate, the progress deadline, and the cascade Deployment → ReplicaSet → Pod.
// No kubelet: pods are made Ready by a stand-in that patches their status, as the
// replication tests do.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Deployment, ReplicaSet } from '../api/apps.js';
import type { Pod } from '../api/core.js';
import { isNotFound } from '../client/errors.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { sleep, waitFor } from '../testing/wait.js';
import { computeHash } from './deployment-util.js';
import { startControllerManager, type ControllerManager } from './manager.js';

const run = promisify(execFile);

function deploymentYaml(name: string, replicas: number, image: string, extra = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  progressDeadlineSeconds: 600
  revisionHistoryLimit: 10
${extra}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: c
        image: ${image}
        command: [sleep, "3600"]
`;
}

describe('deployment and replicaset controllers with kubectl', { timeout: 300_000 }, () => {
  let env: ControllerTestEnv;
  let cm: ControllerManager | undefined;
  let readyDelayMs = 300;
  let readyStop = false;
  let readyLoop: Promise<void> | undefined;
  const noReady = new Set<string>(); // deployments whose pods never become Ready

  const kubectl = async (...args: string[]) => (await run('/usr/bin/kubectl', ['--kubeconfig', env.kubeconfig, ...args], { timeout: 120_000 })).stdout;
  const kubectlIn = async (input: string, ...args: string[]) => {
    const { spawn } = await import('node:child_process');
    return new Promise<string>((resolve, reject) => {
      const p = spawn('/usr/bin/kubectl', ['--kubeconfig', env.kubeconfig, ...args]);
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')}: ${err}`))));
      p.stdin.end(input);
    });
  };
  const deployments = () => env.client.resource<Deployment>('deployments', env.ns);
  const replicaSets = () => env.client.resource<ReplicaSet>('replicasets', env.ns);
  const podsOf = async (app: string): Promise<Pod[]> => (await env.client.pods(env.ns).list({ labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const rsOf = async (app: string): Promise<ReplicaSet[]> => (await replicaSets().list({ labelSelector: `app=${app}` })).items;

  before(async () => {
    env = await startEnv();
    cm = await startControllerManager({ client: env.client, controllers: ['replicaset', 'deployment', 'garbagecollector'], log: () => {} });
    // The kubelet stand-in: a pod becomes Running and Ready readyDelayMs after it is created.
    readyLoop = (async () => {
      while (!readyStop) {
        try {
          const pods = (await env.client.pods(env.ns).list()).items;
          for (const p of pods) {
            if (p.metadata?.deletionTimestamp || p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
            if (noReady.has(p.metadata?.labels?.app ?? '')) continue;
            if (Date.now() - Date.parse(p.metadata?.creationTimestamp ?? '') < readyDelayMs) continue;
            const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
            await env.client
              .pods(env.ns)
              .patch(p.metadata.name!, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }, 'merge', { subresource: 'status' })
              .catch((err: unknown) => {
                if (!isNotFound(err)) throw err;
              });
          }
        } catch {
          // the apiserver is going away at the end
        }
        await sleep(100);
      }
    })();
  });
  after(async () => {
    readyStop = true;
    await readyLoop;
    await cm?.stop();
    await env?.stop();
  });

  it('create: a ReplicaSet <name>-<hash> with the hash label, revision 1, pods owned by it, and rollout status completes', async () => {
    await kubectlIn(deploymentYaml('web', 3, 'busybox:1'), 'apply', '-f', '-');
    const out = await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    assert.match(out, /deployment "web" successfully rolled out/);
    const [rs] = await rsOf('web');
    const hash = rs.metadata.labels?.['pod-template-hash'];
    assert.ok(hash, 'hash label on the RS');
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.spec?.selector.matchLabels?.['pod-template-hash'], hash);
    assert.equal(rs.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    const d = await deployments().get('web');
    assert.equal(rs.metadata.ownerReferences?.[0]?.uid, d.metadata.uid);
    assert.equal(rs.metadata.ownerReferences?.[0]?.controller, true);
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    const pods = await podsOf('web');
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.equal(p.metadata.labels?.['pod-template-hash'], hash);
      assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
      assert.equal(p.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);
    }
    assert.deepEqual(
      d.status?.conditions?.map((c) => [c.type, c.status, c.reason]).sort(),
      [
        ['Available', 'True', 'MinimumReplicasAvailable'],
        ['Progressing', 'True', 'NewReplicaSetAvailable'],
      ],
    );
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Progressing')?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
    assert.deepEqual([d.status?.replicas, d.status?.updatedReplicas, d.status?.readyReplicas, d.status?.availableReplicas, d.status?.observedGeneration], [3, 3, 3, 3, d.metadata.generation]);
    const st = (await replicaSets().get(rs.metadata.name)).status;
    assert.deepEqual([st?.replicas, st?.fullyLabeledReplicas, st?.readyReplicas, st?.availableReplicas], [3, 3, 3, 3]);
    const events = (await env.client.events(env.ns).list()).items.filter((e) => e.reason === 'ScalingReplicaSet');
    assert.ok(events.some((e) => e.message === `Scaled up replica set web-${hash} from 0 to 3`), JSON.stringify(events.map((e) => e.message)));
    const ev = events.find((e) => e.message === `Scaled up replica set web-${hash} from 0 to 3`)!;
    assert.deepEqual([ev.involvedObject.kind, ev.involvedObject.apiVersion, ev.involvedObject.name, ev.source?.component], ['Deployment', 'apps/v1', 'web', 'deployment-controller']);
    const described = await kubectl('describe', 'deployment', 'web');
    assert.match(described, /ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set web-\w+ from 0 to 3/);
    assert.match(described, /NewReplicaSet:\s+web-\w+ \(3\/3 replicas created\)/);
  });

  it('kubectl scale: the RS follows', async () => {
    await kubectl('scale', 'deployment/web', '--replicas=4');
    await waitFor(async () => (await podsOf('web')).length === 4, 20_000, '4 pods');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    const [rs] = await rsOf('web');
    assert.equal(rs.spec?.replicas, 4);
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '4');
    // Settled: nothing is written again and again.
    const before = [(await deployments().get('web')).metadata.resourceVersion, (await replicaSets().get(rs.metadata.name!)).metadata.resourceVersion];
    await sleep(1500);
    assert.deepEqual([(await deployments().get('web')).metadata.resourceVersion, (await replicaSets().get(rs.metadata.name!)).metadata.resourceVersion], before);
  });

  it('set image: a rolling update (maxSurge 1, maxUnavailable 1) keeps both bounds at every step and completes', async () => {
    readyDelayMs = 700;
    await kubectl('patch', 'deployment/web', '-p', '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":1}}}}');
    let done = false;
    let maxSpec = 0;
    let minReady = Infinity;
    let samples = 0;
    const watcher = (async () => {
      while (!done) {
        const rss = await rsOf('web');
        const pods = await podsOf('web');
        maxSpec = Math.max(maxSpec, rss.reduce((n, r) => n + (r.spec?.replicas ?? 0), 0));
        minReady = Math.min(minReady, pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length);
        samples++;
        await sleep(30);
      }
    })();
    await kubectl('set', 'image', 'deployment/web', 'c=busybox:2');
    // As the docs do it: the change-cause after the change, copied onto the new RS.
    await kubectl('annotate', 'deployment/web', 'kubernetes.io/change-cause=to busybox:2');
    const out = await kubectl('rollout', 'status', 'deployment/web', '--timeout=90s');
    done = true;
    await watcher;
    assert.match(out, /successfully rolled out/);
    assert.ok(samples > 10, `watched ${samples} times`);
    assert.ok(maxSpec <= 5, `the RSs asked for ${maxSpec} pods > 4+1`);
    assert.ok(minReady >= 3, `only ${minReady} ready < 4-1`);
    const rss = await rsOf('web');
    assert.equal(rss.length, 2);
    const nw = rss.find((r) => r.spec?.template?.spec?.containers[0]?.image === 'busybox:2')!;
    const old = rss.find((r) => r !== nw)!;
    assert.equal(nw.spec?.replicas, 4);
    assert.equal(old.spec?.replicas, 0);
    assert.equal(nw.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal(nw.metadata.annotations?.['kubernetes.io/change-cause'], 'to busybox:2');
    const pods = await podsOf('web');
    assert.equal(pods.length, 4);
    assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'busybox:2'));
    // set image is a strategic merge patch: the container keeps its other fields.
    assert.ok(pods.every((p) => p.spec?.containers[0]?.command?.join(' ') === 'sleep 3600'));
    const events = (await env.client.events(env.ns).list()).items.map((e) => e.message);
    assert.ok(events.includes(`Scaled down replica set ${old.metadata.name} from 4 to 3`) || events.some((m) => m?.startsWith(`Scaled down replica set ${old.metadata.name} from 4 to`)), JSON.stringify(events));
  });

  it('rollout history lists the revisions with their change-cause; undo and undo --to-revision roll back', async () => {
    const hist = await kubectl('rollout', 'history', 'deployment/web');
    assert.match(hist, /REVISION\s+CHANGE-CAUSE/);
    assert.match(hist, /\n1\s+<none>/);
    assert.match(hist, /\n2\s+to busybox:2/);
    const rev2 = await kubectl('rollout', 'history', 'deployment/web', '--revision=2');
    assert.match(rev2, /busybox:2/);

    readyDelayMs = 200;
    await kubectl('rollout', 'undo', 'deployment/web');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    let d = await deployments().get('web');
    assert.equal(d.spec?.template.spec?.containers[0]?.image, 'busybox:1');
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '3', 'the old RS comes back as revision 3');
    let rss = await rsOf('web');
    assert.equal(rss.length, 2, 'undo re-uses the old ReplicaSet');
    const back = rss.find((r) => r.spec?.template?.spec?.containers[0]?.image === 'busybox:1')!;
    assert.equal(back.spec?.replicas, 4);
    assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.ok((await podsOf('web')).every((p) => p.spec?.containers[0]?.image === 'busybox:1'));

    await kubectl('rollout', 'undo', 'deployment/web', '--to-revision=2');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    d = await deployments().get('web');
    assert.equal(d.spec?.template.spec?.containers[0]?.image, 'busybox:2');
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '4');
    rss = await rsOf('web');
    assert.equal(rss.length, 2);
    await assert.rejects(kubectl('rollout', 'undo', 'deployment/web', '--to-revision=9'), /unable to find specified revision 9 in history/);
  });

  it('rollout restart makes a new ReplicaSet (restartedAt annotation); pause holds a change, resume rolls it out', async () => {
    await kubectl('rollout', 'restart', 'deployment/web');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    let d = await deployments().get('web');
    assert.ok(d.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    let rss = await rsOf('web');
    assert.equal(rss.length, 3);
    const cur = rss.find((r) => (r.spec?.replicas ?? 0) > 0)!;
    assert.ok(cur.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    assert.equal(cur.metadata.annotations?.['deployment.kubernetes.io/revision'], '5');

    await kubectl('rollout', 'pause', 'deployment/web');
    await kubectl('set', 'image', 'deployment/web', 'c=busybox:3');
    await waitFor(async () => {
      const x = await deployments().get('web');
      return x.status?.observedGeneration === x.metadata.generation && x.status?.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused' && c.status === 'Unknown' && c.message === 'Deployment is paused') === true;
    }, 20_000, 'paused condition');
    await sleep(500);
    rss = await rsOf('web');
    assert.equal(rss.length, 3, 'no new ReplicaSet while paused');
    // Scaling still works while paused.
    await kubectl('scale', 'deployment/web', '--replicas=5');
    await waitFor(async () => (await podsOf('web')).length === 5, 20_000, '5 pods while paused');
    assert.ok((await podsOf('web')).every((p) => p.spec?.containers[0]?.image === 'busybox:2'));

    await kubectl('rollout', 'resume', 'deployment/web');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    d = await deployments().get('web');
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '6');
    const pods = await podsOf('web');
    assert.equal(pods.length, 5);
    assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'busybox:3'));
  });

  it('revisionHistoryLimit removes the oldest scaled-down ReplicaSets', async () => {
    await kubectl('patch', 'deployment/web', '-p', '{"spec":{"revisionHistoryLimit":1}}');
    await waitFor(async () => (await rsOf('web')).length === 2, 20_000, 'only the current RS and one old one left');
    const revs = (await rsOf('web')).map((r) => Number(r.metadata.annotations?.['deployment.kubernetes.io/revision'])).sort();
    assert.deepEqual(revs, [5, 6]);
  });

  it('proportional scaling: a deployment resized in the middle of a stuck rollout shares the change between its ReplicaSets', async () => {
    noReady.add('prop');
    await kubectlIn(deploymentYaml('prop', 10, 'busybox:1', '  strategy:\n    rollingUpdate: {maxSurge: 3, maxUnavailable: 2}'), 'apply', '-f', '-');
    noReady.delete('prop');
    await kubectl('rollout', 'status', 'deployment/prop', '--timeout=60s');
    noReady.add('prop'); // new pods never get ready: the rollout stops at old 8 + new 5
    await kubectl('set', 'image', 'deployment/prop', 'c=busybox:2');
    await waitFor(async () => {
      const sizes = (await rsOf('prop')).map((r) => r.spec?.replicas ?? 0).sort((a, b) => a - b);
      return sizes.join(',') === '5,8';
    }, 20_000, 'old 8 and new 5');
    await kubectl('scale', 'deployment/prop', '--replicas=15');
    // 15 + surge 4 (25% of 15 rounds up... here maxSurge is 3): 18 in all, 8:5 becoming 11:7.
    await waitFor(async () => {
      const rss = await rsOf('prop');
      const old = rss.find((r) => r.spec?.template?.spec?.containers[0]?.image === 'busybox:1');
      const nw = rss.find((r) => r.spec?.template?.spec?.containers[0]?.image === 'busybox:2');
      return old?.spec?.replicas === 11 && nw?.spec?.replicas === 7;
    }, 20_000, 'old 11, new 7');
    noReady.delete('prop');
    await kubectl('rollout', 'status', 'deployment/prop', '--timeout=90s');
    assert.equal((await podsOf('prop')).length, 15);
  });

  it('Recreate: every old pod is gone before any new one exists', async () => {
    await kubectlIn(deploymentYaml('rec', 3, 'busybox:1', '  strategy:\n    type: Recreate'), 'apply', '-f', '-');
    await kubectl('rollout', 'status', 'deployment/rec', '--timeout=60s');
    let mixed = false;
    let done = false;
    const watcher = (async () => {
      while (!done) {
        const images = new Set((await podsOf('rec')).map((p) => p.spec?.containers[0]?.image));
        if (images.size > 1) mixed = true;
        await sleep(20);
      }
    })();
    await kubectl('set', 'image', 'deployment/rec', 'c=busybox:2');
    await kubectl('rollout', 'status', 'deployment/rec', '--timeout=60s');
    done = true;
    await watcher;
    assert.equal(mixed, false, 'old and new pods never ran together');
    const pods = await podsOf('rec');
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'busybox:2'));
  });

  it('progress deadline exceeded: Progressing False with the upstream reason, and rollout status fails', async () => {
    noReady.add('slow');
    await kubectlIn(deploymentYaml('slow', 2, 'busybox:1').replace('progressDeadlineSeconds: 600', 'progressDeadlineSeconds: 3'), 'apply', '-f', '-');
    await waitFor(async () => {
      const d = await deployments().get('slow');
      const p = d.status?.conditions?.find((c) => c.type === 'Progressing');
      return p?.status === 'False' && p.reason === 'ProgressDeadlineExceeded';
    }, 30_000, 'ProgressDeadlineExceeded');
    const d = await deployments().get('slow');
    const p = d.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.match(p?.message ?? '', /^ReplicaSet "slow-[a-z0-9]+" has timed out progressing\.$/);
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.reason, 'MinimumReplicasUnavailable');
    await assert.rejects(kubectl('rollout', 'status', 'deployment/slow', '--timeout=20s'), /exceeded its progress deadline/);
  });

  it('a hash collision with a ReplicaSet that is not the deployment\'s raises collisionCount and picks the next hash', async () => {
    // Paused, the controller creates no ReplicaSet: the template's hash can be worked out first.
    await kubectlIn(deploymentYaml('coll', 1, 'busybox:1', '  paused: true'), 'apply', '-f', '-');
    const d = await deployments().get('coll');
    const hash = computeHash(d.spec?.template);
    const squatter = structuredClone(d.spec!.template);
    squatter.metadata = { labels: { app: 'squatter' } };
    await replicaSets().create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `coll-${hash}`, labels: { app: 'squatter' } }, spec: { replicas: 0, selector: { matchLabels: { app: 'squatter' } }, template: squatter } });
    await kubectl('rollout', 'resume', 'deployment/coll');
    await kubectl('rollout', 'status', 'deployment/coll', '--timeout=60s');
    const after = await deployments().get('coll');
    assert.equal(after.status?.collisionCount, 1);
    const mine = await rsOf('coll');
    assert.deepEqual(mine.map((r) => r.metadata.name), [`coll-${computeHash(d.spec?.template, 1)}`]);
    assert.equal((await replicaSets().get(`coll-${hash}`)).metadata.labels?.app, 'squatter', 'the other ReplicaSet is left alone');
  });

  it('a Deployment adopts a matching orphan ReplicaSet with its template instead of making a new one, and releases one that stops matching', async () => {
    const template = { metadata: { labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'busybox:1', command: ['sleep', '3600'] }] } };
    await replicaSets().create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'adopt-orphan', labels: { app: 'adopt' } }, spec: { replicas: 2, selector: { matchLabels: { app: 'adopt' } }, template } });
    await waitFor(async () => (await podsOf('adopt')).length === 2, 20_000, 'the orphan RS has its 2 pods');
    await deployments().create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'adopt' }, spec: { replicas: 2, selector: { matchLabels: { app: 'adopt' } }, template } });
    await kubectl('rollout', 'status', 'deployment/adopt', '--timeout=60s');
    const d = await deployments().get('adopt');
    const rss = await rsOf('adopt');
    assert.deepEqual(rss.map((r) => r.metadata.name), ['adopt-orphan'], 'no new ReplicaSet');
    assert.equal(rss[0].metadata.ownerReferences?.[0]?.uid, d.metadata.uid);
    assert.equal(rss[0].metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    // Its labels changed so the deployment's selector no longer matches it: released, and a new ReplicaSet takes over.
    await replicaSets().patch('adopt-orphan', { metadata: { labels: { app: 'other' } } }, 'merge');
    await waitFor(async () => !(await replicaSets().get('adopt-orphan')).metadata.ownerReferences?.length, 20_000, 'released');
    await kubectl('rollout', 'status', 'deployment/adopt', '--timeout=60s');
    const now = await rsOf('adopt');
    assert.equal(now.length, 1);
    assert.match(now[0].metadata.name ?? '', /^adopt-\w+$/);
    assert.notEqual(now[0].metadata.name, 'adopt-orphan');
    await replicaSets().delete('adopt-orphan');
    await kubectl('delete', 'deployment/adopt');
  });

  it('a ReplicaSet of its own (matchExpressions selector) adopts a matching orphan and keeps its count', async () => {
    await env.client.pods(env.ns).create({ metadata: { name: 'orphan', labels: { app: 'solo', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await replicaSets().create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'solo' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'solo' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['x', 'y'] }] },
        template: { metadata: { labels: { app: 'solo', tier: 'y' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    await waitFor(async () => (await podsOf('solo')).length === 2, 20_000, '2 pods');
    const orphan = await env.client.pods(env.ns).get('orphan');
    assert.equal(orphan.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
    assert.equal(orphan.metadata.ownerReferences?.[0]?.apiVersion, 'apps/v1');
    await waitFor(async () => (await replicaSets().get('solo')).status?.fullyLabeledReplicas === 1, 20_000, 'fullyLabeledReplicas counts template labels');
    const created = (await env.client.events(env.ns).list()).items.filter((e) => e.reason === 'SuccessfulCreate' && e.involvedObject.name === 'solo');
    assert.equal(created.length, 1, 'one pod created, one adopted');
    assert.deepEqual([created[0].involvedObject.kind, created[0].involvedObject.apiVersion, created[0].source?.component], ['ReplicaSet', 'apps/v1', 'replicaset-controller']);
    assert.match(created[0].message ?? '', /^Created pod: solo-\w+$/);
    await sleep(300);
    assert.equal((await podsOf('solo')).length, 2);
  });

  it('kubectl delete deployment cascades to its ReplicaSets and pods (background and foreground)', async () => {
    await kubectl('delete', 'deployment/web', '--cascade=foreground');
    await waitFor(async () => (await rsOf('web')).length === 0 && (await podsOf('web')).length === 0, 30_000, 'web RSs and pods gone');
    await kubectl('delete', 'deployment/rec');
    await waitFor(async () => (await rsOf('rec')).length === 0 && (await podsOf('rec')).length === 0, 30_000, 'rec RSs and pods gone');
    await kubectl('delete', 'deployment/prop', '--cascade=orphan');
    await sleep(1000);
    const left = await rsOf('prop');
    assert.ok(left.length > 0, 'orphaned RSs stay');
    assert.ok(left.every((r) => !r.metadata.ownerReferences?.length));
  });
});
