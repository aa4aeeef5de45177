// /metrics/resource: the kubelet's resource metrics endpoint (what metrics-server scrapes),
// in Prometheus text format with each sample's timestamp, from a Summary. Written here
// rather than with prom-client: the samples carry their own timestamps and the set of
// series is rebuilt on every scrape, which prom-client's registries do not model.
import type { Summary } from '../api/stats.js';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (l: Record<string, string>) => {
  const s = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(',');
  return s ? `{${s}}` : '';
};
const ms = (time: string) => Date.parse(time);

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: string[];
}

export function resourceMetricsText(s: Summary): string {
  const fam = (name: string, help: string, type: Family['type']): Family => ({ name, help, type, samples: [] });
  const nodeCpu = fam('node_cpu_usage_seconds_total', '[STABLE] Cumulative cpu time consumed by the node in core-seconds', 'counter');
  const nodeMem = fam('node_memory_working_set_bytes', '[STABLE] Current working set of the node in bytes', 'gauge');
  const podCpu = fam('pod_cpu_usage_seconds_total', '[STABLE] Cumulative cpu time consumed by the pod in core-seconds', 'counter');
  const podMem = fam('pod_memory_working_set_bytes', '[STABLE] Current working set of the pod in bytes', 'gauge');
  const ctrCpu = fam('container_cpu_usage_seconds_total', '[STABLE] Cumulative cpu time consumed by the container in core-seconds', 'counter');
  const ctrMem = fam('container_memory_working_set_bytes', '[STABLE] Current working set of the container in bytes', 'gauge');
  const ctrStart = fam('container_start_time_seconds', '[STABLE] Start time of the container since unix epoch in seconds', 'gauge');
  const up = fam('resource_scrape_error', '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise', 'gauge');
  const add = (f: Family, l: Record<string, string>, v: number, time?: string) => f.samples.push(`${f.name}${labels(l)} ${v}${time ? ` ${ms(time)}` : ''}`);
  const n = s.node;
  if (n.cpu?.usageCoreNanoSeconds !== undefined) add(nodeCpu, {}, n.cpu.usageCoreNanoSeconds / 1e9, n.cpu.time);
  if (n.memory?.workingSetBytes !== undefined) add(nodeMem, {}, n.memory.workingSetBytes, n.memory.time);
  for (const p of s.pods) {
    const pl = { namespace: p.podRef.namespace, pod: p.podRef.name };
    if (p.cpu?.usageCoreNanoSeconds !== undefined) add(podCpu, pl, p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time);
    if (p.memory?.workingSetBytes !== undefined) add(podMem, pl, p.memory.workingSetBytes, p.memory.time);
    for (const c of p.containers) {
      const cl = { container: c.name, ...pl };
      if (c.cpu?.usageCoreNanoSeconds !== undefined) add(ctrCpu, cl, c.cpu.usageCoreNanoSeconds / 1e9, c.cpu.time);
      if (c.memory?.workingSetBytes !== undefined) add(ctrMem, cl, c.memory.workingSetBytes, c.memory.time);
      add(ctrStart, cl, ms(c.startTime) / 1000, c.startTime);
    }
  }
  add(up, {}, 0);
  return [ctrCpu, ctrMem, ctrStart, nodeCpu, nodeMem, podCpu, podMem, up]
    .filter((f) => f.samples.length)
    .map((f) => `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n${f.samples.join('\n')}\n`)
    .join('');
}
