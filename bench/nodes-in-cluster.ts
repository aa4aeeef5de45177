// bench nodes, the part that runs inside test host 1's network namespace (the only place its
// apiserver is reachable from), started by nodes.ts through nsenter; prints one JSON line.
//  - scheduling on 3 real nodes: a burst of pods created at once (32 in flight), timed by a watch
//    until each is bound and Running; beside it the same burst with spec.nodeName set at create,
//    round-robin over the nodes (no scheduler in the path); alternated A B B A after a warm-up;
//  - pod-to-pod TCP round trips (tcp-pingpong.c from a hostPath): a client on host 2 and one on
//    host 3 to a server pod on host 3, alternated, each round in its own client pod.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Pod } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { closedLoop, percentile } from './common.js';
import { parseRoundTrips } from './tcp-pingpong.js';

const NS = 'default';
const LABEL = 'tskube-bench';
const PORT = 7777;

export interface BurstResult {
  /** Pods bound per second: n / (last bound seen − first create sent). */
  boundPerSec: number;
  /** Create sent → bound seen, p50 (ms). */
  boundMs: number;
  /** Per pod: create sent → Running seen, ms. */
  running: number[];
}

export interface InClusterResult {
  scheduled: BurstResult[];
  preset: BurstResult[];
  crossHost: number[];
  sameHost: number[];
}

function flag(args: string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function burstPod(name: string, group: string, nodeName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { [LABEL]: group } },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      terminationGracePeriodSeconds: 2,
      automountServiceAccountToken: false,
      // PID 1 of the pod ignores SIGTERM unless it traps it: exit at once on deletion.
      containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] }],
    },
  };
}

/** Per pod name, when a watch first saw it bound and Running. */
class PodTimes {
  readonly bound = new Map<string, number>();
  readonly running = new Map<string, number>();
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly stopFn: () => void) {}

  static async open(client: RestClient, group: string): Promise<PodTimes> {
    const sel = `${LABEL}=${group}`;
    const list = await client.pods(NS).list({ labelSelector: sel });
    const w = await client.pods(NS).watch({ labelSelector: sel, resourceVersion: list.metadata?.resourceVersion });
    const t = new PodTimes(() => w.stop());
    w.listen((ev) => {
      if (ev.type === 'DELETED') return;
      const p = ev.object;
      const name = p.metadata.name!;
      const now = performance.now();
      if (p.spec?.nodeName && !t.bound.has(name)) t.bound.set(name, now);
      if (p.status?.phase === 'Running' && !t.running.has(name)) t.running.set(name, now);
      for (const f of t.waiters.splice(0)) f();
    });
    return t;
  }

  async until(pred: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 500);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  stop(): void {
    this.stopFn();
  }
}

async function deleteGroup(client: RestClient, group: string): Promise<void> {
  const sel = `${LABEL}=${group}`;
  await client.pods(NS).deleteCollection({ labelSelector: sel });
  const deadline = Date.now() + 90_000;
  while ((await client.pods(NS).list({ labelSelector: sel })).items.length > 0) {
    if (Date.now() > deadline) throw new Error(`pods ${sel} not gone after 90 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** n pods at once; `nodes` given: each created with spec.nodeName set, round-robin (no scheduler). */
async function burst(client: RestClient, group: string, n: number, nodes?: string[]): Promise<BurstResult> {
  const times = await PodTimes.open(client, group);
  try {
    const sent = new Map<string, number>();
    const names = Array.from({ length: n }, (_, i) => `${group}-${i}`);
    await closedLoop(n, 32, async (i) => {
      sent.set(names[i], performance.now());
      await client.pods(NS).create(burstPod(names[i], group, nodes?.[i % nodes.length]));
    });
    await times.until(() => times.running.size >= n, `${n} pods of ${group} Running (${times.running.size} are)`, 120_000);
    const first = Math.min(...sent.values());
    const lastBound = Math.max(...names.map((x) => times.bound.get(x) ?? Infinity));
    const toBound = names.map((x) => times.bound.get(x)! - sent.get(x)!).sort((a, b) => a - b);
    return { boundPerSec: (n / (lastBound - first)) * 1000, boundMs: percentile(toBound, 50), running: names.map((x) => times.running.get(x)! - sent.get(x)!) };
  } finally {
    times.stop();
    await deleteGroup(client, group);
  }
}

function pingPongPod(name: string, nodeName: string, hostDir: string, command: string[], restartPolicy: 'Always' | 'Never'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { [LABEL]: 'pingpong' } },
    spec: {
      nodeName,
      restartPolicy,
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      volumes: [
        { name: 'probe', hostPath: { path: hostDir, type: 'Directory' } },
        { name: 'out', hostPath: { path: join(hostDir, 'out'), type: 'Directory' } },
      ],
      containers: [{
        name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command,
        volumeMounts: [{ name: 'probe', mountPath: '/probe', readOnly: true }, { name: 'out', mountPath: '/out' }],
      }],
    },
  };
}

async function podUntil(client: RestClient, name: string, pred: (p: Pod) => boolean, timeoutMs: number): Promise<Pod> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await client.pods(NS).get(name);
    if (pred(p)) return p;
    if (Date.now() > deadline) throw new Error(`pod ${name}: phase ${p.status?.phase ?? '-'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One client pod on `node`: `n` round trips to the server; its round trips (µs), from the file it
 *  wrote in a hostPath (every test host shares this machine's filesystem). Not from its log: the
 *  apiserver of `up` does not trust a joined kubelet's self-signed serving certificate. */
async function clientRound(client: RestClient, name: string, node: string, hostDir: string, serverIP: string, n: number): Promise<number[]> {
  const script = `/probe/tcp-pingpong client ${serverIP} ${PORT} ${n} > /out/${name}.txt 2>&1`;
  await client.pods(NS).create(pingPongPod(name, node, hostDir, ['sh', '-c', script], 'Never'));
  const done = await podUntil(client, name, (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 60_000);
  const out = await readFile(join(hostDir, 'out', `${name}.txt`), 'utf8').catch((e: Error) => `(no output: ${e.message})`);
  if (done.status?.phase !== 'Succeeded') throw new Error(`client pod ${name} on ${node} ${done.status?.phase}: ${out.slice(-500)}`);
  return parseRoundTrips(out, n);
}

export async function runInCluster(client: RestClient, o: { nodes: string[]; pods: number; rtts: number; hostDir: string }): Promise<InClusterResult> {
  const out: InClusterResult = { scheduled: [], preset: [], crossHost: [], sameHost: [] };
  // Warm-up: one pod per node (each node's image store, cgroups and bridge are set up on first use),
  // then a few through the scheduler (its code paths compiled before the clock runs).
  await burst(client, 'warm', o.nodes.length, o.nodes);
  await burst(client, 'warm-scheduled', 2 * o.nodes.length);
  // A B B A: the machine's load drifts; each side gets an early and a late turn.
  for (const kind of ['scheduled', 'preset', 'preset', 'scheduled'] as const) {
    const r = await burst(client, `${kind}-${out[kind].length}`, o.pods, kind === 'preset' ? o.nodes : undefined);
    out[kind].push(r);
    // Why a scheduled burst is slow, if it is: the scheduler's FailedScheduling events for it.
    const failed = (await client.events(NS).list()).items.filter((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name?.startsWith(`${kind}-${out[kind].length - 1}-`));
    console.error(`${kind}: ${o.pods} pods bound at ${r.boundPerSec.toFixed(1)}/s, create → bound p50 ${r.boundMs.toFixed(0)} ms, → Running p50 ${percentile([...r.running].sort((a, b) => a - b), 50).toFixed(0)} ms; FailedScheduling events: ${failed.length}${failed[0] ? ` (${failed[0].message ?? ''})` : ''}`);
  }
  const [, host2, host3] = o.nodes;
  await mkdir(join(o.hostDir, 'out'), { recursive: true });
  try {
    await client.pods(NS).create(pingPongPod('pp-server', host3, o.hostDir, ['/probe/tcp-pingpong', 'server', String(PORT)], 'Always'));
    const server = await podUntil(client, 'pp-server', (p) => p.status?.phase === 'Running' && !!p.status.podIP, 60_000);
    const ip = server.status!.podIP!;
    const half = Math.ceil(o.rtts / 2);
    // cross, same, same, cross: each side half its round trips early, half late.
    for (const [i, where] of (['cross', 'same', 'same', 'cross'] as const).entries()) {
      const rtts = await clientRound(client, `pp-${where}-${i}`, where === 'cross' ? host2 : host3, o.hostDir, ip, half);
      (where === 'cross' ? out.crossHost : out.sameHost).push(...rtts);
    }
  } finally {
    await deleteGroup(client, 'pingpong');
  }
  return out;
}

export async function main(args: string[]): Promise<void> {
  const kubeconfig = flag(args, 'kubeconfig');
  const nodes = (flag(args, 'nodes') ?? '').split(',').filter(Boolean);
  const hostDir = flag(args, 'host-dir');
  if (!kubeconfig || nodes.length !== 3 || !hostDir) throw new Error('usage: nodes-in-cluster --kubeconfig=F --nodes=n1,n2,n3 --host-dir=D [--pods=N] [--rtts=N]');
  const client = RestClient.fromKubeconfig({ path: kubeconfig });
  try {
    const r = await runInCluster(client, { nodes, hostDir, pods: Number(flag(args, 'pods') ?? 45), rtts: Number(flag(args, 'rtts') ?? 1000) });
    console.log(JSON.stringify(r));
  } finally {
    client.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
