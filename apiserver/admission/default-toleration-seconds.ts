// DefaultTolerationSeconds admission, as upstream's plugin: a pod (create or update, not
// its subresources) that tolerates neither node.kubernetes.io/not-ready nor
// node.kubernetes.io/unreachable with effect NoExecute (an empty key or effect counts
// as tolerating) gets an Exists toleration of each with tolerationSeconds from
// --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds
// (300 s). The taint manager then evicts its pods that long after their node goes.

import type { Pod, Toleration } from '../../api/core.js';
import type { Admission } from './pod-security.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const DEFAULT_TOLERATION_SECONDS = 300;

export interface DefaultTolerationSecondsOptions {
  notReadySeconds?: number;
  unreachableSeconds?: number;
}

/** Whether some toleration covers the key's NoExecute taint in upstream's loose sense (empty key or effect match). */
function covers(tolerations: Toleration[], key: string): boolean {
  return tolerations.some((t) => (!t?.key || t.key === key) && (!t?.effect || t.effect === 'NoExecute'));
}

/** Adds the missing tolerations to the pod in place. */
export function addDefaultTolerations(pod: Pod, o: DefaultTolerationSecondsOptions = {}): void {
  const spec = pod.spec;
  if (!spec || typeof spec !== 'object') return;
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const add: Toleration[] = [];
  if (!covers(tolerations, TAINT_NOT_READY)) add.push({ key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: o.notReadySeconds ?? DEFAULT_TOLERATION_SECONDS });
  if (!covers(tolerations, TAINT_UNREACHABLE)) add.push({ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: o.unreachableSeconds ?? DEFAULT_TOLERATION_SECONDS });
  if (add.length) spec.tolerations = [...tolerations, ...add];
}

export function defaultTolerationSecondsAdmission(o: DefaultTolerationSecondsOptions = {}): Admission {
  return (kind, obj, ctx) => {
    if (kind === 'Pod' && !ctx.subresource) addDefaultTolerations(obj, o);
    return Promise.resolve();
  };
}

/** A flag's value: a whole number of seconds, 0 up to int64's positive range that JSON numbers keep exactly. */
export function parseTolerationSeconds(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new Error(`--${flag} must be a whole number of seconds, got ${JSON.stringify(v)}`);
  return Number(v);
}
