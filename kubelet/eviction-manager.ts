// The kubelet's eviction manager (upstream's pkg/kubelet/eviction managerImpl.synchronize),
// run every housekeeping interval: read the Summary, see which thresholds are met (soft ones
// after their grace period), keep the node's pressure conditions (held for the pressure
// transition period), reclaim at node level first for disk (dead containers, unused images),
// and if that is not enough evict one pod in rank order: Failed, reason Evicted, with an
// event. New pods are refused while the node is under pressure (admit()).
import type { Pod } from '../api/core.js';
import { tolerated } from '../api/taints.js';
import type { PodStats, Summary } from '../api/stats.js';
import { evictionMessage, isCritical, rankForEviction } from './eviction-rank.js';
import { byEvictionPriority, firstObserved, mergeThresholds, metGracePeriod, observe, pressureConditions, SIGNAL_CONDITION, SIGNAL_RESOURCE, thresholdsMet, type PressureCondition } from './eviction-signals.js';
import { isHard, type Threshold } from './eviction-thresholds.js';

export interface EvictionConfig {
  thresholds: Threshold[];
  /** --eviction-pressure-transition-period (default 5 min). */
  pressureTransitionMs: number;
  /** --eviction-max-pod-grace-period: soft evictions' grace period cap (default 0: the pod's own). */
  maxPodGracePeriodSeconds: number;
}

export interface EvictionDeps {
  summary(): Promise<Summary>;
  /** Pods admitted and not terminating. */
  activePods(): Pod[];
  /** The pods' share of memory (capacity − reserved) when allocatableMemory.available is watched. */
  allocatableMemory(): number | undefined;
  /** Kill the pod within the grace period and report it Failed with reason Evicted and this message. */
  evict(pod: Pod, gracePeriodSeconds: number, message: string): Promise<void>;
  /** Node-level reclaim for disk: dead containers, then unused images. */
  reclaimDisk(): Promise<void>;
  /** The pressure conditions changed (node status should go out now). */
  conditionsChanged(c: Set<PressureCondition>): void;
  nodeEvent(type: 'Normal' | 'Warning', reason: string, message: string): void;
  log(m: string): void;
  now?: () => number;
}

/**
 * Upstream's Admit: under memory pressure alone, BestEffort pods are refused (unless they tolerate the
 * memory-pressure taint); under any other pressure every pod is; critical pods never. The message
 * lists every condition, as Go prints the slice.
 */
export function admitUnderPressure(pod: Pod, conditions: Set<PressureCondition>): { reason: string; message: string } | undefined {
  if (!conditions.size || isCritical(pod)) return undefined;
  if (conditions.size === 1 && conditions.has('MemoryPressure')) {
    if ((pod.status?.qosClass ?? qos(pod)) !== 'BestEffort') return undefined;
    if (tolerated(pod.spec?.tolerations, { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' })) return undefined;
  }
  return { reason: 'Evicted', message: `The node had condition: [${[...conditions].sort().join(' ')}]. ` };
}

function qos(pod: Pod): string {
  const any = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length);
  return any ? 'Burstable' : 'BestEffort';
}

export class EvictionManager {
  private met: Threshold[] = [];
  private first = new Map<string, number>();
  private lastObserved = new Map<PressureCondition, number>();
  conditions = new Set<PressureCondition>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly c: EvictionConfig,
    private readonly d: EvictionDeps,
  ) {}

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  start(intervalMs: number): void {
    const tick = () => {
      if (this.running) return;
      this.running = true;
      void this.synchronize()
        .catch((e: Error) => this.d.log(`eviction manager: ${e.message}`))
        .finally(() => (this.running = false));
    };
    this.timer = setInterval(tick, intervalMs);
    tick();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round; returns the evicted pod, if any. */
  async synchronize(): Promise<Pod | undefined> {
    if (!this.c.thresholds.length) return undefined;
    const summary = await this.d.summary();
    const obs = observe(summary, this.d.allocatableMemory());
    const now = this.now();
    let met = thresholdsMet(this.c.thresholds, obs, false);
    // A threshold being resolved stays met until its minimum reclaim is also back.
    if (this.met.length) met = mergeThresholds(met, thresholdsMet(this.met, obs, true));
    this.first = firstObserved(met, this.first, now);
    const pc = pressureConditions(met, this.lastObserved, now, this.c.pressureTransitionMs);
    this.lastObserved = pc.lastObserved;
    const changed = pc.conditions.size !== this.conditions.size || [...pc.conditions].some((x) => !this.conditions.has(x));
    this.conditions = pc.conditions;
    if (changed) this.d.conditionsChanged(this.conditions);
    const due = metGracePeriod(met, this.first, now);
    this.met = due;
    if (!due.length) return undefined;
    const t = [...due].sort(byEvictionPriority)[0];
    const resource = SIGNAL_RESOURCE[t.signal];
    this.d.nodeEvent('Warning', 'EvictionThresholdMet', `Attempting to reclaim ${resource}`);
    if (SIGNAL_CONDITION[t.signal] === 'DiskPressure') {
      await this.d.reclaimDisk();
      const after = observe(await this.d.summary(), this.d.allocatableMemory());
      if (!thresholdsMet([t], after, true).length) {
        this.d.log(`eviction manager: node-level reclaim freed enough for ${t.signal}`);
        return undefined;
      }
    }
    const stats = new Map<string, PodStats>(summary.pods.map((p) => [p.podRef.uid, p]));
    for (const pod of rankForEviction(this.d.activePods(), stats, t.signal)) {
      if (isCritical(pod)) continue;
      // Hard thresholds: at once (upstream's 1 s); soft: the pod's own period, capped by --eviction-max-pod-grace-period.
      let grace = 1;
      if (!isHard(t)) {
        grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
        if (this.c.maxPodGracePeriodSeconds > 0) grace = Math.min(grace, this.c.maxPodGracePeriodSeconds);
      }
      const message = evictionMessage(pod, stats.get(pod.metadata?.uid ?? ''), t, obs);
      this.d.log(`eviction manager: evicting ${pod.metadata?.namespace}/${pod.metadata?.name}: ${message}`);
      await this.d.evict(pod, grace, message);
      return pod;
    }
    this.d.log(`eviction manager: no pod to evict for ${t.signal}`);
    return undefined;
  }
}
