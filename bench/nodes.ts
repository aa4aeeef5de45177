// bench nodes ("beyond one machine"): scheduling and pod networking with more than one node.
//  1. Registered nodes (nodes-hollow.ts): scheduler throughput and its own per-pod latency with
//     100 Node objects kept Ready by lease renewals, beside the same with 1 node, in this run.
//  2. Three real nodes (testing/multinode.ts: test hosts as network namespaces on a test bridge,
//     `hyperkube up` on host 1, `hyperkube join` on hosts 2 and 3), measured from inside host 1's
//     namespace (nodes-in-cluster.ts): pods bound per second and create → Running p50/p99 beside
//     the same pods created with spec.nodeName set (no scheduler); pod-to-pod TCP round trips
//     host 2 → host 3 beside host 3 → host 3.
// Everything is torn down by the helpers' teardowns (processes by PID, `hyperkube reset` per host,
// namespaces, dirs), also when a step fails.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Node } from '../api/core.js';
import { startMultiNode, type MultiNodeCluster } from '../testing/multinode.js';
import { eventually } from '../testing/wait.js';
import { absolute, report, round, summarize, type Figure } from './common.js';
import { hollowScheduling, type HollowResult } from './nodes-hollow.js';
import type { BurstResult, InClusterResult } from './nodes-in-cluster.js';
import { buildPingPong } from './tcp-pingpong.js';

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const num = (args: string[], name: string, dflt: number) => {
  const v = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
};

async function readyNodes(cl: MultiNodeCluster): Promise<string[]> {
  return eventually('3 Ready, untainted nodes', async () => {
    const r = await cl.kubectl(['get', 'nodes', '-o', 'json']);
    if (r.code !== 0) throw new Error(r.stderr);
    const items = (JSON.parse(r.stdout) as { items: Node[] }).items;
    const ok = items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !n.spec?.taints?.length);
    return ok.length === 3 ? true : undefined;
  }, 60_000).then(() => cl.hosts.map((h) => h.flags.node));
}

/** Ctrl-C or SIGTERM while test hosts exist: stop the measuring child so the teardown runs; a second signal quits at once. */
class Interrupt {
  aborted = false;
  child: ChildProcess | undefined;
  private readonly handler = (sig: NodeJS.Signals) => {
    if (this.aborted) process.exit(130);
    this.aborted = true;
    process.exitCode = 130;
    console.error(`${sig}: tearing the test hosts down first (again to quit now)`);
    this.child?.kill('SIGTERM');
  };
  constructor() {
    process.on('SIGINT', this.handler).on('SIGTERM', this.handler);
  }
  close(): void {
    process.off('SIGINT', this.handler).off('SIGTERM', this.handler);
  }
}

/** Runs nodes-in-cluster.js inside host 1's network namespace; its last stdout line is the result. */
function inHost1(cl: MultiNodeCluster, args: string[], interrupt: Interrupt): Promise<InClusterResult> {
  const script = fileURLToPath(new URL('./nodes-in-cluster.js', import.meta.url));
  return new Promise((resolve, reject) => {
    if (interrupt.aborted) return reject(new Error('interrupted'));
    const child = spawn('nsenter', [`--net=/run/netns/${cl.hosts[0].netns}`, '--', process.execPath, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    interrupt.child = child;
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as InClusterResult);
      else reject(new Error(`nodes-in-cluster exited ${code}: ${err.slice(-1500)}`));
    });
  });
}

async function threeNodes(rounds: { pods: number; rtts: number }, upFlags: string[]): Promise<InClusterResult> {
  const work = mkdtempSync(join(tmpdir(), 'tskube-bench-nodes-'));
  let cl: MultiNodeCluster | undefined;
  const interrupt = new Interrupt();
  try {
    chmodSync(work, 0o755);
    await buildPingPong(work);
    const t0 = performance.now();
    cl = await startMultiNode('bn', { hosts: 3, upFlags });
    const nodes = await readyNodes(cl);
    console.log(`3 hosts up and Ready in ${round((performance.now() - t0) / 1000, 1)} s (load ${load()})`);
    return await inHost1(cl, [`--kubeconfig=${cl.kubeconfig}`, `--nodes=${nodes.join(',')}`, `--host-dir=${work}`, `--pods=${rounds.pods}`, `--rtts=${rounds.rtts}`], interrupt);
  } finally {
    try {
      await cl?.teardown();
    } finally {
      rmSync(work, { recursive: true, force: true });
      interrupt.close();
    }
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pooled = (rs: BurstResult[]) => summarize(rs.flatMap((r) => r.running));

export function nodesFigures(hollow: { one: HollowResult; many: HollowResult }, three: InClusterResult): Figure[] {
  const f: Figure[] = [];
  const { one, many } = hollow;
  const anchor1 = (what: string, v: number) => ({ anchor: `same, ${one.nodes} registered node (${what})`, anchor_value: v });
  f.push(absolute({ name: `bind_throughput_${many.nodes}_registered_nodes`, unit: 'pods/s', value: many.perSec, target: '>= 300 pods/s and >= 0.5x anchor' }, (v) => v >= 300 && v >= 0.5 * one.perSec, anchor1('pods/s', one.perSec)));
  f.push(absolute({ name: `scheduling_latency_p50_${many.nodes}_registered_nodes`, unit: 'ms', value: many.p50Ms, target: 'report (scheduler_e2e_scheduling_duration_seconds)' }, () => true, anchor1('p50', one.p50Ms)));
  f.push(absolute({ name: `scheduling_latency_p99_${many.nodes}_registered_nodes`, unit: 'ms', value: many.p99Ms, target: 'report (scheduler_e2e_scheduling_duration_seconds)' }, () => true, anchor1('p99', one.p99Ms)));
  f.push(absolute({ name: `scheduler_cpu_per_pod_${many.nodes}_registered_nodes`, unit: 'ms', value: many.cpuMs / many.pods, target: 'report' }, () => true, anchor1('cpu per pod', one.cpuMs / one.pods)));

  const s = pooled(three.scheduled);
  const p = pooled(three.preset);
  const preset = 'same pods, spec.nodeName set at create (no scheduler)';
  const boundS = mean(three.scheduled.map((r) => r.boundPerSec));
  const boundP = mean(three.preset.map((r) => r.boundPerSec));
  f.push(absolute({ name: 'bind_throughput_3_nodes', unit: 'pods/s', value: boundS, target: '>= 0.5x anchor' }, (v) => v >= 0.5 * boundP, { anchor: preset, anchor_value: boundP }));
  f.push(absolute({ name: 'pod_running_p50_3_nodes', unit: 'ms', value: s.p50, target: '<= 1.5x anchor' }, (v) => v <= 1.5 * p.p50, { anchor: preset, anchor_value: p.p50 }));
  f.push(absolute({ name: 'pod_running_p99_3_nodes', unit: 'ms', value: s.p99, target: '<= 1.5x anchor' }, (v) => v <= 1.5 * p.p99, { anchor: preset, anchor_value: p.p99 }));

  const cross = summarize(three.crossHost);
  const same = summarize(three.sameHost);
  const sameAnchor = (v: number) => ({ anchor: `pod to pod on one host (${three.sameHost.length} round trips)`, anchor_value: v });
  f.push(absolute({ name: 'pod_to_pod_rtt_p50_across_hosts', unit: 'us', value: cross.p50, target: '<= 2x anchor' }, (v) => v <= 2 * same.p50, sameAnchor(same.p50)));
  f.push(absolute({ name: 'pod_to_pod_rtt_p99_across_hosts', unit: 'us', value: cross.p99, target: '<= 2x anchor' }, (v) => v <= 2 * same.p99, sameAnchor(same.p99)));
  return f;
}

export async function main(args: string[] = []): Promise<void> {
  const quick = args.includes('--quick');
  const pods = num(args, 'pods', quick ? 300 : 1000);
  const nodes = num(args, 'nodes', 100);
  const burst = num(args, 'burst', quick ? 30 : 45);
  const rtts = num(args, 'rtts', 1000);
  const t0 = performance.now();
  console.log(`load before: ${load()}`);
  const log = (m: string) => console.log(m);
  const one = await hollowScheduling(1, pods, log);
  const many = await hollowScheduling(nodes, pods, log);
  // --multi-process: host 1's `up` runs each component as its own process (default: all in one).
  const three = await threeNodes({ pods: burst, rtts }, args.includes('--multi-process') ? ['--multi-process'] : []);
  console.log(`load after: ${load()}; bench took ${round((performance.now() - t0) / 1000, 1)} s`);
  report('nodes', nodesFigures({ one, many }, three));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
