// The proxy's Prometheus metrics, under kube-proxy's names, on a registry the
// caller passes in (so several components, or tests, can each have their own).

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ProxyMetrics {
  syncDuration: Histogram<'mode'>;
  rulesTotal: Gauge<'table'>;
  lastSyncTimestamp: Gauge;
  restoreFailures: Counter;
}

/** kube-proxy's sync buckets: 1 ms doubling up to ~16 s. */
const SYNC_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

function getOrCreate<T>(registry: Registry, name: string, make: () => T): T {
  // A second Proxier on the same registry (a restart in-process) reuses the series.
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function proxyMetrics(registry: Registry = new Registry()): ProxyMetrics {
  const registers = [registry];
  return {
    syncDuration: getOrCreate(registry, 'kubeproxy_sync_proxy_rules_duration_seconds', () =>
      new Histogram({
        name: 'kubeproxy_sync_proxy_rules_duration_seconds',
        help: 'SyncProxyRules latency in seconds (mode: full or partial)',
        labelNames: ['mode'] as const,
        buckets: SYNC_BUCKETS,
        registers,
      }),
    ),
    rulesTotal: getOrCreate(registry, 'kubeproxy_sync_proxy_rules_iptables_total', () =>
      new Gauge({
        name: 'kubeproxy_sync_proxy_rules_iptables_total',
        help: 'Total number of iptables rules owned by the proxy',
        labelNames: ['table'] as const,
        registers,
      }),
    ),
    lastSyncTimestamp: getOrCreate(registry, 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', () =>
      new Gauge({
        name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
        help: 'The last time proxy rules were successfully synced',
        registers,
      }),
    ),
    restoreFailures: getOrCreate(registry, 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total', () =>
      new Counter({
        name: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total',
        help: 'Cumulative proxy iptables restore failures',
        registers,
      }),
    ),
  };
}
