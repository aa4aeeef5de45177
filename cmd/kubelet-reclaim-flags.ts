// The kubelet's flags for eviction, reserved resources and garbage collection, shared by
// `kubelet` and `hyperkube up` (which passes each one given through to its kubelet).
import { parseGoDuration } from '../api/cron-schedule.js';
import type { KubeletOptions } from '../kubelet/kubelet.js';
import { nodeResources } from '../kubelet/node-reclaim.js';

type Kind = 'string' | 'list' | 'duration' | 'percent' | 'int';

export const RECLAIM_FLAGS: Record<string, { key: keyof KubeletOptions; kind: Kind; help: string }> = {
  'eviction-hard': { key: 'evictionHard', kind: 'string', help: 'hard eviction thresholds, e.g. memory.available<100Mi,nodefs.available<10% (default: memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%; giving any replaces them all)' },
  'eviction-soft': { key: 'evictionSoft', kind: 'string', help: 'soft eviction thresholds (each needs a grace period)' },
  'eviction-soft-grace-period': { key: 'evictionSoftGracePeriod', kind: 'string', help: 'grace periods of the soft thresholds, e.g. memory.available=1m30s' },
  'eviction-minimum-reclaim': { key: 'evictionMinimumReclaim', kind: 'string', help: 'what an eviction frees beyond its threshold, e.g. nodefs.available=500Mi' },
  'eviction-pressure-transition-period': { key: 'evictionPressureTransitionPeriodMs', kind: 'duration', help: 'how long a pressure condition stays after its threshold is no longer met (default 5m0s)' },
  'eviction-max-pod-grace-period': { key: 'evictionMaxPodGracePeriod', kind: 'int', help: 'most seconds a pod evicted for a soft threshold gets to stop (default 0: its own)' },
  'system-reserved': { key: 'systemReserved', kind: 'string', help: 'resources kept for the system, e.g. cpu=200m,memory=500Mi,ephemeral-storage=1Gi' },
  'kube-reserved': { key: 'kubeReserved', kind: 'string', help: 'resources kept for the Kubernetes components, same form' },
  'enforce-node-allocatable': { key: 'enforceNodeAllocatable', kind: 'list', help: 'pods, system-reserved, kube-reserved or none (default pods: the pods together are evicted from at allocatable memory)' },
  'image-gc-high-threshold': { key: 'imageGCHighThresholdPercent', kind: 'percent', help: 'percent of the image filesystem used from which image GC runs (default 85)' },
  'image-gc-low-threshold': { key: 'imageGCLowThresholdPercent', kind: 'percent', help: 'percent image GC frees down to (default 80)' },
  'image-minimum-gc-age': { key: 'imageMinimumGCAgeMs', kind: 'duration', help: 'unused images younger than this are kept (default 2m0s)' },
  'maximum-dead-containers-per-container': { key: 'maximumDeadContainersPerContainer', kind: 'int', help: 'dead attempts kept per container (default 1)' },
  'minimum-container-ttl-duration': { key: 'minimumContainerTTLDurationMs', kind: 'duration', help: 'dead containers younger than this are kept (default 0s)' },
  'housekeeping-interval': { key: 'housekeepingIntervalMs', kind: 'duration', help: 'how often the eviction manager reads the node (default 10s)' },
};

/** One flag's value into its option; throws with the flag's name on bad input. */
export function reclaimFlagValue(name: string, value: string): [keyof KubeletOptions, unknown] {
  const f = RECLAIM_FLAGS[name];
  switch (f.kind) {
    case 'string':
      return [f.key, value];
    case 'list':
      return [f.key, value.split(',').map((x) => x.trim()).filter(Boolean)];
    case 'duration': {
      let ns: number;
      try {
        ns = parseGoDuration(value);
      } catch (e) {
        throw new Error(`invalid value ${JSON.stringify(value)} for --${name}: ${(e as Error).message}`);
      }
      if (ns < 0) throw new Error(`--${name} must not be negative`);
      return [f.key, ns / 1e6];
    }
    case 'percent':
    case 'int': {
      const n = Number(value);
      if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new Error(`invalid value ${JSON.stringify(value)} for --${name}: not an integer`);
      if (f.kind === 'percent' && (n < 0 || n > 100)) throw new Error(`invalid configuration: --${name} (${n}) must be between 0 and 100, inclusive`);
      return [f.key, n];
    }
  }
}

/** The checks upstream's kubelet makes before it starts (bad thresholds, reservations, GC thresholds). */
export function validateReclaim(o: KubeletOptions): void {
  const high = o.imageGCHighThresholdPercent ?? 85;
  const low = o.imageGCLowThresholdPercent ?? 80;
  if (low > high) throw new Error(`invalid configuration: --image-gc-low-threshold (${low}) must be less than or equal to --image-gc-high-threshold (${high})`);
  if ((o.maximumDeadContainersPerContainer ?? 1) < -1) throw new Error('--maximum-dead-containers-per-container must be -1 (no limit) or more');
  nodeResources(o);
}

/** The same flags as `hyperkube up` defines them (strings, empty: the kubelet's default). */
export const UP_RECLAIM_FLAGS: Record<string, { type: 'string'; default: string; help: string }> = Object.fromEntries(Object.entries(RECLAIM_FLAGS).map(([n, f]) => [n, { type: 'string' as const, default: '', help: `kubelet: ${f.help}` }]));

/** Kubelet options from `up`'s values of these flags (validated as the kubelet would). */
export function reclaimOptions(values: Readonly<Record<string, string | boolean>>): Partial<KubeletOptions> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(RECLAIM_FLAGS)) {
    const v = values[name];
    if (typeof v === 'string' && v !== '') {
      const [k, val] = reclaimFlagValue(name, v);
      out[k] = val;
    }
  }
  validateReclaim(out);
  return out;
}

/** The kubelet command-line flags for `up`'s values of these flags (multi-process mode). */
export function reclaimArgs(values: Readonly<Record<string, string | boolean>>): string[] {
  return Object.keys(RECLAIM_FLAGS).flatMap((n) => (typeof values[n] === 'string' && values[n] !== '' ? [`--${n}=${String(values[n])}`] : []));
}
