// bench pods helper (diagnostic): several bursts of N pods on one split node, each drawn as a
// timeline (per-stage percentiles across pods, ms from the first POST) plus the apiserver's
// requests per pod by verb/resource/subresource. `node dist-test/bench/burst-timeline.js --bursts=3 --pods=100`
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedFlags } from '../testing/isolated.js';
import { nodeTimes, wallNow } from './pod-path.js';
import { RunningWatch, SplitNode, waitGone } from './pods.js';
import type { RestClient } from '../client/index.js';

const NS = 'default';

async function requestCounts(client: RestClient): Promise<Map<string, number>> {
  const text = await client.text({ method: 'GET', path: '/metrics' });
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? '/' + labels.subresource : ''}`;
    m.set(key, (m.get(key) ?? 0) + Number(line.split(' ').pop()));
  }
  return m;
}

function sandboxes(state: string): number {
  try { return readdirSync(join(state, 'sandboxes')).length; } catch { return 0; }
}

/** utime + stime of a process, ms. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
}

export async function main(args: string[]): Promise<void> {
  const bursts = Number(args.find((a) => a.startsWith('--bursts='))?.slice(9) ?? 3);
  const many = Number(args.find((a) => a.startsWith('--pods='))?.slice(7) ?? 100);
  const f = isolatedFlags('btl');
  const node = new SplitNode(f, join(f.root, 'data'));
  try {
    const client = await node.start();
    const watch = await RunningWatch.open(client);
    for (let b = 0; b < bursts; b++) {
      const before = await requestCounts(client);
      const cpu0 = cpuMs(node.kubelet!.pid!);
      const names = Array.from({ length: many }, (_, i) => `b${b}-${i}`);
      const post = wallNow();
      const created = new Map<string, number>();
      const pods = await Promise.all(names.map(async (n) => {
        const p = await client.pods(NS).create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: n, labels: { bench: 'pods' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] } });
        created.set(n, wallNow());
        return p;
      }));
      await Promise.all(names.map((n) => watch.running(n, 120_000)));
      const kubeletCpu = cpuMs(node.kubelet!.pid!) - cpu0;
      const allRunning = Math.max(...names.map((n) => watch.runningWall.get(n)!)) - post;
      await new Promise((r) => setTimeout(r, 1500));
      const after = await requestCounts(client);
      const stages: Record<string, number[]> = { created: [], bound: [], sandboxBegun: [], sandboxReady: [], containerStarted: [], running: [] };
      for (const p of pods) {
        const n = p.metadata.name!;
        const nt = nodeTimes(f.state, p.metadata.uid!);
        stages.created.push(created.get(n)! - post);
        stages.bound.push(watch.boundWall.get(n)! - post);
        if (nt) {
          stages.sandboxBegun.push(nt.sandboxBegun - post);
          stages.sandboxReady.push(nt.sandboxReady - post);
          stages.containerStarted.push(nt.containerStarted - post);
        }
        stages.running.push(watch.runningWall.get(n)! - post);
      }
      console.log(`burst ${b}: all running ${Math.round(allRunning)} ms; kubelet CPU ${kubeletCpu} ms until then`);
      for (const [k, v] of Object.entries(stages)) console.log(`  ${k.padEnd(17)} min ${pct(v, 0)} p10 ${pct(v, 10)} p50 ${pct(v, 50)} p90 ${pct(v, 90)} max ${pct(v, 100)}`);
      const diff = [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
      console.log('  requests: ' + diff.map(([k, v]) => `${k}=${v}`).join(', '));
      await client.pods(NS).deleteCollection({ labelSelector: 'bench=pods', gracePeriodSeconds: 0 });
      await waitGone(client);
      // The kubelet tears the runtime side down after the API objects are gone: wait for it, so no teardown overlaps the next burst.
      for (let i = 0; i < 600 && sandboxes(f.state) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    }
    watch.stop();
  } finally {
    await node.stop();
  }
}

await main(process.argv.slice(2));
