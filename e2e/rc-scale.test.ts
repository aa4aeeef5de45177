// 200 real pods in one ReplicationController on one node (`hyperkube up --max-pods=250`):
// all bound within 2 s of the RC's creation; 200 -> 0 -> 200 with no duplicate or lost
// pod, all Running; then the scheduler and the controller manager, run as their own
// processes, are killed with SIGKILL mid-scale (200 -> 50 -> 150) and started again:
// they converge, never with more pods alive than asked for. `hyperkube reset` removes them all.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Pod, ReplicationController } from '../api/core.js';
import { Informer } from '../client/informer.js';
import { RestClient } from '../client/rest.js';
import { SERVER_NODE_FLAGS } from '../cmd/node-flags.js';
import { cgroupPids } from '../runtime/reset.js';
import { hyperkubeCommand, startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

const RC = 'big';
const NS = 'default';

let cl: IsolatedCluster;
let client: RestClient;
let pods: Informer<Pod>;
let rcUid = '';
const components = new Map<string, Component>();
/** The last test got to its end: 150 pods are running for the reset to remove. */
let at150 = false;

/** `hyperkube scheduler` or `hyperkube controller-manager` as a child process of this test. */
interface Component {
  child: ChildProcess;
  output(): string;
}

async function startComponent(name: 'scheduler' | 'controller-manager', waitRunning = true): Promise<Component> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...hyperkubeCommand(), name, `--kubeconfig=${cl.up.kubeconfig}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const c = { child, output: () => out };
  components.set(name, c);
  if (!waitRunning) return c;
  // Both print "<name>: running ..." once their informers have synced.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not running after 30 s: ${out}`)), 30_000);
    const check = () => {
      if (!new RegExp(`^${name}: running`, 'm').test(out)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout.on('data', check);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${sig ?? code}): ${out}`));
    });
  });
  return c;
}

/** SIGKILL by PID, and wait until it is gone. */
async function kill9(name: string): Promise<void> {
  const c = components.get(name);
  if (!c || c.child.exitCode !== null || c.child.signalCode !== null) return;
  const gone = new Promise((r) => c.child.once('exit', r));
  process.kill(c.child.pid!, 'SIGKILL');
  await gone;
}

const active = (p: Pod) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
const activePods = () => pods.store.list().filter(active);

/** The most active pods seen at once since the last reset(), checked on every pod event. */
const peak = {
  value: 0,
  reset() {
    this.value = activePods().length;
  },
};

async function scale(replicas: number): Promise<void> {
  const r = await cl.up.kubectl(['scale', `rc/${RC}`, `--replicas=${replicas}`]);
  assert.equal(r.code, 0, r.stderr);
}

/** Exactly `n` active pods, distinct, owned by the RC, bound and Running; and still so a moment later. */
async function converged(n: number, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  await eventually(what, () => {
    const all = pods.store.list();
    const act = all.filter(active);
    // At rest: only the wanted pods, none still terminating.
    return all.length === n && act.length === n && act.every((p) => p.status?.phase === 'Running') ? true : undefined;
  }, timeoutMs, 200);
  const act = activePods();
  assert.equal(new Set(act.map((p) => p.metadata.name)).size, n, 'distinct names');
  for (const p of act) {
    const ref = p.metadata?.ownerReferences?.find((r) => r.controller);
    assert.equal(ref?.uid, rcUid, `${p.metadata.name} owned by the RC`);
    assert.equal(p.spec?.nodeName, cl.flags.node);
  }
  // And it stays there: nothing more is created once the controller is at rest.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(activePods().length, n, `${what}: still ${n} a moment later`);
  console.log(`# ${what}: ${Date.now() - t0} ms`);
}

before(async () => {
  cl = await startIsolated('rcscale', ['--max-pods=250', '--disable=scheduler,controller-manager']);
  client = RestClient.fromKubeconfig({ path: cl.up.kubeconfig });
  await Promise.all([startComponent('scheduler'), startComponent('controller-manager')]);
  pods = new Informer<Pod>(client, 'pods', { namespace: NS, labelSelector: `app=${RC}` });
  const onEvent = () => {
    peak.value = Math.max(peak.value, activePods().length);
  };
  pods.on('add', onEvent).on('update', onEvent).on('delete', onEvent);
  await pods.start();
});

after(async () => {
  for (const name of components.keys()) await kill9(name);
  await pods?.stop();
  client?.close();
  if (!cl) return;
  // 150 pods left: each a pause process and a sleep in the cluster's cgroups.
  const running = cgroupPids(cl.flags.cgroup).length;
  console.log(`# reset: ${running} pod processes to remove`);
  await cl.teardown();
  if (at150) assert.ok(running >= 300, `${running} processes in the pods' cgroups before reset`);
  // Every pod's processes, mounts and network namespace are gone with `hyperkube reset`.
  assert.deepEqual(cgroupPids(cl.flags.cgroup), [], `reset left processes (had ${running})`);
  assert.ok(!readFileSync('/proc/mounts', 'utf8').includes(cl.flags.root), 'no mount left under the test root');
});

test('--max-pods=250 is the node capacity', { timeout: 30_000 }, async () => {
  const node = await eventually('node registered', () => client.nodes().get(cl.flags.node));
  assert.equal(node.status?.capacity?.pods, '250');
  assert.equal(node.status?.allocatable?.pods, '250');
});

test('RC of 200: every pod bound within 2 s of its creation, then all Running', { timeout: 150_000 }, async () => {
  const rc: ReplicationController = {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: RC, namespace: NS },
    spec: {
      replicas: 200,
      selector: { app: RC },
      template: {
        metadata: { labels: { app: RC } },
        // sleep as PID 1 ignores SIGTERM: a 1 s grace keeps scale-downs short.
        // No API token: this cluster runs without the controller-manager, so no root-ca-cert-publisher.
        spec: { terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
      },
    },
  };
  const bound = () => pods.store.list().filter((p) => p.spec?.nodeName).length;
  const allBound = new Promise<number>((resolve) => {
    const check = () => {
      if (bound() >= 200) resolve(performance.now());
    };
    pods.on('add', check).on('update', check);
  });
  const t0 = performance.now();
  rcUid = (await client.replicationControllers(NS).create(rc)).metadata.uid!;
  const t1 = await Promise.race([allBound, new Promise<number>((r) => setTimeout(() => r(NaN), 30_000))]);
  const ms = Math.round(t1 - t0);
  console.log(`# RC 0 -> 200: all bound ${ms} ms after the create (${bound()} bound)`);
  await converged(200, 120_000, '200 pods Running');
  assert.equal(peak.value, 200, 'never more than 200');
  // The 2 s figure itself is measured by `npm run bench -- pods` (rc_200_all_bound); here a
  // margin keeps a busy CI machine from failing the suite while still catching regressions.
  assert.ok(ms <= 4000, `200 pods bound within 4 s (took ${ms} ms)`);
});

test('200 -> 0 -> 200: no duplicate or lost pod', { timeout: 200_000 }, async () => {
  const first = new Set(activePods().map((p) => p.metadata.name!));
  await scale(0);
  await converged(0, 60_000, 'scaled to 0');
  peak.reset();
  await scale(200);
  await converged(200, 120_000, '200 pods Running again');
  assert.equal(peak.value, 200, 'never more than 200 alive');
  assert.ok(activePods().every((p) => !first.has(p.metadata.name!)), 'all new pods');
});

test('scheduler and controller manager killed with SIGKILL mid-scale converge when restarted', { timeout: 200_000 }, async () => {
  // SIGKILL both from inside the pod event handler, so the moment is exact.
  const killBoth = () => {
    for (const c of components.values()) if (c.child.exitCode === null && c.child.signalCode === null) process.kill(c.child.pid!, 'SIGKILL');
  };
  const dead = async () => {
    for (const c of components.values()) if (c.child.exitCode === null && c.child.signalCode === null) await new Promise((r) => c.child.once('exit', r));
  };
  // 200 -> 50: kill both while the controller is deleting.
  let atKill = 0;
  const midDelete = new Promise<void>((resolve) => {
    const check = () => {
      const n = activePods().length;
      if (!atKill && n <= 125 && n > 50) {
        killBoth();
        atKill = n;
        resolve();
      }
    };
    pods.on('update', check).on('delete', check);
  });
  await scale(50);
  await midDelete;
  await dead();
  console.log(`# killed both at ${atKill} active pods (scaling 200 -> 50)`);
  // 50 -> 150 while they are down; from here on never more than 150 may be alive.
  await scale(150);
  peak.reset();
  const before = peak.value;
  let atSecondKill = 0;
  const midCreate = new Promise<void>((resolve) => {
    // The informer first replays every cached pod to a new 'add' handler: only later adds count.
    let armed = false;
    pods.on('add', () => {
      if (!armed || atSecondKill) return;
      killBoth();
      atSecondKill = activePods().length;
      resolve();
    });
    armed = true;
  });
  // Kill both again as soon as the restarted controller's first new pod appears (it may
  // create pods before it says it is running, so that is not waited for).
  await startComponent('scheduler');
  await startComponent('controller-manager', false);
  await midCreate;
  await dead();
  const unbound = activePods().filter((p) => !p.spec?.nodeName).length;
  console.log(`# restarted at ${before} active pods, killed both again at ${atSecondKill} (${unbound} unbound), scaling 50 -> 150`);
  await Promise.all([startComponent('controller-manager'), startComponent('scheduler')]);
  await converged(150, 120_000, '150 pods Running after the restarts');
  assert.ok(peak.value <= 150, `never more than 150 alive after scaling to 150 (saw ${peak.value})`);
  // One more restart at rest changes nothing.
  await kill9('controller-manager');
  await startComponent('controller-manager');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(activePods().length, 150);
  assert.equal(pods.store.list().length, 150);
  at150 = true;
});
