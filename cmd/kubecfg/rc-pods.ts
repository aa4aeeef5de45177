// The pods of one replication controller as kubecfg's waits see them: which
// exist (terminating ones too), which are Ready, and in a few words why one is
// not (so a failed rolling update can say what went wrong).

import type { Pod, ReplicationController } from '../../api/core.js';
import type { Ctx } from './context.js';

/** Pods the RC controls, or orphans its selector matches (the ones it would adopt); terminating ones included. */
export async function podsOf(ctx: Ctx, rc: ReplicationController): Promise<Pod[]> {
  const sel = rc.spec?.selector ?? {};
  if (!Object.keys(sel).length) return [];
  const labelSelector = Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await ctx.client.pods(ctx.namespace).list({ labelSelector });
  return list.items.filter((p) => {
    const ref = p.metadata?.ownerReferences?.find((r) => r.controller);
    return !ref || ref.uid === rc.metadata?.uid;
  });
}

/** Ready for at least minReadySeconds and not on its way out (what counts as serving). */
export function isPodAvailable(pod: Pod, minReadySeconds = 0, now = Date.now()): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready');
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const t = Date.parse(c.lastTransitionTime ?? '');
  return !Number.isNaN(t) && t + minReadySeconds * 1000 <= now;
}

/** Why a pod is not Ready, in the words the kubelet left (container waiting/terminated reasons, the Ready condition). */
export function notReadyReason(pod: Pod): string {
  const parts: string[] = [];
  for (const s of pod.status?.containerStatuses ?? []) {
    const w = s.state?.waiting;
    const t = s.state?.terminated ?? s.lastState?.terminated;
    if (w?.reason) parts.push(`${s.name}: ${w.reason}${w.message ? ` (${w.message})` : ''}`);
    else if (t?.reason || t?.exitCode !== undefined) parts.push(`${s.name}: ${t?.reason ?? 'Terminated'} (exit code ${t?.exitCode}${s.restartCount ? `, ${s.restartCount} restarts` : ''})`);
    else if (s.ready === false && s.state?.running) parts.push(`${s.name}: running, not ready`);
  }
  if (parts.length) return parts.join('; ');
  if (!pod.spec?.nodeName) return 'not scheduled';
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.message) return ready.message;
  return `phase ${pod.status?.phase ?? 'Pending'}`;
}
