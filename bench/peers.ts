// bench peers: the same pod manifests through tskube (POST → a watch sees Running) and through
// `podman kube play` (its exit: the pod's containers are started), alternating in one run.
//  - one-container pod to Running p50/p99, and its teardown (DELETE → gone / `pod rm -f -t 0`)
//  - a two-container pod to Running p50
//  - 30 pods one after another and 30 at once: pods/s, and the pods/s curve of the burst
//  - memory per idle pod with those 30 running: PSS of the pods' processes (tskube: pause,
//    monitors and containers; podman: conmon, infra and containers) plus the node agent's growth
//    (the kubelet's PSS, settled before and after the burst; podman has no agent)
//  - teardown of those 30
//  - a pod whose container exits 1 (restartPolicy Always): time to its first restart, restarts
//    in 20 s (tskube backs off 10 s, 20 s, … like the kubelet; podman's restart policy has no back-off)
// podman runs under the private configuration in podman-env.ts (why it is needed is said there).
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import { isolatedFlags } from '../testing/isolated.js';
import { machine, report, round, summarize, type Figure } from './common.js';
import { RunningWatch, SplitNode, waitGone } from './pods.js';
import { createPodmanEnv, PODMAN_BUSYBOX, type PodmanEnv } from './podman-env.js';

const NS = 'default';

/** What --samples=<file> receives: every latency sample (ms) and the burst's running-pods curve. */
export interface PeerSamples {
  one: { tskube: number[]; podman: number[] };
  two: { tskube: number[]; podman: number[] };
  burst: { runtime: string; t: number; running: number }[];
}

/** The manifest both get; only the image reference differs (each one's local busybox). */
function manifest(name: string, image: string, containers = 1, crash = false): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { bench: 'pods' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      restartPolicy: 'Always',
      containers: Array.from({ length: containers }, (_, i) => ({
        name: `c${i}`, image, imagePullPolicy: image === 'busybox' ? 'IfNotPresent' : 'Never',
        command: crash ? ['sh', '-c', 'exit 1'] : ['sleep', '3600'],
      })),
    },
  };
}

function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // gone meanwhile
  }
}

/** Every process whose command line matches, plus all their descendants. */
function processTree(match: (cmdline: string[], pid: number) => boolean): number[] {
  const parent = new Map<number, number>();
  const roots: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'), pid)) roots.push(pid);
    } catch { /* exited */ }
  }
  const out = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, pp] of parent) if (!out.has(pid) && out.has(pp)) { out.add(pid); grew = true; }
  }
  return [...out];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A process's PSS once it has been idle a while: the median of 5 samples a second apart after
 * settleMs. The kubelet is a garbage-collected heap: read right after a burst (or right after the
 * previous pods' deletion, for the baseline) it holds garbage V8 frees a few seconds later, which
 * would count as per-pod cost, or hide it.
 */
async function settledPssKiB(pid: number, settleMs = 8000): Promise<number> {
  await sleep(settleMs);
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    xs.push(pssKiB(pid));
    if (i < 4) await sleep(1000);
  }
  return summarize(xs).p50;
}

export async function main(args: string[] = []): Promise<void> {
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 15);
  const burst = Number(args.find((a) => a.startsWith('--pods='))?.slice(7) ?? 30);
  const samplesFile = args.find((a) => a.startsWith('--samples='))?.slice(10);
  const crashSeconds = Number(args.find((a) => a.startsWith('--crash-seconds='))?.slice(16) ?? 20);
  const f = isolatedFlags('bpeer');
  const dataDir = join(f.root, 'data');
  mkdirSync(f.root, { recursive: true });
  const node = new SplitNode(f, dataDir);
  let pm: PodmanEnv | undefined;
  const figures: Figure[] = [];
  const samples: Record<string, { tskube: number[]; podman: number[] }> = {};
  const curves: { runtime: string; t: number; running: number }[] = [];
  const rec = (k: string, who: 'tskube' | 'podman', v: number) => ((samples[k] ??= { tskube: [], podman: [] })[who].push(v));
  const yamlDir = join(f.root, 'yaml');
  mkdirSync(yamlDir, { recursive: true });
  const play = async (p: Pod): Promise<number> => {
    const file = join(yamlDir, `${p.metadata.name}.json`); // kube play takes JSON (YAML is a superset)
    writeFileSync(file, JSON.stringify(p));
    const t0 = performance.now();
    await pm!.podman(['kube', 'play', '--network', pm!.network, file]);
    return performance.now() - t0;
  };
  try {
    pm = createPodmanEnv(f.root, f.tag.slice(-5));
    const client = await node.start();
    const kubelet = node.kubelet!;
    const up = node.up!;
    const watch = await RunningWatch.open(client);
    const tskubeStart = async (p: Pod, t0 = performance.now()): Promise<number> => {
      await client.pods(NS).create(p);
      return (await watch.running(p.metadata.name!, 120_000)) - t0;
    };
    const tskubeDelete = async (name: string): Promise<number> => {
      const t0 = performance.now();
      await client.pods(NS).delete(name, { gracePeriodSeconds: 0 });
      await waitGone(client);
      return performance.now() - t0;
    };
    const podmanDelete = async (name: string): Promise<number> => {
      const t0 = performance.now();
      await pm!.podman(['pod', 'rm', '-f', '-t', '0', name]);
      return performance.now() - t0;
    };

    // --- one pod at a time, alternating which goes first (two warm-up rounds)
    for (let i = 0; i < runs + 2; i++) {
      const order = i % 2 ? ['podman', 'tskube'] : ['tskube', 'podman'];
      for (const who of order) {
        if (who === 'tskube') {
          const ms = await tskubeStart(manifest(`one-${i}`, 'busybox'));
          const del = await tskubeDelete(`one-${i}`);
          if (i >= 2) { rec('one', 'tskube', ms); rec('teardown', 'tskube', del); }
        } else {
          const ms = await play(manifest(`one-${i}`, PODMAN_BUSYBOX));
          const del = await podmanDelete(`one-${i}`);
          if (i >= 2) { rec('one', 'podman', ms); rec('teardown', 'podman', del); }
        }
      }
    }
    // --- two containers
    for (let i = 0; i < Math.max(3, Math.floor(runs / 2)); i++) {
      rec('two', 'tskube', await tskubeStart(manifest(`two-${i}`, 'busybox', 2)));
      await tskubeDelete(`two-${i}`);
      rec('two', 'podman', await play(manifest(`two-${i}`, PODMAN_BUSYBOX, 2)));
      await podmanDelete(`two-${i}`);
    }
    // --- n pods one after another
    const serial: Record<string, number> = {};
    {
      let t0 = performance.now();
      for (let i = 0; i < burst; i++) await tskubeStart(manifest(`ser-${i}`, 'busybox'));
      serial.tskube = burst / ((performance.now() - t0) / 1000);
      await client.pods(NS).deleteCollection({ labelSelector: 'bench=pods', gracePeriodSeconds: 0 });
      await waitGone(client);
      t0 = performance.now();
      for (let i = 0; i < burst; i++) await play(manifest(`ser-${i}`, PODMAN_BUSYBOX));
      serial.podman = burst / ((performance.now() - t0) / 1000);
      await pm.podman(['pod', 'rm', '-f', '-a', '-t', '0']);
    }
    // --- n pods at once; the pods stay for the memory figure and the bulk teardown
    const atOnce: Record<string, number> = {};
    const memory: Record<string, { perPod: number; pods: number; agent: number }> = {};
    const bulkTeardown: Record<string, number> = {};
    {
      const kubeletBefore = await settledPssKiB(kubelet.pid!);
      let t0 = performance.now();
      const done = await Promise.all(Array.from({ length: burst }, (_, i) => tskubeStart(manifest(`burst-${i}`, 'busybox'), t0)));
      atOnce.tskube = burst / (Math.max(...done) / 1000);
      done.sort((a, b) => a - b).forEach((t, i) => curves.push({ runtime: 'tskube', t: round(t / 1000, 3), running: i + 1 }));
      const agentAfter = await settledPssKiB(kubelet.pid!); // idle
      const excluded = new Set([process.pid, kubelet.pid!, up.child.pid!]);
      const tsPids = processTree((c, pid) => !excluded.has(pid) && c.some((a) => a.includes(f.state) || a.includes(join(dataDir, 'containers'))) && c.some((a) => /tskube-shim|shim/.test(a)));
      const tsPods = tsPids.reduce((s, pid) => s + pssKiB(pid), 0);
      const agent = Math.max(0, agentAfter - kubeletBefore);
      memory.tskube = { perPod: (tsPods + agent) / burst / 1024, pods: tsPods / 1024, agent: agent / 1024 };
      t0 = performance.now();
      await client.pods(NS).deleteCollection({ labelSelector: 'bench=pods', gracePeriodSeconds: 0 });
      await waitGone(client);
      bulkTeardown.tskube = performance.now() - t0;

      t0 = performance.now();
      const pdone = await Promise.all(Array.from({ length: burst }, async (_, i) => { await play(manifest(`burst-${i}`, PODMAN_BUSYBOX)); return performance.now() - t0; }));
      atOnce.podman = burst / (Math.max(...pdone) / 1000);
      pdone.sort((a, b) => a - b).forEach((t, i) => curves.push({ runtime: 'podman', t: round(t / 1000, 3), running: i + 1 }));
      await sleep(3000);
      const pmPids = processTree((c) => c[0]?.endsWith('conmon') && c.some((a) => a.includes(pm!.root)));
      const pmPods = pmPids.reduce((s, pid) => s + pssKiB(pid), 0);
      memory.podman = { perPod: pmPods / burst / 1024, pods: pmPods / 1024, agent: 0 };
      t0 = performance.now();
      await pm.podman(['pod', 'rm', '-f', '-a', '-t', '0']);
      bulkTeardown.podman = performance.now() - t0;
    }
    // --- a crashing container, both at once for the same wall time
    const crash: Record<string, { first: number; restarts: number }> = {};
    {
      const t0 = performance.now();
      let tsFirst = NaN;
      let pmFirst = NaN;
      await client.pods(NS).create(manifest('crash', 'busybox', 1, true));
      const pmPlay = play(manifest('crash', PODMAN_BUSYBOX, 1, true)).catch(() => 0); // a container that exits at once may make play report an error
      const restartsTs = async () => (await client.pods(NS).get('crash')).status?.containerStatuses?.[0]?.restartCount ?? 0;
      const restartsPm = async () => Number((await pm!.podman(['inspect', '--format', '{{.RestartCount}}', 'crash-c0']).catch(() => '0')).trim()) || 0;
      while (performance.now() - t0 < crashSeconds * 1000) {
        if (Number.isNaN(tsFirst) && (await restartsTs()) > 0) tsFirst = performance.now() - t0;
        if (Number.isNaN(pmFirst) && (await restartsPm()) > 0) pmFirst = performance.now() - t0;
        await sleep(100);
      }
      await pmPlay;
      crash.tskube = { first: tsFirst, restarts: await restartsTs() };
      crash.podman = { first: pmFirst, restarts: await restartsPm() };
      await tskubeDelete('crash');
      await podmanDelete('crash').catch(() => 0);
    }
    watch.stop();

    // --- figures: tskube beside podman, ratio tskube/podman
    const one = { t: summarize(samples.one.tskube), p: summarize(samples.one.podman) };
    const two = { t: summarize(samples.two.tskube), p: summarize(samples.two.podman) };
    const td = { t: summarize(samples.teardown.tskube), p: summarize(samples.teardown.podman) };
    const fig = (name: string, unit: string, value: number, anchorValue: number, target: string, met: boolean, note?: string): Figure => ({
      name, unit, value: round(value), anchor: 'podman kube play', anchor_value: round(anchorValue), ratio: round(value / anchorValue, 3), target, met, ...(note ? { note } : {}),
    });
    figures.push(fig('pod_running_p50', 'ms', one.t.p50, one.p.p50, '<= 0.15x podman and <= 40 ms', one.t.p50 <= 0.15 * one.p.p50 && one.t.p50 <= 40));
    figures.push(fig('pod_running_p99', 'ms', one.t.p99, one.p.p99, '<= 80 ms', one.t.p99 <= 80));
    figures.push(fig('pod_2_containers_running_p50', 'ms', two.t.p50, two.p.p50, 'report', true));
    figures.push(fig(`pods_${burst}_serial`, 'pods/s', serial.tskube, serial.podman, 'report', true));
    figures.push(fig(`pods_${burst}_at_once`, 'pods/s', atOnce.tskube, atOnce.podman, '>= 5x podman', atOnce.tskube >= 5 * atOnce.podman));
    figures.push(fig('memory_per_idle_pod', 'MiB', memory.tskube.perPod, memory.podman.perPod, '<= 0.5x podman', memory.tskube.perPod <= 0.5 * memory.podman.perPod,
      `PSS of the ${burst} pods' processes + node agent growth: tskube ${round(memory.tskube.pods)} + kubelet ${round(memory.tskube.agent)} MiB; podman ${round(memory.podman.pods)} MiB (no agent)`));
    figures.push(fig('pod_teardown_p50', 'ms', td.t.p50, td.p.p50, 'report', true, 'tskube: DELETE grace 0 until the API has no pod; podman: pod rm -f -t 0'));
    figures.push(fig(`pods_${burst}_teardown`, 'ms', bulkTeardown.tskube, bulkTeardown.podman, 'report', true));
    figures.push(fig('crash_first_restart', 'ms', crash.tskube.first, crash.podman.first, 'report', true, 'restartPolicy Always, container runs `exit 1`'));
    figures.push(fig(`crash_restarts_in_${crashSeconds}s`, 'restarts', crash.tskube.restarts, crash.podman.restarts, 'report', true,
      'tskube backs off 10 s, 20 s, 40 s … (CrashLoopBackOff, as the kubelet); podman restarts without back-off'));
    console.log(`machine: ${machine()}; one-pod min/max tskube ${round(one.t.min)}/${round(one.t.max)} ms, podman ${round(one.p.min)}/${round(one.p.max)} ms`);
    // The raw samples for the charts in RESULTS.md (report.ts passes --samples=<file>).
    if (samplesFile) writeFileSync(samplesFile, `${JSON.stringify({ one: samples.one, two: samples.two, burst: curves } satisfies PeerSamples)}\n`);
  } finally {
    // podman's files live under the node's root, which node.stop() removes: podman goes first.
    await pm?.remove().catch((e: Error) => console.error(`podman cleanup: ${e.message}`));
    await node.stop();
  }
  report('peers', figures);
}
