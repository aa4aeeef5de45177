// Pure status logic, as the Kubernetes kubelet computes it: the pod phase
// from container statuses (getPhase), and the pod conditions.
import type { ContainerStatus, PodCondition, PodPhase, PodSpec, PodStatus } from '../api/core.js';
import { apiTime } from './labels.js';

/** kubelet's getPhase (pkg/kubelet/kubelet_pods.go) for regular init containers. */
export function computePhase(spec: PodSpec, init: ContainerStatus[], regular: ContainerStatus[]): PodPhase {
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of spec.initContainers ?? []) {
    const s = init.find((x) => x.name === c.name);
    if (!s?.state) {
      pendingInit++;
      continue;
    }
    const st = s.state;
    if (st.running) pendingInit++;
    else if (st.terminated) {
      if (st.terminated.exitCode === 0) continue;
      failedInit++;
    } else if (st.waiting) {
      const last = s.lastState?.terminated;
      if (last) {
        if (last.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.containers) {
    const s = regular.find((x) => x.name === c.name);
    if (!s?.state) {
      unknown++;
      continue;
    }
    const st = s.state;
    if (st.running) running++;
    else if (st.terminated) {
      stopped++;
      if (st.terminated.exitCode === 0) succeeded++;
    } else if (st.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && spec.restartPolicy === 'Never') return 'Failed';
  if (pendingInit > 0 || (failedInit > 0 && spec.restartPolicy !== 'Never')) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (spec.restartPolicy === 'Always' || spec.restartPolicy === undefined) return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (spec.restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function cond(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  return { type, status: ok ? 'True' : 'False', lastProbeTime: null, ...(reason && !ok ? { reason } : {}), ...(message && !ok ? { message } : {}) };
}

/** PodReadyToStartContainers, Initialized, ContainersReady, Ready, PodScheduled (kept True). */
export function computeConditions(spec: PodSpec, phase: PodPhase, sandboxReady: boolean, init: ContainerStatus[], regular: ContainerStatus[]): PodCondition[] {
  const initDone = (spec.initContainers ?? []).every((c) => init.find((s) => s.name === c.name)?.state?.terminated?.exitCode === 0);
  const notReady = spec.containers.filter((c) => !regular.find((s) => s.name === c.name)?.ready).map((c) => c.name);
  // A pod that succeeded is no longer ready; its init containers count as done.
  const finished = phase === 'Succeeded' || phase === 'Failed';
  const ready = notReady.length === 0 && !finished;
  const uninit = (spec.initContainers ?? []).filter((c) => init.find((s) => s.name === c.name)?.state?.terminated?.exitCode !== 0).map((c) => c.name);
  const podCompleted = phase === 'Succeeded';
  return [
    cond('PodReadyToStartContainers', sandboxReady && !finished),
    cond('Initialized', initDone || podCompleted, 'ContainersNotInitialized', `containers with incomplete status: [${uninit.join(' ')}]`),
    cond('ContainersReady', ready, podCompleted ? 'PodCompleted' : 'ContainersNotReady', podCompleted ? undefined : `containers with unready status: [${notReady.join(' ')}]`),
    cond('Ready', ready, podCompleted ? 'PodCompleted' : 'ContainersNotReady', podCompleted ? undefined : `containers with unready status: [${notReady.join(' ')}]`),
    cond('PodScheduled', true),
  ];
}

/** Keep lastTransitionTime from the previous status when a condition's status did not change. */
export function stampTransitions(conds: PodCondition[], prev: PodCondition[] | undefined): PodCondition[] {
  const now = apiTime();
  return conds.map((c) => {
    const p = prev?.find((x) => x.type === c.type);
    return { ...c, lastTransitionTime: p && p.status === c.status && p.lastTransitionTime ? p.lastTransitionTime : now };
  });
}

/** Status equality that ignores condition timestamps (so an unchanged pod is not rewritten). */
export function sameStatus(a: PodStatus | undefined, b: PodStatus): boolean {
  if (!a) return false;
  const strip = (s: PodStatus) => JSON.stringify({ ...s, conditions: (s.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: undefined, lastProbeTime: undefined })) });
  return strip(a) === strip(b);
}
