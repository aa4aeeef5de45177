// How objects read in tables: ages, pod status and readiness, as kubectl prints them.

import type { KObject } from './api.js';

export function age(ts: string | undefined, now = Date.now()): string {
  if (!ts) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: { reason?: string; exitCode?: number } };
}

export function containerStatuses(pod: KObject): ContainerStatus[] {
  return (pod.status?.containerStatuses ?? []) as ContainerStatus[];
}

/** kubectl's STATUS column: a waiting or terminated reason, Terminating, or the phase. */
export function podStatus(pod: KObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  for (const c of containerStatuses(pod)) {
    if (c.state?.waiting?.reason) return c.state.waiting.reason;
    if (c.state?.terminated?.reason && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') return c.state.terminated.reason;
  }
  return (pod.status?.phase as string | undefined) ?? 'Pending';
}

export function podReady(pod: KObject): string {
  const cs = containerStatuses(pod);
  const total = ((pod.spec?.containers as unknown[] | undefined) ?? []).length;
  return `${cs.filter((c) => c.ready).length}/${total}`;
}

export function podRestarts(pod: KObject): number {
  return containerStatuses(pod).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

export const byName = (a: KObject, b: KObject) =>
  (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);
