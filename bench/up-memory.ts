// The whole node's memory (issue 18): `hyperkube up` as users run it (one Node process with
// apiserver, controllers, scheduler, kubelet, proxy and dns) plus the etcd it starts, RSS idle
// (the node Ready, nothing scheduled, settled) and with --pods sleeping pods Running. Each RSS is
// the median of a few samples a second apart (a figure read at a GC's peak or trough is noise).
// Anchor: etcd alone, the part tskube does not write, read at the same moments.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RestClient } from '../client/index.js';
import type { Pod } from '../api/core.js';
import { isolatedFlags, upArgs, resetAndRemoveRoot } from '../testing/isolated.js';
import { startUp, type UpCluster } from '../testing/up.js';
import { absolute, round, summarize, type Figure } from './common.js';
import { RunningWatch, rssMiB, waitGone } from './pods.js';

const NS = 'default';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pids of a process's children whose command name is comm. */
function childrenNamed(ppid: number, comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name === comm && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(d));
    } catch { /* exited */ }
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Median RSS (MiB) of each pid over n samples a second apart. */
async function medianRss(pids: number[], n = 5): Promise<number[]> {
  const samples: number[][] = pids.map(() => []);
  for (let i = 0; i < n; i++) {
    pids.forEach((p, k) => samples[k].push(rssMiB(p)));
    if (i < n - 1) await sleep(1000);
  }
  return samples.map((s) => summarize(s).p50);
}

function podManifest(name: string): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { bench: 'pods' } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
  };
}

export async function upMemory(pods: number, settleMs = 10_000): Promise<{ figures: Figure[]; line: string }> {
  const f = isolatedFlags('bupmem');
  const dataDir = join(f.root, 'data');
  let up: UpCluster | undefined;
  try {
    up = await startUp(upArgs(f), { dataDir, keepData: true });
    const upPid = up.child.pid!;
    const etcd = childrenNamed(upPid, 'etcd');
    if (etcd.length !== 1) throw new Error(`expected one etcd child of up (pid ${upPid}), found ${etcd.length}`);
    const client = RestClient.fromKubeconfig({ path: up.kubeconfig });
    for (let i = 0; ; i++) {
      const nodes = await client.nodes().list();
      if (nodes.items.find((n) => n.metadata?.name === f.node)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) break;
      if (i > 300) throw new Error(`node ${f.node} not Ready: ${up.output().slice(-2000)}`);
      await sleep(100);
    }
    await sleep(settleMs);
    const [upIdle, etcdIdle] = await medianRss([upPid, etcd[0]]);

    const cpu0 = cpuSeconds(upPid);
    const watch = await RunningWatch.open(client);
    const names = Array.from({ length: pods }, (_, i) => `mem-${i}`);
    await Promise.all(names.map((n) => client.pods(NS).create(podManifest(n))));
    await Promise.all(names.map((n) => watch.running(n, 180_000)));
    watch.stop();
    const cpu = cpuSeconds(upPid) - cpu0;
    await sleep(settleMs);
    const [upBusy, etcdBusy] = await medianRss([upPid, etcd[0]]);
    await client.pods(NS).deleteCollection({ labelSelector: 'bench=pods', gracePeriodSeconds: 0 });
    await waitGone(client);

    const figures = [
      absolute({ name: 'up_plus_etcd_rss_idle', unit: 'MiB', value: upIdle + etcdIdle, target: '<= 100 MiB' }, (v) => v <= 100, { anchor: 'etcd alone', anchor_value: etcdIdle }),
      absolute({ name: `up_plus_etcd_rss_${pods}_pods`, unit: 'MiB', value: upBusy + etcdBusy, target: '<= 180 MiB' }, (v) => v <= 180, { anchor: 'etcd alone', anchor_value: etcdBusy }),
    ];
    const line = `up RSS idle ${round(upIdle)} MiB + etcd ${round(etcdIdle)} MiB; with ${pods} pods ${round(upBusy)} + ${round(etcdBusy)} MiB; up used ${round(cpu)} s CPU to start them`;
    return { figures, line };
  } finally {
    await up?.stop();
    resetAndRemoveRoot(f, dataDir);
  }
}
