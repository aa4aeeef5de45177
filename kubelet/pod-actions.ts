// Carries out a plan from pod-plan.ts against the CRI-shaped runtime and says
// what became of each action. Kills and removals go straight to the runtime;
// creating a sandbox and starting a container need the pod's configuration,
// which the caller supplies as handlers. A typed NotFound from the runtime
// means the object is already gone (the action's goal holds); every other
// failure is reported as a failed action, never dropped.
import { isNotFoundError, type RuntimeService } from '../runtime/cri.js';
import type { PodAction } from './pod-plan.js';

type Of<T extends PodAction['type']> = Extract<PodAction, { type: T }>;

export interface ActionHandlers {
  /** Make the sandbox; returns its id. */
  createSandbox(a: Of<'createSandbox'>): Promise<string>;
  /** Once the sandbox is settled (live or just made), before any container action: volumes, pod IP. */
  prepare?(sandboxId: string): Promise<void> | void;
  /** Make and start a new attempt of a container in the sandbox. */
  startContainer(a: Of<'startContainer'>, sandboxId: string): Promise<void>;
  /** Before a kill (the Killing event, a preStop hook); returns the grace period left, in seconds. */
  beforeKill?(a: Of<'killContainer'>): Promise<number | void> | number | void;
  /** After a container was removed (its termination file, index entry). */
  removed?(a: Of<'removeContainer'>): void;
  /** After a sandbox was removed. */
  sandboxRemoved?(a: Of<'removeSandbox'>): void;
}

export type ActionResult =
  | { action: PodAction; ok: true; /** the runtime no longer knew the object: its goal holds already */ alreadyGone?: boolean }
  | { action: PodAction; ok: false; error: Error; /** not tried, because an earlier step it needs failed */ skipped?: boolean };

export interface Execution {
  results: ActionResult[];
  /** The live sandbox after the plan (a new one when it was created). */
  sandboxId: string | undefined;
  /** prepare() failed: containers were not started. */
  prepareError?: Error;
}

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
const isContainerAction = (a: PodAction) => a.type === 'startContainer' || a.type === 'resumeContainer';

/**
 * Runs the actions in plan order: consecutive kills at once (each has its own grace period, as the
 * kubelet kills a pod's containers in parallel), the rest one by one. A start is skipped when the
 * sandbox could not be made, when prepare failed, or when the kill of the same container failed.
 */
export async function executePlan(rt: RuntimeService, actions: readonly PodAction[], liveSandboxId: string | undefined, h: ActionHandlers): Promise<Execution> {
  const results: ActionResult[] = [];
  let sandboxId = liveSandboxId;
  let sandboxError: Error | undefined;
  let prepared = false;
  let prepareError: Error | undefined;
  const failedKills = new Set<string>();

  const prepare = async () => {
    if (prepared || !sandboxId || !h.prepare) return;
    prepared = true;
    try {
      await h.prepare(sandboxId);
    } catch (e) {
      prepareError = asError(e);
    }
  };

  for (let i = 0; i < actions.length; i++) {
    const a = actions[i];
    if (a.type === 'killContainer') {
      const batch: Of<'killContainer'>[] = [];
      for (; i < actions.length && actions[i].type === 'killContainer'; i++) batch.push(actions[i] as Of<'killContainer'>);
      i--;
      const out = await Promise.all(batch.map((k) => kill(rt, k, h)));
      for (const r of out) {
        results.push(r);
        if (!r.ok) failedKills.add((r.action as Of<'killContainer'>).name);
      }
      continue;
    }
    if (isContainerAction(a)) {
      await prepare();
      const why = sandboxError ?? prepareError ?? (!sandboxId ? new Error('no live pod sandbox') : undefined) ?? (failedKills.has(a.name) ? new Error(`container ${a.name} could not be killed`) : undefined);
      if (why) {
        results.push({ action: a, ok: false, error: why, skipped: true });
        continue;
      }
    }
    try {
      switch (a.type) {
        case 'createSandbox':
          sandboxId = await h.createSandbox(a);
          await prepare();
          break;
        case 'killSandbox':
          await rt.stopPodSandbox(a.sandboxId);
          break;
        case 'removeSandbox':
          await rt.removePodSandbox(a.sandboxId);
          h.sandboxRemoved?.(a);
          break;
        case 'removeContainer':
          await rt.removeContainer(a.containerId);
          h.removed?.(a);
          break;
        case 'resumeContainer':
          await rt.startContainer(a.containerId);
          break;
        case 'startContainer':
          await h.startContainer(a, sandboxId!);
          break;
      }
      results.push({ action: a, ok: true });
    } catch (e) {
      if (a.type === 'createSandbox') sandboxError = asError(e);
      if (isNotFoundError(e) && (a.type === 'killSandbox' || a.type === 'removeSandbox' || a.type === 'removeContainer')) {
        if (a.type === 'removeContainer') h.removed?.(a);
        if (a.type === 'removeSandbox') h.sandboxRemoved?.(a);
        results.push({ action: a, ok: true, alreadyGone: true });
      } else results.push({ action: a, ok: false, error: asError(e) });
    }
  }
  // Nothing to start, but the sandbox is live: volumes are still kept up to date (configMap/secret contents).
  await prepare();
  return { results, sandboxId, ...(prepareError ? { prepareError } : {}) };
}

async function kill(rt: RuntimeService, a: Of<'killContainer'>, h: ActionHandlers): Promise<ActionResult> {
  try {
    const left = await h.beforeKill?.(a);
    await rt.stopContainer(a.containerId, typeof left === 'number' ? left : a.gracePeriodSeconds);
    return { action: a, ok: true };
  } catch (e) {
    if (isNotFoundError(e)) return { action: a, ok: true, alreadyGone: true };
    return { action: a, ok: false, error: asError(e) };
  }
}

/** The failures of an execution, in upstream's SyncResult wording: failed to "KillContainer" for "c" with KillContainerError: "…". */
export function describeFailures(results: readonly ActionResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.ok || r.skipped) continue;
    const a = r.action;
    const [step, target, code] =
      a.type === 'killContainer' ? ['KillContainer', a.name, 'KillContainerError']
      : a.type === 'removeContainer' ? ['RemoveContainer', a.name, 'RemoveContainerError']
      : a.type === 'killSandbox' ? ['KillPodSandbox', a.sandboxId.slice(0, 12), 'KillPodSandboxError']
      : a.type === 'removeSandbox' ? ['RemovePodSandbox', a.sandboxId.slice(0, 12), 'RemovePodSandboxError']
      : a.type === 'createSandbox' ? ['CreatePodSandbox', '', 'CreatePodSandboxError']
      : ['StartContainer', a.name, 'RunContainerError'];
    out.push(`failed to "${step}" for "${target}" with ${code}: "${r.error.message}"`);
  }
  return out;
}
