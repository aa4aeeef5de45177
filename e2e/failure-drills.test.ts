// Failure drills on a real `hyperkube up --multi-process` cluster under a 50-pod RC:
// kill -9 of each component in turn (up restarts it; the cluster converges without
// restarting a container), a stop and start of `up` (the same pods are re-adopted),
// pods deleted while the kubelet is down (torn down, replaced), and an OOM-killed pod.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pod } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { hyperkubeCommand, startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';
import { cgroupPids } from '../runtime/reset.js';

const run = promisify(execFile);
const N = 50;

const RC = `
apiVersion: v1
kind: ReplicationController
metadata: {name: drill}
spec:
  replicas: ${N}
  selector: {app: drill}
  template:
    metadata: {labels: {app: drill}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: sleep, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
---
apiVersion: v1
kind: Service
metadata: {name: drill}
spec:
  selector: {app: drill}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: oom}
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [dd, if=/dev/zero, of=/dev/null, bs=200M, count=1]
    resources: {limits: {memory: 32Mi}}
`;

/** Pod name → container ID, for the RC's pods. */
type Snapshot = Map<string, string>;

function pidsOf(cl: IsolatedCluster): Record<string, number> {
  return JSON.parse(readFileSync(join(cl.up.dataDir, 'pids.json'), 'utf8')) as Record<string, number>;
}

async function getJson<T>(cl: IsolatedCluster, args: string[]): Promise<T> {
  const r = await cl.up.kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as T;
}

/**
 * Waits until the RC has exactly N Running pods, all its own, none terminating, none of
 * `gone` among them; then checks that every other pod of `before` is still there with the
 * same container, never restarted.
 */
async function converged(cl: IsolatedCluster, what: string, before?: Snapshot, gone: string[] = [], timeoutMs = 90_000, n = N): Promise<{ snap: Snapshot; pods: Pod[] }> {
  const pods = await eventually(
    `${what}: ${n} Running pods of the RC`,
    async () => {
      const items = (await getJson<{ items: Pod[] }>(cl, ['get', 'pods', '-l', 'app=drill'])).items;
      const running = items.filter((p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running && !p.metadata?.deletionTimestamp);
      if (running.length !== n || items.length !== n) return undefined;
      if (items.some((p) => gone.includes(p.metadata.name!))) return undefined;
      return items;
    },
    timeoutMs,
    500,
  );
  const snap: Snapshot = new Map();
  for (const p of pods) {
    const owner = p.metadata.ownerReferences?.[0];
    assert.equal(owner?.kind, 'ReplicationController', `${p.metadata.name} owned by the RC`);
    assert.equal(owner?.name, 'drill');
    const cs = p.status!.containerStatuses![0];
    assert.equal(cs.restartCount, 0, `${what}: ${p.metadata.name} not restarted`);
    snap.set(p.metadata.name!, cs.containerID!);
  }
  if (before) {
    for (const [name, id] of before) {
      if (gone.includes(name)) continue;
      assert.equal(snap.get(name), id, `${what}: ${name} kept its container`);
    }
  }
  return { snap, pods };
}

async function apiAnswers(cl: IsolatedCluster): Promise<void> {
  const r = await cl.up.kubectl(['get', '--raw', '/readyz']);
  assert.equal(r.code, 0, r.stderr);
  const node = await getJson<{ items: Pod[] }>(cl, ['get', 'nodes']);
  assert.equal(node.items.length, 1);
}

/** The pid up started in place of `old`. */
function awaitRestart(cl: IsolatedCluster, component: string, old: number): Promise<number> {
  return eventually(`${component} restarted by up`, () => {
    const p = pidsOf(cl)[component];
    return p && p !== old ? p : undefined;
  }, 60_000, 100);
}

/** The pod containers' `sleep 3600` processes in this cluster's cgroups. */
function sleepers(cl: IsolatedCluster): number {
  const cmd = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  };
  return cgroupPids(cl.flags.cgroup).filter((pid) => cmd(pid) === 'sleep\x003600\x00').length;
}

/** Sandboxes and containers the runtime keeps state for (running or not). */
function runtimeCounts(cl: IsolatedCluster): { sandboxes: number; containers: number } {
  const count = (kind: string, file: string) => {
    const dir = join(cl.flags.state, kind);
    return existsSync(dir) ? readdirSync(dir).filter((id) => existsSync(join(dir, id, file))).length : 0;
  };
  return { sandboxes: count('sandboxes', 'sandbox.json'), containers: count('containers', 'container.json') };
}

/** Nothing but the RC's n pods on the node: one sandbox, one container and one `sleep` each. */
async function noLeftovers(cl: IsolatedCluster, n = N): Promise<void> {
  await eventually(`only the ${n} pods' sandboxes, containers and processes left`, () => {
    const c = runtimeCounts(cl);
    const s = sleepers(cl);
    if (c.sandboxes === n && c.containers === n && s === n) return true;
    throw new Error(`${c.sandboxes} sandboxes, ${c.containers} containers, ${s} sleep processes`);
  }, 20_000);
}

/** The DNAT targets the proxy wrote for the Service's endpoints. */
async function serviceTargets(cl: IsolatedCluster): Promise<string[]> {
  const { stdout } = await run('iptables-save', ['-t', 'nat']);
  const re = new RegExp(`^-A ${cl.flags.proxyChains}-SEP-\\S+ .*--comment "default/drill" .*--to-destination (\\S+)`, 'gm');
  return [...stdout.matchAll(re)].map((m) => m[1]).sort();
}

function podTargets(pods: Pod[]): string[] {
  return pods.map((p) => `${p.status!.podIP}:8080`).sort();
}

/** Container IDs (12 characters) the runtime on this node still has, running or not. */
async function runtimeContainers(cl: IsolatedCluster): Promise<string> {
  const f = cl.flags;
  const data = cl.up.dataDir;
  const r = await run(process.execPath, [...hyperkubeCommand(), 'runtime', `--state-dir=${f.state}`, `--containers-dir=${join(data, 'containers')}`, `--images-root=${join(data, 'images')}`, `--cgroup-root=${f.cgroup}`, 'ps', '-a']);
  return r.stdout;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const shortId = (containerID: string) => containerID.replace(/^.*:\/\//, '').slice(0, 12);

test('failure drills: kill -9 of each component, restart of up, deletes while the kubelet is down, OOM', { timeout: 240_000 }, async (t) => {
  const cl = await startIsolated('drill', ['--multi-process']);
  const timings: string[] = [];
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const v = await fn();
    timings.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    return v;
  };
  try {
    const pids = pidsOf(cl);
    for (const c of ['up', 'etcd', 'apiserver', 'controller-manager', 'scheduler', 'kubelet', 'proxy']) assert.ok(pids[c], `pids.json names ${c}`);
    assert.equal(pids.up, cl.up.child.pid);

    const applied = await cl.up.kubectl(['apply', '-f', '-'], RC);
    assert.equal(applied.code, 0, applied.stderr);
    let { snap, pods } = await timed(`${N} pods Running`, () => converged(cl, 'start', undefined, [], 150_000));

    await t.test('a pod over its memory limit is OOMKilled', async () => {
      const oom = await eventually('oom pod terminated', async () => {
        const p = await getJson<Pod>(cl, ['get', 'pod', 'oom']);
        return p.status?.containerStatuses?.[0]?.state?.terminated ? p : undefined;
      }, 30_000);
      assert.equal(oom.status!.containerStatuses![0].state!.terminated!.reason, 'OOMKilled');
      assert.equal(oom.status!.containerStatuses![0].state!.terminated!.exitCode, 137);
      assert.equal(oom.status!.phase, 'Failed');
      const del = await cl.up.kubectl(['delete', 'pod', 'oom']);
      assert.equal(del.code, 0, del.stderr);
      await noLeftovers(cl);
    });

    // Each component killed in turn; at once one pod is deleted, so the component has
    // work waiting when it comes back (the delete is retried while the API cannot answer).
    for (const component of ['etcd', 'apiserver', 'controller-manager', 'scheduler', 'kubelet', 'proxy']) {
      await t.test(`kill -9 ${component}: restarted, the cluster converges, no container restarted`, async () => {
        const victim = [...snap.keys()][0];
        await timed(`kill -9 ${component} → converged`, async () => {
          const old = pidsOf(cl)[component];
          process.kill(old, 'SIGKILL');
          const [pid] = await Promise.all([
            awaitRestart(cl, component, old),
            eventually(`delete ${victim}`, async () => ((await cl.up.kubectl(['delete', 'pod', victim, '--wait=false'])).code === 0 ? true : undefined), 30_000),
          ]);
          ({ snap, pods } = await converged(cl, `after kill -9 ${component}`, snap, [victim]));
          process.kill(pid, 0); // the new one is still running
        });
        assert.match(cl.up.output(), new RegExp(`${component} exited \\(SIGKILL\\); restarting in`));
        await apiAnswers(cl);
        // The proxy (restarted or not) follows the endpoints: exactly the pods' addresses.
        await eventually('service rules match the pods', async () => ((await serviceTargets(cl)).join() === podTargets(pods).join() ? true : undefined), 30_000);
      });
    }

    await t.test('kill -9 of the kubelet while it starts pods: they all start, nothing is left over', async () => {
      const M = N + 10;
      await timed('scale to 60 with a kubelet kill → converged', async () => {
        const old = pidsOf(cl).kubelet;
        const scaled = await cl.up.kubectl(['scale', 'rc', 'drill', `--replicas=${M}`]);
        assert.equal(scaled.code, 0, scaled.stderr);
        // Killed once some of the new pods are bound to the node, mid-way through starting them.
        const fresh = await eventually('new pods bound', async () => {
          const items = (await getJson<{ items: Pod[] }>(cl, ['get', 'pods', '-l', 'app=drill'])).items.filter((p) => !snap.has(p.metadata.name!));
          return items.filter((p) => p.spec?.nodeName).length >= 3 ? items : undefined;
        }, 30_000, 50);
        process.kill(old, 'SIGKILL');
        t.diagnostic(`kubelet killed with ${fresh.filter((p) => p.status?.phase === 'Running').length} of ${fresh.length} new pods Running`);
        await awaitRestart(cl, 'kubelet', old);
        const all = await eventually(`${M} Running`, async () => {
          const items = (await getJson<{ items: Pod[] }>(cl, ['get', 'pods', '-l', 'app=drill'])).items;
          return items.length === M && items.every((p) => p.status?.containerStatuses?.[0]?.state?.running) ? items : undefined;
        }, 90_000, 500);
        for (const p of all) {
          const id = snap.get(p.metadata.name!);
          if (id) assert.equal(p.status!.containerStatuses![0].containerID, id, `${p.metadata.name} kept its container`);
        }
        await noLeftovers(cl, M);
      });
      const down = await cl.up.kubectl(['scale', 'rc', 'drill', `--replicas=${N}`]);
      assert.equal(down.code, 0, down.stderr);
      await eventually(`back to ${N} pods`, async () => ((await getJson<{ items: Pod[] }>(cl, ['get', 'pods', '-l', 'app=drill'])).items.length === N ? true : undefined), 60_000, 500);
      ({ snap, pods } = await converged(cl, 'scaled back', undefined));
      await noLeftovers(cl);
    });

    await t.test('stop and start up on the same data dir: the same pods are re-adopted', async () => {
      const before = pidsOf(cl);
      await timed('restart of up → converged', async () => {
        await cl.restart();
        ({ snap, pods } = await converged(cl, 'after restart of up', snap));
      });
      for (const c of ['up', 'etcd', 'apiserver', 'kubelet']) assert.notEqual(pidsOf(cl)[c], before[c], `${c} is a new process`);
      for (const c of Object.keys(before)) assert.throws(() => process.kill(before[c], 0), `old ${c} (pid ${before[c]}) is gone`);
      await apiAnswers(cl);
    });

    await t.test('pods deleted while the kubelet is down are torn down and replaced', async () => {
      const client = RestClient.fromKubeconfig({ path: cl.up.kubeconfig });
      try {
        const victims = [...snap.keys()].slice(0, 6);
        const victimIds = victims.map((v) => shortId(snap.get(v)!));
        const old = pidsOf(cl).kubelet;
        process.kill(old, 'SIGKILL');
        // Half forced (gone from the API at once), half graceful (left for the kubelet to finish).
        await Promise.all(victims.map((v, i) => client.pods('default').delete(v, i < 3 ? { gracePeriodSeconds: 0 } : {})));
        assert.equal(pidsOf(cl).kubelet, old, 'deleted while the kubelet was down');
        await timed('deletes while the kubelet is down → converged', async () => {
          await eventually('kubelet restarted', () => (pidsOf(cl).kubelet !== old ? true : undefined), 60_000, 100);
          ({ snap, pods } = await converged(cl, 'after deletes while the kubelet was down', snap, victims));
        });
        const left = await eventually('victims\' containers removed', async () => {
          const ps = await runtimeContainers(cl);
          return victimIds.some((id) => ps.includes(id)) ? undefined : ps;
        }, 30_000);
        for (const [, id] of snap) assert.ok(left.includes(shortId(id)), `running container ${shortId(id)} kept`);
        await noLeftovers(cl);
      } finally {
        client.close();
      }
    });

    await t.test('kill -9 of up: its components and etcd stop with it; pods keep running', async () => {
      const children = Object.entries(pidsOf(cl)).filter(([c]) => c !== 'up');
      process.kill(cl.up.child.pid!, 'SIGKILL');
      await eventually('every component stopped', () => (children.every(([, pid]) => !alive(pid)) ? true : undefined), 20_000);
      assert.equal(sleepers(cl), N);
    });
  } finally {
    t.diagnostic(timings.join('; '));
    try {
      await cl.teardown();
    } catch (err) {
      t.diagnostic(cl.up.output().slice(-6000));
      throw err;
    }
  }
});
