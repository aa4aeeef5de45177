// The kubelet's decision, with no I/O: from a pod's spec and what the runtime
// shows for it now, the list of actions that moves one step towards the spec,
// each with the reason it is needed. Upstream's computePodActions
// (kuberuntime_manager.go) is the model: a sandbox that is missing or dead is
// replaced (and the old one killed); init containers run one at a time, in
// order, each to success; regular containers are started when absent and
// restarted per restartPolicy; running ones are killed when their spec hash
// changed or a liveness/startup probe failed. The executor (pod-actions.ts)
// carries a plan out; the worker (pod-worker.ts) observes, plans, executes.
import type { Container, Pod } from '../api/core.js';
import type { ContainerStatus as RtStatus, PodSandboxStatus } from '../runtime/cri.js';
import { L_CONTAINER_HASH, L_CONTAINER_NAME } from './labels.js';
import { containerHash } from './container-hash.js';

export type ContainerKind = 'init' | 'app' | 'ephemeral';

/** What the runtime shows for one pod (ids from the runtime index, statuses read now). */
export interface ObservedPod {
  sandboxes: PodSandboxStatus[];
  /** Every container of the pod, every attempt, in any sandbox. */
  containers: RtStatus[];
}

/** A back-off window (crash loop or image pull) of one container name. */
export interface BackoffWindow {
  /** No new attempt before this time (ms since epoch). */
  until: number;
  delayMs: number;
}

export type ProbeFailure = 'liveness' | 'startup';

export interface PlanInput {
  pod: Pod;
  observed: ObservedPod;
  now: number;
  /** Crash back-off per container name. */
  backoff?: ReadonlyMap<string, BackoffWindow>;
  /** Image pull back-off per container name. */
  pullBackoff?: ReadonlyMap<string, BackoffWindow>;
  /** Running container ids whose liveness or startup probe has failed. */
  probeFailures?: ReadonlyMap<string, ProbeFailure>;
  /** Container ids the kubelet killed itself (probe, spec change): restarted whatever their exit code, unless Never. */
  kubeletKilled?: ReadonlySet<string>;
  /** The pod already reached Succeeded/Failed: nothing runs again, its sandbox goes. */
  finished?: boolean;
  /** When the pod started on this node (ms), for activeDeadlineSeconds. */
  startedAt?: number;
}

export type PodAction =
  | { type: 'killSandbox'; sandboxId: string; reason: string }
  | { type: 'removeSandbox'; sandboxId: string; reason: string }
  | { type: 'createSandbox'; attempt: number; reason: string }
  /** Start a new attempt of a container in the live (or just created) sandbox. */
  | { type: 'startContainer'; name: string; kind: ContainerKind; attempt: number; reason: string; /** a restart after an exit: arms the next back-off step */ restart: boolean; /** an ephemeral container's target: the running container whose PID namespace it joins */ pidTargetContainerId?: string }
  /** A container created but never started (a start cut short): start it. */
  | { type: 'resumeContainer'; containerId: string; name: string; reason: string }
  | { type: 'killContainer'; containerId: string; name: string; reason: KillReason; message: string; gracePeriodSeconds: number }
  | { type: 'removeContainer'; containerId: string; name: string; attempt: number; reason: string };

/** Why a running container is killed (upstream's containerKillReason and friends). */
export type KillReason = 'LivenessProbe' | 'StartupProbe' | 'SpecChanged' | 'NotInSpec' | 'DeadlineExceeded' | 'Evicted' | 'PodFinished' | 'SandboxGone' | 'Unknown';

/** A container that should start but must wait (its reason becomes the waiting state). */
export interface PlanWait {
  name: string;
  reason: 'CrashLoopBackOff' | 'ImagePullBackOff';
  until: number;
}

export interface PodPlan {
  actions: PodAction[];
  waits: PlanWait[];
  /** The pod is over: nothing will start again (the worker's phase comes from the statuses; this says why). */
  outcome?: { phase: 'Succeeded' | 'Failed'; reason?: string; message?: string };
  /** Plan again no later than this (ms since epoch): a back-off or the active deadline ends. */
  wakeAt?: number;
}

const byAttemptDesc = (a: RtStatus, b: RtStatus) => (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0) || b.createdAt - a.createdAt;

/** Per container name, its runtime statuses, newest attempt first. */
export function groupByName(containers: readonly RtStatus[]): Map<string, RtStatus[]> {
  const out = new Map<string, RtStatus[]>();
  for (const st of containers) {
    const name = containerName(st);
    const arr = out.get(name) ?? [];
    arr.push(st);
    out.set(name, arr);
  }
  for (const arr of out.values()) arr.sort(byAttemptDesc);
  return out;
}

export function containerName(st: RtStatus): string {
  return st.labels[L_CONTAINER_NAME] ?? st.metadata.name;
}

function gracePeriod(pod: Pod): number {
  return pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/** Upstream's shouldRestartOnFailure: anything but Never. */
function restartsOnFailure(pod: Pod): boolean {
  return (pod.spec?.restartPolicy ?? 'Always') !== 'Never';
}

/** Whether an exited container is started again (kubelet's ShouldContainerBeRestarted). */
export function shouldRestart(pod: Pod, st: RtStatus, kubeletKilled: boolean): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Always') return true;
  if (policy === 'Never') return false;
  return st.exitCode !== 0 || kubeletKilled;
}

/** The newest ready sandbox, if any. */
export function liveSandbox(observed: ObservedPod): PodSandboxStatus | undefined {
  return observed.sandboxes.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => b.createdAt - a.createdAt)[0];
}

const running = (st: RtStatus | undefined) => st?.state === 'CONTAINER_RUNNING';
const exited = (st: RtStatus | undefined) => st?.state === 'CONTAINER_EXITED';
const succeeded = (st: RtStatus | undefined) => exited(st) && st!.exitCode === 0;

/**
 * The plan for a pod that is to run (not being deleted). Order of the actions is the order the
 * executor follows: kills and removals first, then the sandbox, then container starts.
 */
export function planPod(input: PlanInput): PodPlan {
  const { pod, observed, now } = input;
  const spec = pod.spec!;
  const actions: PodAction[] = [];
  const waits: PlanWait[] = [];
  const byName = groupByName(observed.containers);
  const runningAll = observed.containers.filter(running);
  let wakeAt: number | undefined;
  const wake = (t: number) => (wakeAt = wakeAt === undefined ? t : Math.min(wakeAt, t));

  // A finished pod keeps its exited containers (logs, status) but not its sandbox.
  if (input.finished) {
    for (const s of observed.sandboxes) if (s.state === 'SANDBOX_READY') actions.push({ type: 'killSandbox', sandboxId: s.id, reason: 'pod finished' });
    return { actions, waits };
  }

  // activeDeadlineSeconds: past it, everything is killed and the pod fails.
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && input.startedAt !== undefined) {
    const end = input.startedAt + deadline * 1000;
    if (now >= end) {
      for (const st of runningAll) actions.push({ type: 'killContainer', containerId: st.id, name: containerName(st), reason: 'DeadlineExceeded', message: `Container ${containerName(st)} is past the pod's active deadline`, gracePeriodSeconds: gracePeriod(pod) });
      return { actions, waits, outcome: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' } };
    }
    wake(end);
  }

  const live = liveSandbox(observed);
  const inSpec = new Set([...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])].map((c) => c.name));

  // Running containers no spec names (e.g. a static pod's file changed under a kept uid): killed.
  for (const st of runningAll) {
    const name = containerName(st);
    if (!inSpec.has(name)) actions.push({ type: 'killContainer', containerId: st.id, name, reason: 'NotInSpec', message: `Container ${name} is not in the pod's spec`, gracePeriodSeconds: gracePeriod(pod) });
  }

  if (!live) return planNewSandbox(input, byName, actions, waits, wakeAt);

  // Other sandboxes than the live one: containers created in them and never started never will be;
  // a sandbox no container uses any more (e.g. one made by a kubelet killed mid-start) goes.
  for (const st of observed.containers) {
    if (st.podSandboxId !== live.id && st.state === 'CONTAINER_CREATED') actions.push({ type: 'removeContainer', containerId: st.id, name: containerName(st), attempt: st.metadata.attempt ?? 0, reason: 'created in a sandbox that is not the live one' });
  }
  const used = new Set(observed.containers.filter((st) => !(st.podSandboxId !== live.id && st.state === 'CONTAINER_CREATED')).map((st) => st.podSandboxId));
  for (const s of observed.sandboxes) if (s.id !== live.id && !used.has(s.id)) actions.push({ type: 'removeSandbox', sandboxId: s.id, reason: 'an older sandbox no container uses' });

  const starts = new Set<string>();
  const initDone = planInitContainers(input, byName, live.id, actions, waits, starts, wake);
  let outcome: PodPlan['outcome'];
  if (initDone === 'failed') {
    const failed = (spec.initContainers ?? []).find((c) => exited(byName.get(c.name)?.[0]) && !succeeded(byName.get(c.name)?.[0]));
    outcome = { phase: 'Failed', reason: 'InitContainerFailed', message: `Init container ${failed?.name} failed and restartPolicy is Never` };
  } else if (initDone === 'done') {
    outcome = planAppContainers(input, byName, live.id, actions, waits, starts, wake);
  }
  // As upstream, ephemeral containers may start before initialization completes, but not in a pod that is over.
  if (initDone !== 'failed' && !outcome) planEphemeralContainers(input, byName, live.id, actions, waits, starts, wake);
  pruneOldAttempts(byName, starts, actions);
  return { actions, waits, ...(outcome ? { outcome } : {}), ...(wakeAt !== undefined ? { wakeAt } : {}) };
}

/** No ready sandbox: kill what is left, and make a new one unless the pod must not run again. */
function planNewSandbox(input: PlanInput, byName: Map<string, RtStatus[]>, actions: PodAction[], waits: PlanWait[], wakeAt: number | undefined): PodPlan {
  const { pod, observed } = input;
  const spec = pod.spec!;
  const why = observed.sandboxes.length ? 'pod sandbox is not ready' : 'no pod sandbox';
  for (const st of observed.containers.filter(running)) {
    if (!actions.some((a) => a.type === 'killContainer' && a.containerId === st.id)) actions.push({ type: 'killContainer', containerId: st.id, name: containerName(st), reason: 'SandboxGone', message: `Container ${containerName(st)}'s pod sandbox is gone`, gracePeriodSeconds: 0 });
  }
  for (const s of observed.sandboxes) actions.push({ type: 'killSandbox', sandboxId: s.id, reason: why });
  const base = { waits, ...(wakeAt !== undefined ? { wakeAt } : {}) };
  // As upstream: a pod that must not restart, whose containers already ran, is not given a new sandbox.
  if (!restartsOnFailure(pod) && observed.sandboxes.length > 0 && observed.containers.length > 0) {
    return { actions, ...base, outcome: outcomeOfStopped(pod, byName) };
  }
  // OnFailure with every container succeeded: done, no sandbox needed.
  const toStart = spec.containers.filter((c) => !(spec.restartPolicy === 'OnFailure' && succeeded(byName.get(c.name)?.[0])));
  if (toStart.length === 0) return { actions, ...base, outcome: { phase: 'Succeeded' } };
  actions.push({ type: 'createSandbox', attempt: observed.sandboxes.length, reason: why });
  // Everything starts again in the new sandbox; init containers from the first (their old runs are purged).
  for (const st of observed.containers) {
    if ((spec.initContainers ?? []).some((c) => c.name === containerName(st))) actions.push({ type: 'removeContainer', containerId: st.id, name: containerName(st), attempt: st.metadata.attempt ?? 0, reason: 'init containers run again in a new sandbox' });
  }
  const next = (c: Container) => (byName.get(c.name)?.[0] ? (byName.get(c.name)![0].metadata.attempt ?? 0) + 1 : 0);
  const first = spec.initContainers?.[0];
  if (first) actions.push({ type: 'startContainer', name: first.name, kind: 'init', attempt: 0, reason: 'first init container in a new sandbox', restart: false });
  else for (const c of toStart) actions.push({ type: 'startContainer', name: c.name, kind: 'app', attempt: next(c), reason: 'start in a new sandbox', restart: false });
  return { actions, ...base };
}

/** The phase of a pod that will not run again, from its containers' last exits. */
function outcomeOfStopped(pod: Pod, byName: Map<string, RtStatus[]>): NonNullable<PodPlan['outcome']> {
  const all = pod.spec!.containers.map((c) => byName.get(c.name)?.[0]);
  return all.every(succeeded) ? { phase: 'Succeeded' } : { phase: 'Failed' };
}

/** Init containers in order, one at a time. 'done' when all succeeded; 'failed' when one failed for good. */
function planInitContainers(input: PlanInput, byName: Map<string, RtStatus[]>, sandboxId: string, actions: PodAction[], waits: PlanWait[], starts: Set<string>, wake: (t: number) => void): 'done' | 'pending' | 'failed' {
  const { pod } = input;
  for (const c of pod.spec!.initContainers ?? []) {
    const cur = byName.get(c.name)?.[0];
    if (succeeded(cur)) continue;
    if (cur?.state === 'CONTAINER_CREATED' && cur.podSandboxId === sandboxId) {
      actions.push({ type: 'resumeContainer', containerId: cur.id, name: c.name, reason: 'created but not started' });
      return 'pending';
    }
    if (running(cur)) return 'pending';
    if (exited(cur) && !restartsOnFailure(pod)) return 'failed';
    if (!gate(input, c.name, cur, waits, wake)) return 'pending';
    killUnknown(pod, c.name, cur, actions);
    starts.add(c.name);
    actions.push({ type: 'startContainer', name: c.name, kind: 'init', attempt: cur ? (cur.metadata.attempt ?? 0) + 1 : 0, reason: cur ? `init container exited with ${cur.exitCode}` : 'next init container', restart: exited(cur) });
    return 'pending';
  }
  return 'done';
}

/** A container in an unknown state may still run: killed before the next attempt (never two at once), as upstream. */
function killUnknown(pod: Pod, name: string, cur: RtStatus | undefined, actions: PodAction[]): void {
  if (cur?.state !== 'CONTAINER_UNKNOWN') return;
  actions.push({ type: 'killContainer', containerId: cur.id, name, reason: 'Unknown', message: `Container is in "CONTAINER_UNKNOWN" state, try killing it before restart`, gracePeriodSeconds: gracePeriod(pod) });
}

/**
 * True when a container may be started now; otherwise records why it waits (crash loop or image
 * pull back-off) and when to look again.
 */
function gate(input: PlanInput, name: string, cur: RtStatus | undefined, waits: PlanWait[], wake: (t: number) => void): boolean {
  const b = input.backoff?.get(name);
  if (exited(cur) && b && input.now < b.until) {
    waits.push({ name, reason: 'CrashLoopBackOff', until: b.until });
    wake(b.until);
    return false;
  }
  const p = input.pullBackoff?.get(name);
  if (p && input.now < p.until) {
    waits.push({ name, reason: 'ImagePullBackOff', until: p.until });
    wake(p.until);
    return false;
  }
  return true;
}

function planAppContainers(input: PlanInput, byName: Map<string, RtStatus[]>, sandboxId: string, actions: PodAction[], waits: PlanWait[], starts: Set<string>, wake: (t: number) => void): PodPlan['outcome'] {
  const { pod } = input;
  const spec = pod.spec!;
  let active = false;
  for (const c of spec.containers) {
    const cur = byName.get(c.name)?.[0];
    if (cur?.state === 'CONTAINER_CREATED' && cur.podSandboxId === sandboxId) {
      actions.push({ type: 'resumeContainer', containerId: cur.id, name: c.name, reason: 'created but not started' });
      active = true;
      continue;
    }
    if (running(cur)) {
      const kill = runningContainerKill(input, c, cur!);
      if (!kill) {
        active = true;
        continue;
      }
      actions.push({ type: 'killContainer', containerId: cur!.id, name: c.name, reason: kill.reason, message: `${kill.message}${kill.restart ? ', will be restarted' : ''}`, gracePeriodSeconds: kill.grace });
      // Still running until the kill lands: the pod is not over yet either way.
      active = true;
      if (!kill.restart) continue;
      if (!gate(input, c.name, cur, waits, wake)) continue;
      starts.add(c.name);
      actions.push({ type: 'startContainer', name: c.name, kind: 'app', attempt: (cur!.metadata.attempt ?? 0) + 1, reason: kill.message, restart: true });
      continue;
    }
    if (exited(cur) && !shouldRestart(pod, cur!, !!input.kubeletKilled?.has(cur!.id))) continue;
    active = true;
    if (!gate(input, c.name, cur, waits, wake)) continue;
    killUnknown(pod, c.name, cur, actions);
    starts.add(c.name);
    actions.push({ type: 'startContainer', name: c.name, kind: 'app', attempt: cur ? (cur.metadata.attempt ?? 0) + 1 : 0, reason: cur ? `container exited with ${cur.exitCode}, restartPolicy ${spec.restartPolicy ?? 'Always'}` : 'not yet started', restart: exited(cur) });
  }
  return active ? undefined : outcomeOfStopped(pod, byName);
}

/**
 * Ephemeral containers: each is started once, in the live sandbox, and never restarted (nor killed
 * for a spec change: their spec cannot change). With targetContainerName it waits for that
 * container to run, and joins its PID namespace.
 */
function planEphemeralContainers(input: PlanInput, byName: Map<string, RtStatus[]>, sandboxId: string, actions: PodAction[], waits: PlanWait[], starts: Set<string>, wake: (t: number) => void): void {
  for (const c of input.pod.spec!.ephemeralContainers ?? []) {
    const cur = byName.get(c.name)?.[0];
    if (cur?.state === 'CONTAINER_CREATED' && cur.podSandboxId === sandboxId) {
      actions.push({ type: 'resumeContainer', containerId: cur.id, name: c.name, reason: 'created but not started' });
      continue;
    }
    if (cur) continue;
    let pidTargetContainerId: string | undefined;
    if (c.targetContainerName) {
      const target = byName.get(c.targetContainerName)?.[0];
      if (!running(target) || target!.podSandboxId !== sandboxId) continue;
      pidTargetContainerId = target!.id;
    }
    if (!gate(input, c.name, cur, waits, wake)) continue;
    starts.add(c.name);
    actions.push({ type: 'startContainer', name: c.name, kind: 'ephemeral', attempt: 0, reason: 'ephemeral container added', restart: false, ...(pidTargetContainerId ? { pidTargetContainerId } : {}) });
  }
}

/** Why a running container must be killed, if it must (upstream's order: spec change, liveness, startup). */
function runningContainerKill(input: PlanInput, c: Container, cur: RtStatus): { reason: KillReason; message: string; restart: boolean; grace: number } | undefined {
  const { pod } = input;
  const h = cur.labels[L_CONTAINER_HASH];
  // Restart whatever the policy: the spec changed in a way the runtime cannot apply in place.
  if (h && h !== containerHash(c)) return { reason: 'SpecChanged', message: `Container ${c.name} definition changed`, restart: true, grace: gracePeriod(pod) };
  const failure = input.probeFailures?.get(cur.id);
  if (failure === 'liveness') return { reason: 'LivenessProbe', message: `Container ${c.name} failed liveness probe`, restart: restartsOnFailure(pod), grace: c.livenessProbe?.terminationGracePeriodSeconds ?? gracePeriod(pod) };
  if (failure === 'startup') return { reason: 'StartupProbe', message: `Container ${c.name} failed startup probe`, restart: restartsOnFailure(pod), grace: c.startupProbe?.terminationGracePeriodSeconds ?? gracePeriod(pod) };
  return undefined;
}

/** Keep the newest attempt and the one before it (lastState, logs --previous); a start makes one more. */
function pruneOldAttempts(byName: Map<string, RtStatus[]>, starts: Set<string>, actions: PodAction[]): void {
  for (const [name, all] of byName) {
    const keep = starts.has(name) ? 1 : 2;
    for (const old of all.slice(keep)) {
      if (old.state !== 'CONTAINER_EXITED') continue;
      if (actions.some((a) => 'containerId' in a && a.containerId === old.id)) continue;
      actions.push({ type: 'removeContainer', containerId: old.id, name, attempt: old.metadata.attempt ?? 0, reason: 'an older attempt than the two kept' });
    }
  }
}

/**
 * The plan for a pod being deleted (or gone from its source): every running container killed
 * (preStop first, by the executor), then sandboxes stopped and removed, then containers removed.
 * `gone` is true once the runtime shows nothing of the pod: only then may its API object go.
 */
export function planTermination(observed: ObservedPod, gracePeriodSeconds: number): { actions: PodAction[]; gone: boolean } {
  const actions: PodAction[] = [];
  for (const st of observed.containers.filter(running)) actions.push({ type: 'killContainer', containerId: st.id, name: containerName(st), reason: 'PodFinished', message: `Stopping container ${containerName(st)}`, gracePeriodSeconds });
  for (const s of observed.sandboxes) {
    actions.push({ type: 'killSandbox', sandboxId: s.id, reason: 'pod is terminating' });
    actions.push({ type: 'removeSandbox', sandboxId: s.id, reason: 'pod is terminating' });
  }
  for (const st of observed.containers) actions.push({ type: 'removeContainer', containerId: st.id, name: containerName(st), attempt: st.metadata.attempt ?? 0, reason: 'pod is terminating' });
  return { actions, gone: observed.sandboxes.length === 0 && observed.containers.length === 0 };
}
