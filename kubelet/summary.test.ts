// The Summary's arithmetic on a fixture /proc and a runtime stand-in (pure aggregation:
// the cgroup readings themselves are the runtime's, exercised by its own tests and e2e/metrics).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RuntimeService } from '../runtime/cri.js';
import { resourceMetricsText } from './resource-metrics.js';
import { SummaryProvider } from './summary.js';

const root = mkdtempSync(join(tmpdir(), 'summary-'));
after(() => rmSync(root, { recursive: true, force: true }));
const proc = join(root, 'proc');
mkdirSync(join(proc, 'net'), { recursive: true });
mkdirSync(join(proc, '77', 'net'), { recursive: true });
mkdirSync(join(proc, 'sys', 'kernel'), { recursive: true });
const netdev = (rx: number) => `h1\nh2\n  eth0: ${rx} 1 0 0 0 0 0 0 ${rx * 2} 1 0 0 0 0 0 0\n`;
const setCpu = (jiffies: number) => writeFileSync(join(proc, 'stat'), `cpu  ${jiffies} 0 0 500 0 0 0 0 0 0\nbtime 1700000000\n`);
setCpu(100);
writeFileSync(join(proc, 'meminfo'), 'MemTotal: 2000 kB\nMemFree: 1000 kB\nInactive(file): 100 kB\nAnonPages: 50 kB\n');
writeFileSync(join(proc, 'vmstat'), 'pgfault 10\npgmajfault 1\n');
writeFileSync(join(proc, 'net', 'dev'), netdev(9));
writeFileSync(join(proc, '77', 'net', 'dev'), netdev(1000));
writeFileSync(join(proc, 'sys', 'kernel', 'pid_max'), '4194304\n');
writeFileSync(join(proc, 'loadavg'), '0.1 0.2 0.3 2/345 999\n');

const labels = (c: string) => ({ 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'ns', 'io.kubernetes.container.name': c });
let usage = { a: 1e9, b: 3e9 };
let now = 1_000_000;
const runtime = {
  listPodSandbox: () => Promise.resolve([{ id: 's1', metadata: { name: 'web', namespace: 'ns', uid: 'u1', attempt: 0 }, state: 'SANDBOX_READY', createdAt: 1_700_000_100_000, labels: labels(''), annotations: {} }]),
  podSandboxStatus: () => Promise.resolve({ id: 's1', pid: 77, hostNetwork: false }),
  listContainers: () => Promise.resolve(['a', 'b'].map((c) => ({ id: `c-${c}`, podSandboxId: 's1', metadata: { name: c, attempt: 0 }, state: 'CONTAINER_RUNNING', createdAt: 1_700_000_200_000, labels: labels(c), annotations: {}, image: '', imageRef: '' }))),
  listContainerStats: () =>
    Promise.resolve(
      (['a', 'b'] as const).map((c) => ({ containerId: `c-${c}`, timestamp: now, cpu: { usageCoreNanoSeconds: usage[c] }, memory: { workingSetBytes: c === 'a' ? 100 : 200, usageBytes: c === 'a' ? 150 : 250, rssBytes: 10 }, pids: { current: 2 } })),
    ),
} as unknown as RuntimeService;

test('node and pod figures: sums of containers, rates from the previous sample, /proc readings', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now });
  const p = new SummaryProvider({ nodeName: 'n1', runtime, rootDir: root, imagesRoot: root, logDir: root, procRoot: proc });
  const first = await p.collect([]);
  assert.equal(first.node.nodeName, 'n1');
  assert.equal(first.node.startTime, '2023-11-14T22:13:20Z');
  assert.equal(first.node.cpu?.usageCoreNanoSeconds, 1e9);
  assert.equal(first.node.cpu?.usageNanoCores, undefined, 'no window yet');
  assert.deepEqual({ ...first.node.memory, time: undefined }, { time: undefined, availableBytes: 1100 * 1024, usageBytes: 1000 * 1024, workingSetBytes: 900 * 1024, rssBytes: 50 * 1024, pageFaults: 10, majorPageFaults: 1 });
  assert.deepEqual(first.node.rlimit && { maxpid: first.node.rlimit.maxpid, curproc: first.node.rlimit.curproc }, { maxpid: 4194304, curproc: 345 });
  assert.equal(first.node.network?.rxBytes, 9);
  assert.ok((first.node.fs?.capacityBytes ?? 0) > 0);
  const pod = first.pods[0];
  assert.deepEqual(pod.podRef, { name: 'web', namespace: 'ns', uid: 'u1' });
  assert.deepEqual(pod.containers.map((c) => c.name), ['a', 'b']);
  assert.equal(pod.cpu?.usageCoreNanoSeconds, 4e9);
  assert.deepEqual([pod.memory?.workingSetBytes, pod.memory?.usageBytes, pod.memory?.rssBytes], [300, 400, 20]);
  assert.equal(pod.network?.name, 'eth0');
  assert.equal(pod.network?.txBytes, 2000);
  assert.equal(pod.process_stats?.process_count, 4);
  assert.equal(pod.containers[0].startTime, '2023-11-14T22:16:40Z');

  // 10 s later: a used 5 s of CPU (half a core), b none; the node 10 s (1000 jiffies more).
  now += 10_000;
  t.mock.timers.setTime(now);
  usage = { a: 6e9, b: 3e9 };
  setCpu(1100);
  const second = await p.collect([]);
  const [a, b] = second.pods[0].containers;
  assert.equal(a.cpu?.usageNanoCores, 5e8);
  assert.equal(b.cpu?.usageNanoCores, 0);
  assert.equal(second.pods[0].cpu?.usageNanoCores, 5e8);
  assert.equal(second.node.cpu?.usageNanoCores, 1e9);

  const text = resourceMetricsText(second);
  assert.match(text, /^# HELP container_cpu_usage_seconds_total \[STABLE\] Cumulative cpu time consumed by the container in core-seconds$/m);
  assert.match(text, /^container_cpu_usage_seconds_total\{container="a",namespace="ns",pod="web"\} 6 \d+$/m);
  assert.match(text, /^pod_memory_working_set_bytes\{namespace="ns",pod="web"\} 300 \d+$/m);
  assert.match(text, /^node_cpu_usage_seconds_total 11 \d+$/m);
  assert.match(text, /^resource_scrape_error 0$/m);
});
