// metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics, as metrics-server serves them
// (usage quantities in canonical form: cpu from nanocores, "250m" or "123456789n"; memory
// from bytes, "2052924Ki").
import type { ObjectMeta } from './meta.js';

export type ResourceUsage = { cpu: string; memory: string };

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: ObjectMeta;
  /** When the usage was measured (RFC3339). */
  timestamp: string;
  /** The interval the CPU rate is averaged over (a Go duration, "10s"). */
  window: string;
  usage: ResourceUsage;
}

export interface ContainerMetrics {
  name: string;
  usage: ResourceUsage;
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: ObjectMeta;
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

/** CPU nanocores as a canonical decimal quantity (the largest suffix keeping it whole: n, u, m, none). */
export function cpuQuantity(nanoCores: number): string {
  let v = Math.max(0, Math.round(nanoCores));
  if (v === 0) return '0';
  for (const suffix of ['n', 'u', 'm']) {
    if (v % 1000 !== 0) return `${v}${suffix}`;
    v /= 1000;
  }
  return String(v);
}

/** Memory bytes as a canonical binary quantity (the largest of Ki, Mi, Gi, Ti dividing it; else bytes). */
export function memoryQuantity(bytes: number): string {
  let v = Math.max(0, Math.round(bytes));
  if (v === 0) return '0';
  let suffix = '';
  for (const next of ['Ki', 'Mi', 'Gi', 'Ti']) {
    if (v % 1024 !== 0) break;
    v /= 1024;
    suffix = next;
  }
  return `${v}${suffix}`;
}
