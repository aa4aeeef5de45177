// bench dns: lookups of 1000 Services (created through the API) with Debian's
// dnsperf, against `hyperkube dns` (its own process, as `up --multi-process`
// runs it) and, in the same run, against dnsmasq serving the same names from a
// hosts file. Both on 127.0.0.1, each on its own free port, started and stopped
// here by PID. Throughput: dnsperf as fast as it can (100 outstanding);
// latency: a second run held to a fixed rate, p99 from every query's time.
// The anchor's packages (dnsperf, dnsmasq-base) are installed if missing.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SERVER_NODE_FLAGS } from '../cmd/node-flags.js';
import { startTestCluster } from '../testing/client-env.js';
import { udpQuery } from '../testing/dns-upstream.js';
import { freePort } from '../testing/etcd.js';
import { closedLoop, percentile, report, vsAnchor, absolute, type Figure } from './common.js';

const run = promisify(execFile);
const SERVICES = 1000;
const NS = 'bench-dns';
const THROUGHPUT_SECONDS = 8;
const LATENCY_SECONDS = 5;
const LATENCY_QPS = 2000;

async function ensureTools(): Promise<void> {
  const missing: string[] = [];
  for (const [bin, pkg] of [['/usr/bin/dnsperf', 'dnsperf'], ['/usr/sbin/dnsmasq', 'dnsmasq-base']]) {
    try {
      await run('test', ['-x', bin]);
    } catch {
      missing.push(pkg);
    }
  }
  if (missing.length === 0) return;
  console.log(`installing the anchor's packages: ${missing.join(' ')}`);
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** A child process that answers DNS on 127.0.0.1:port once `ready` says so. */
async function startProcess(cmd: string, args: string[], port: number, probe: string): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${cmd} exited: ${out}`);
    const r = await udpQuery('127.0.0.1', port, probe, 'A', { timeoutMs: 300 }).catch(() => null);
    if (r?.rcode === 'NOERROR' && r.answers?.length) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${cmd} not answering ${probe}: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(child.pid!, 'SIGTERM');
    setTimeout(() => child.exitCode === null && child.pid && process.kill(child.pid, 'SIGKILL'), 5000).unref();
  });
}

interface PerfResult {
  qps: number;
  lost: number;
  latencies: number[];
}

async function dnsperf(port: number, queries: string, extra: string[], verbose: boolean): Promise<PerfResult> {
  const { stdout } = await run('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queries, ...extra, ...(verbose ? ['-v'] : [])], { maxBuffer: 256 * 1024 * 1024 });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(stdout)?.[1] ?? NaN);
  const latencies = verbose ? [...stdout.matchAll(/^> NOERROR \S+ A ([\d.]+)$/gm)].map((m) => Number(m[1]) * 1000).sort((a, b) => a - b) : [];
  return { qps, lost, latencies };
}

export async function main(): Promise<void> {
  await ensureTools();
  const dir = await mkdtemp(join(tmpdir(), 'tkb-dns-'));
  // dnsmasq reads its hosts file as the user it runs as.
  await chmod(dir, 0o755);
  const cluster = await startTestCluster();
  let ours: ChildProcess | undefined;
  let dnsmasq: ChildProcess | undefined;
  try {
    const c = cluster.client;
    await c.namespaces().create({ metadata: { name: NS } });
    const ips: string[] = new Array<string>(SERVICES);
    const created = await closedLoop(SERVICES, 16, async (i) => {
      const s = await c.services(NS).create({ metadata: { name: `svc-${i}` }, spec: { ports: [{ name: 'http', port: 80 }] } });
      ips[i] = s.spec!.clusterIP!;
    });
    console.log(`dns bench: ${SERVICES} services created through the API in ${(created.wallMs / 1000).toFixed(1)} s`);
    const names = ips.map((_, i) => `svc-${i}.${NS}.svc.cluster.local`);
    const queries = join(dir, 'queries.txt');
    await writeFile(queries, names.map((n) => `${n} A\n`).join(''));
    const hosts = join(dir, 'hosts');
    await writeFile(hosts, ips.map((ip, i) => `${ip} ${names[i]}\n`).join(''), { mode: 0o644 });

    const ourPort = await freePort();
    const hyperkube = fileURLToPath(new URL('../cmd/hyperkube.js', import.meta.url));
    ours = await startProcess(process.execPath, [...SERVER_NODE_FLAGS, hyperkube, 'dns', `--master=${cluster.url}`, '--bind-address=127.0.0.1', `--port=${ourPort}`, '--metrics-port=0', '--service-cluster-ip-range=', '--upstream=127.0.0.1:9'], ourPort, names[SERVICES - 1]);
    let anchorPort = await freePort();
    while (anchorPort === ourPort) anchorPort = await freePort();
    dnsmasq = await startProcess('dnsmasq', ['-k', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, '--listen-address=127.0.0.1', '--bind-interfaces', `--port=${anchorPort}`, '--cache-size=10000', '--pid-file=', '-u', 'root'], anchorPort, names[SERVICES - 1]);
    // The same answer from both: every name, its ClusterIP.
    for (const i of [0, 499, 999]) {
      for (const port of [ourPort, anchorPort]) {
        const r = await udpQuery('127.0.0.1', port, names[i], 'A');
        if ((r.answers?.[0] as { data?: string } | undefined)?.data !== ips[i]) throw new Error(`port ${port}: ${names[i]} answered ${JSON.stringify(r.answers)}`);
      }
    }
    const res: Record<'ours' | 'anchor', { tp: PerfResult[]; lat: PerfResult }> = { ours: { tp: [], lat: { qps: 0, lost: 0, latencies: [] } }, anchor: { tp: [], lat: { qps: 0, lost: 0, latencies: [] } } };
    // A warm-up for both (our first second is JIT compiling), then interleaved runs, so a noisy moment hits both.
    for (const port of [anchorPort, ourPort]) await dnsperf(port, queries, ['-l', '1'], false);
    for (let rep = 0; rep < 2; rep++) {
      for (const [who, port] of [['anchor', anchorPort], ['ours', ourPort]] as const) {
        const r = await dnsperf(port, queries, ['-l', String(THROUGHPUT_SECONDS / 2)], false);
        console.log(`  ${who === 'ours' ? 'tskube ' : 'dnsmasq'} throughput run ${rep + 1}: ${r.qps.toFixed(0)} q/s, ${r.lost} lost`);
        res[who].tp.push(r);
      }
    }
    for (const [who, port] of [['anchor', anchorPort], ['ours', ourPort]] as const) {
      const r = await dnsperf(port, queries, ['-l', String(LATENCY_SECONDS), '-Q', String(LATENCY_QPS)], true);
      console.log(`  ${who === 'ours' ? 'tskube ' : 'dnsmasq'} at ${LATENCY_QPS} q/s: p50 ${percentile(r.latencies, 50).toFixed(3)} ms, p99 ${percentile(r.latencies, 99).toFixed(3)} ms (${r.latencies.length} answers, ${r.lost} lost)`);
      res[who].lat = r;
    }
    const best = (rs: PerfResult[]) => Math.max(...rs.map((r) => r.qps));
    const p99 = (r: PerfResult) => percentile(r.latencies, 99);
    const figures: Figure[] = [
      vsAnchor({ name: `lookups_per_second_${SERVICES}_services`, unit: 'q/s', value: best(res.ours.tp), anchor: 'dnsmasq (hosts file)', anchor_value: best(res.anchor.tp), target: '>= 0.5x anchor' }, (_v, _a, ratio) => ratio >= 0.5),
      absolute({ name: `lookup_p99_at_${LATENCY_QPS}_qps`, unit: 'ms', value: p99(res.ours.lat), target: '<= 5 ms' }, (v) => v <= 5, { anchor: 'dnsmasq (hosts file)', anchor_value: p99(res.anchor.lat) }),
      absolute({ name: 'lost_queries', unit: 'queries', value: res.ours.tp.reduce((n, r) => n + r.lost, 0) + res.ours.lat.lost, target: '0' }, (v) => v === 0),
    ];
    report('dns', figures);
  } finally {
    await stop(dnsmasq);
    await stop(ours);
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
