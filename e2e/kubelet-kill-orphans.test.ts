// kill -9 of the kubelet while an RC scales up to 80 (an isolated `up --multi-process`,
// which restarts the kubelet): sandboxes and containers that were being started when it
// died have processes and cgroups but no record. The restarted kubelet must find and
// remove them, so that after the RC settles there are exactly its pods on the node, and
// after it is scaled to 0 nothing at all: no process or cgroup under the cluster's cgroup
// root, no sandbox/container state, no network state or address.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import { cgroupPids } from '../runtime/reset.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

const N = 80;
const RC = `
apiVersion: v1
kind: ReplicationController
metadata: {name: orph}
spec:
  replicas: 0
  selector: {app: orph}
  template:
    metadata: {labels: {app: orph}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: sleep, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
`;

/** cgroups under the cluster's root (memory or unified hierarchy), relative to it. */
function cgroupsUnder(root: string): string[] {
  const base = join(existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory', root);
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(join(base, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) {
      out.push(rel ? `${rel}/${e.name}` : e.name);
      walk(rel ? `${rel}/${e.name}` : e.name);
    }
  };
  walk('');
  return out;
}

const entries = (dir: string, want?: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !want || existsSync(join(dir, n, want))) : []);

function leftovers(cl: IsolatedCluster) {
  const s = cl.flags.state;
  const cg = cgroupsUnder(cl.flags.cgroup);
  return {
    pods: cg.filter((c) => !c.includes('/')).length,
    pauseCgroups: cg.filter((c) => /\/pause-/.test(c)).length,
    processes: cgroupPids(cl.flags.cgroup).length,
    sandboxDirs: entries(join(s, 'sandboxes')).length,
    containerDirs: entries(join(s, 'containers')).length,
    addresses: entries(join(s, 'network', 'ipam')).filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n)).length,
    networkStates: entries(join(s, 'network', 'pods')).length,
  };
}

async function pods(cl: IsolatedCluster): Promise<Pod[]> {
  const r = await cl.up.kubectl(['get', 'pods', '-l', 'app=orph', '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { items: Pod[] }).items;
}

const pidsOf = (cl: IsolatedCluster) => JSON.parse(readFileSync(join(cl.up.dataDir, 'pids.json'), 'utf8')) as Record<string, number>;

test(`kill -9 of the kubelet during a scale-up to ${N}: no orphan process, cgroup, state or address survives`, { timeout: 600_000 }, async (t) => {
  const cl = await startIsolated('orph', ['--multi-process']);
  try {
    assert.equal((await cl.up.kubectl(['apply', '-f', '-'], RC)).code, 0);
    const scaled = await cl.up.kubectl(['scale', 'rc', 'orph', `--replicas=${N}`]);
    assert.equal(scaled.code, 0, scaled.stderr);
    // Three kills while the kubelet is starting pods: each one likely mid-way through a few sandboxes.
    for (const atLeast of [5, 25, 45]) {
      const old = pidsOf(cl).kubelet;
      const seen = await eventually(`${atLeast} pods started`, async () => {
        const items = await pods(cl);
        const started = items.filter((p) => p.status?.phase === 'Running').length;
        return started >= atLeast ? started : undefined;
      }, 180_000, 100);
      process.kill(old, 'SIGKILL');
      t.diagnostic(`kubelet (pid ${old}) killed with ${seen} Running`);
      await eventually('kubelet restarted', () => (pidsOf(cl).kubelet !== old ? true : undefined), 60_000, 100);
    }
    await eventually(`${N} Running`, async () => {
      const items = await pods(cl);
      return items.length === N && items.every((p) => p.status?.containerStatuses?.[0]?.state?.running) ? true : undefined;
    }, 300_000, 1000);
    const swept = cl.up.output().split('\n').filter((l) => l.includes('removed what no record accounts for'));
    t.diagnostic(swept.length ? swept.join('\n') : 'the restarts found nothing unrecorded');
    // Exactly the RC's pods: one pod cgroup, one pause and one container each; two processes each (pause, sleep).
    await eventually('only the RC pods on the node', () => {
      const l = leftovers(cl);
      const want = { pods: N, pauseCgroups: N, processes: 2 * N, sandboxDirs: N, containerDirs: N, addresses: N, networkStates: N };
      if (JSON.stringify(l) === JSON.stringify(want)) return true;
      throw new Error(`found ${JSON.stringify(l)}, want ${JSON.stringify(want)}`);
    }, 60_000, 1000);

    // The restarted kubelet (its own process, HTTPS with client certificates) serves the apiserver's relay.
    const one = (await pods(cl))[0].metadata.name!;
    const ex = await cl.up.kubectl(['exec', one, '--', 'sh', '-c', 'echo from-$(hostname)']);
    assert.equal(ex.code, 0, ex.stderr);
    assert.equal(ex.stdout.trim(), `from-${one}`);
    const logs = await cl.up.kubectl(['logs', one]);
    assert.equal(logs.code, 0, logs.stderr);

    const down = await cl.up.kubectl(['scale', 'rc', 'orph', '--replicas=0']);
    assert.equal(down.code, 0, down.stderr);
    await eventually('no pods', async () => ((await pods(cl)).length === 0 ? true : undefined), 180_000, 1000);
    await eventually('nothing left under the cgroup root or in the state', () => {
      const l = leftovers(cl);
      if (Object.values(l).every((v) => v === 0)) return true;
      throw new Error(`left: ${JSON.stringify(l)} cgroups ${cgroupsUnder(cl.flags.cgroup).slice(0, 5).join(', ')}`);
    }, 60_000, 1000);
  } finally {
    await cl.teardown();
  }
});
