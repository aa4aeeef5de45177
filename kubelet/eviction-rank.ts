// Which pod the eviction manager evicts first, and what its status says (upstream's
// rankMemoryPressure / rankDiskPressureFunc / rankPIDPressure and evictionMessage). Pure.
//   memory, disk: pods using more than they request first, then lower priority first,
//   then by usage over request, largest first (so BestEffort pods, which request nothing,
//   go before Burstable ones within their requests, and Guaranteed ones last);
//   pids: lower priority first, then most processes.
import type { Container, Pod } from '../api/core.js';
import type { PodStats } from '../api/stats.js';
import { canonicalQuantity, formatQuantity, intValue } from '../api/quantity.js';
import { A_CONFIG_MIRROR } from './labels.js';
import { SIGNAL_RESOURCE, type Observations } from './eviction-signals.js';
import { thresholdQuantity, type Signal, type Threshold } from './eviction-thresholds.js';

/** scheduling.SystemCriticalPriority: pods at or above it are never evicted. */
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

type Resource = 'memory' | 'ephemeral-storage';

function containerRequest(c: Container, r: Resource): number {
  const q = c.resources?.requests?.[r];
  return q === undefined ? 0 : intValue(q);
}

function podRequest(pod: Pod, r: Resource): number {
  return (pod.spec?.containers ?? []).reduce((a, c) => a + containerRequest(c, r), 0);
}

export function podUsage(stats: PodStats | undefined, r: Resource | 'pids'): number {
  if (!stats) return 0;
  if (r === 'memory') return stats.memory?.workingSetBytes ?? 0;
  if (r === 'pids') return stats.process_stats?.process_count ?? 0;
  return stats['ephemeral-storage']?.usedBytes ?? 0;
}

/** Static and mirror pods and system-critical priorities: upstream's IsCriticalPod. */
export function isCritical(pod: Pod): boolean {
  const src = pod.metadata?.annotations?.['kubernetes.io/config.source'];
  if ((src && src !== 'api') || pod.metadata?.annotations?.[A_CONFIG_MIRROR] !== undefined) return true;
  return (pod.spec?.priority ?? 0) >= SYSTEM_CRITICAL_PRIORITY;
}

/** The pods in eviction order for a signal; `stats` by pod uid. */
export function rankForEviction(pods: Pod[], stats: Map<string, PodStats>, signal: Signal): Pod[] {
  const res = SIGNAL_RESOURCE[signal];
  const prio = (p: Pod) => p.spec?.priority ?? 0;
  const st = (p: Pod) => stats.get(p.metadata?.uid ?? '');
  if (res === 'pids' || res === 'inodes') {
    // Inodes are ranked as disk by upstream when no per-pod inode reading exists; pids by count.
    const use = (p: Pod) => (res === 'pids' ? podUsage(st(p), 'pids') : podUsage(st(p), 'ephemeral-storage'));
    return [...pods].sort((a, b) => prio(a) - prio(b) || use(b) - use(a));
  }
  const r: Resource = res;
  const over = (p: Pod) => podUsage(st(p), r) - podRequest(p, r);
  return [...pods].sort((a, b) => {
    const ea = over(a) > 0 ? 0 : 1;
    const eb = over(b) > 0 ? 0 : 1;
    return ea - eb || prio(a) - prio(b) || over(b) - over(a);
  });
}

const fmtBytes = (n: number) => formatQuantity(Math.round(n), 'BinarySI');

/** The Evicted message: "The node was low on resource: memory. Threshold quantity: 100Mi, available: 90Mi. Container x was using …". */
export function evictionMessage(pod: Pod, stats: PodStats | undefined, threshold: Threshold, obs: Observations): string {
  const res = SIGNAL_RESOURCE[threshold.signal];
  let msg = `The node was low on resource: ${res}. `;
  const o = obs.get(threshold.signal);
  if (o) {
    const decimal = res === 'inodes' || res === 'pids';
    const q = 'quantity' in threshold.value ? canonicalQuantity(threshold.value.text) : decimal ? formatQuantity(thresholdQuantity(threshold.value, o.capacity)) : fmtBytes(thresholdQuantity(threshold.value, o.capacity));
    msg += `Threshold quantity: ${q}, available: ${decimal ? formatQuantity(o.available) : fmtBytes(o.available)}. `;
  }
  if (res !== 'memory' && res !== 'ephemeral-storage') return msg;
  for (const c of pod.spec?.containers ?? []) {
    const cs = stats?.containers.find((x) => x.name === c.name);
    const usage = res === 'memory' ? (cs?.memory?.workingSetBytes ?? 0) : (cs?.rootfs?.usedBytes ?? 0) + (cs?.logs?.usedBytes ?? 0);
    const req = c.resources?.requests?.[res];
    if (usage > (req === undefined ? 0 : intValue(req))) msg += `Container ${c.name} was using ${fmtBytes(usage)}, request is ${req === undefined ? '0' : canonicalQuantity(req)}, has larger consumption of ${res}. `;
  }
  return msg;
}
