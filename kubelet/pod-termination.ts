// Tearing a pod down: preStop hooks and kills within the grace period, then its sandboxes and
// containers removed. It reports what failed instead of dropping it: the caller keeps the pod
// (Terminating in the API) and tries again until the runtime shows nothing of it.
import type { Pod } from '../api/core.js';
import type { RuntimeService } from '../runtime/cri.js';
import { describeFailures, executePlan } from './pod-actions.js';
import { planTermination, type ObservedPod } from './pod-plan.js';
import { runHandler } from './probes.js';

export interface TerminationContext {
  runtime: RuntimeService;
  pod: Pod;
  podIP: string;
  /** When the grace period ends (ms since epoch); fixed at the first attempt, so retries do not extend it. */
  deadline: number;
  observe(): Promise<ObservedPod>;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  containerRemoved(id: string): void;
  sandboxRemoved(id: string): void;
}

export interface TerminationResult {
  /** Nothing of the pod is left in the runtime. */
  gone: boolean;
  /** What failed, in upstream's SyncResult wording. */
  failures: string[];
}

/** The grace period of a pod's termination, as the kubelet picks it. */
export function terminationGrace(pod: Pod, removedFromSource: boolean): number {
  const spec = pod.spec!;
  if (removedFromSource && !pod.metadata?.deletionTimestamp) return spec.terminationGracePeriodSeconds ?? 30;
  return pod.metadata?.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
}

export async function terminatePod(ctx: TerminationContext): Promise<TerminationResult> {
  const rt = ctx.runtime;
  const spec = ctx.pod.spec!;
  const secondsLeft = () => Math.max(0, Math.ceil((ctx.deadline - Date.now()) / 1000));
  const plan = planTermination(await ctx.observe(), secondsLeft());
  const exec = await executePlan(rt, plan.actions, undefined, {
    createSandbox: () => Promise.reject(new Error('no sandbox is made while terminating')),
    startContainer: () => Promise.reject(new Error('no container starts while terminating')),
    async beforeKill(a) {
      const cs = spec.containers.find((x) => x.name === a.name) ?? spec.initContainers?.find((x) => x.name === a.name);
      const pre = cs?.lifecycle?.preStop;
      if (pre && cs) {
        if (pre.sleep) await new Promise((r) => setTimeout(r, Math.min(pre.sleep!.seconds * 1000, Math.max(0, ctx.deadline - Date.now()))));
        else {
          // A failed hook does not stop the kill, as upstream: it is reported and the kill goes on.
          const r = await runHandler(rt, a.containerId, cs, pre, ctx.podIP, Math.max(1, secondsLeft())).catch((e: Error) => ({ ok: false, message: e.message }));
          if (!r.ok) ctx.event('Warning', 'FailedPreStopHook', `PreStopHook failed: ${r.message}`);
        }
      }
      ctx.event('Normal', 'Killing', a.message);
      return secondsLeft();
    },
    removed: (a) => ctx.containerRemoved(a.containerId),
    sandboxRemoved: (a) => ctx.sandboxRemoved(a.sandboxId),
  });
  const failures = describeFailures(exec.results);
  // Only what the runtime shows now counts: gone means no sandbox and no container of the pod.
  const after = await ctx.observe();
  return { gone: after.sandboxes.length === 0 && after.containers.length === 0, failures };
}
