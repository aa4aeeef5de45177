// Summary API readings → metrics.k8s.io objects, as metrics-server builds them: CPU from
// usageNanoCores, memory from workingSetBytes; a node or pod missing a CPU rate (no window
// yet, or a container just started) is left out rather than shown as zero.
import type { Node, Pod } from '../../api/core.js';
import { cpuQuantity, memoryQuantity, type NodeMetrics, type PodMetrics } from '../../api/metrics.js';
import type { PodStats, Summary } from '../../api/stats.js';

/**
 * The window the rate is averaged over: the kubelet compares with its sample taken at least a
 * second before, sampling every 10 s, so at most this long (metrics-server's default resolution is 15 s).
 */
export const WINDOW = '10s';

const labelsOf = (labels: Record<string, string> | undefined) => (labels && Object.keys(labels).length ? { labels: { ...labels } } : {});

export function nodeMetrics(node: Node, s: Summary | undefined): NodeMetrics | undefined {
  const cpu = s?.node.cpu;
  const mem = s?.node.memory;
  if (cpu?.usageNanoCores === undefined || mem?.workingSetBytes === undefined) return undefined;
  return {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: node.metadata.name, creationTimestamp: cpu.time, ...labelsOf(node.metadata.labels) },
    timestamp: cpu.time,
    window: WINDOW,
    usage: { cpu: cpuQuantity(cpu.usageNanoCores), memory: memoryQuantity(mem.workingSetBytes) },
  };
}

/** The pod's entry in a node's Summary (same namespace, name and uid). */
export function podStatsOf(pod: Pod, s: Summary | undefined): PodStats | undefined {
  const m = pod.metadata;
  return s?.pods.find((p) => p.podRef.namespace === m.namespace && p.podRef.name === m.name && (!m.uid || p.podRef.uid === m.uid));
}

export function podMetrics(pod: Pod, ps: PodStats | undefined): PodMetrics | undefined {
  if (!ps || ps.containers.length === 0) return undefined;
  const containers = [];
  let time = '';
  for (const c of ps.containers) {
    if (c.cpu?.usageNanoCores === undefined || c.memory?.workingSetBytes === undefined) return undefined;
    if (c.cpu.time > time) time = c.cpu.time;
    containers.push({ name: c.name, usage: { cpu: cpuQuantity(c.cpu.usageNanoCores), memory: memoryQuantity(c.memory.workingSetBytes) } });
  }
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: time, ...labelsOf(pod.metadata.labels) },
    timestamp: time,
    window: WINDOW,
    containers,
  };
}
