// The kubelet's Prometheus metrics, on a registry of its own (several
// components may share one process).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface KubeletMetrics {
  registry: Registry;
  runningPods: Gauge;
  runningContainers: Gauge;
  podStartDuration: Histogram;
  relistDuration: Histogram;
  syncErrors: Counter;
}

export function createMetrics(): KubeletMetrics {
  const registry = new Registry();
  return {
    registry,
    runningPods: new Gauge({ name: 'kubelet_running_pods', help: 'Number of pods that have a running pod sandbox', registers: [registry] }),
    runningContainers: new Gauge({ name: 'kubelet_running_containers', help: 'Number of containers currently running', labelNames: ['container_state'], registers: [registry] }),
    podStartDuration: new Histogram({
      name: 'kubelet_pod_start_duration_seconds',
      help: 'Duration in seconds from the pod being created to it reaching Running',
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 30, 60],
      registers: [registry],
    }),
    relistDuration: new Histogram({ name: 'kubelet_pleg_relist_duration_seconds', help: 'Duration in seconds for relisting pods in PLEG', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    syncErrors: new Counter({ name: 'kubelet_pod_worker_errors_total', help: 'Pod syncs that failed', registers: [registry] }),
  };
}
