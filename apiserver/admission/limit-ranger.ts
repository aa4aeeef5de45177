// LimitRanger admission, as upstream's plugin: on pod create (not update: containers
// cannot change) a namespace's LimitRanges fill each container's unset limits and
// requests (recorded in the kubernetes.io/limit-ranger annotation) and then bound the
// containers and the pod's sums; claims (create and update) are bounded on storage.
// Violations are a 403 Forbidden in upstream's words. The ranges are read through the
// apiserver's watch cache at its own latest write, so one created a moment ago counts,
// and a namespace with none costs no etcd read.

import type { Pod } from '../../api/core.js';
import { computeQOSClass } from '../../api/defaults.js';
import { aggregate, applyPodDefaults, checkClaim, checkPod } from '../../api/limit-range.js';
import type { LimitRange } from '../../api/quota.js';
import { forbiddenError } from '../auth/authorizer.js';
import type { Registry } from '../registry/generic.js';
import type { Admission } from './pod-security.js';

export function limitRangerAdmission(limitRanges: () => Registry | undefined): Admission {
  return async (kind, obj, ctx, old) => {
    if (ctx.subresource) return;
    if (kind === 'Pod' ? old !== undefined : kind !== 'PersistentVolumeClaim') return;
    if (old?.metadata?.deletionTimestamp) return; // objects on their way out are left alone
    const ns = obj.metadata?.namespace;
    const reg = limitRanges();
    if (!ns || !reg) return;
    const ranges = (await reg.listOwnWrites(ns)) as LimitRange[];
    if (ranges.length === 0) return;
    let errs: string[];
    if (kind === 'Pod') {
      const pod = obj as Pod;
      if (!pod.spec || typeof pod.spec !== 'object') return; // validation answers
      if (applyPodDefaults(pod, ranges) && pod.status) pod.status.qosClass = computeQOSClass(pod.spec);
      errs = checkPod(pod, ranges);
    } else {
      errs = checkClaim(obj, ranges);
    }
    if (errs.length) throw forbiddenError('', kind === 'Pod' ? 'pods' : 'persistentvolumeclaims', obj.metadata?.name ?? '', aggregate(errs));
  };
}
