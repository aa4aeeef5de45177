// A StatefulSet's stable identities (Kubernetes' stateful_set_utils.go): pod <set>-<ordinal>
// with hostname = its name and subdomain = serviceName, the pod-name and pod-index labels, one
// PVC per volumeClaimTemplate and ordinal (<template>-<set>-<ordinal>) mounted as the template's
// volume, and the PVC owner references the retention policy asks for. Pure functions.

import type { StatefulSet } from '../api/apps.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from '../api/core.js';
import type { OwnerReference } from '../api/meta.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './revision-history.js';

export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The parent name and ordinal a pod name encodes (-1 when it does not end in -<n>). */
export function parseOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = /^(.*)-([0-9]+)$/.exec(podName);
  if (!m) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  return Number.isSafeInteger(ordinal) ? { parent: m[1], ordinal } : { parent: '', ordinal: -1 };
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name ?? ''}-${ordinal}`;
}

/** Whether a pod is one of the set's by name (isMemberOf); only those are adopted. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parseOrdinal(pod.metadata?.name ?? '').parent === set.metadata?.name;
}

export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

export function replicaCount(set: StatefulSet): number {
  return set.spec?.replicas ?? 1;
}

export function claimName(set: StatefulSet, template: PersistentVolumeClaim, ordinal: number): string {
  return `${template.metadata?.name ?? ''}-${set.metadata?.name ?? ''}-${ordinal}`;
}

export function setOwnerRef(set: StatefulSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata?.name ?? '', uid: set.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** The claims of an ordinal's pod, each with the set's selector labels added to the template's. */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => {
    const claim = structuredClone(t);
    return {
      ...claim,
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        ...(claim.metadata?.annotations ? { annotations: claim.metadata.annotations } : {}),
        name: claimName(set, t, ordinal),
        namespace: set.metadata?.namespace,
        labels: { ...(claim.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
      },
      status: undefined,
    };
  });
}

/** The pod of an ordinal, from a template (the set's, or an older revision's). */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec | undefined, ordinal: number, revisionName: string): Pod {
  const name = podName(set, ordinal);
  const t = template ?? {};
  const spec = structuredClone(t.spec ?? { containers: [] });
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  else delete spec.subdomain;
  // Each claim template replaces a template volume of the same name.
  const templates = set.spec?.volumeClaimTemplates ?? [];
  const claimVolumes: Volume[] = templates.map((ct) => ({ name: ct.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(set, ct, ordinal) } }));
  const claimed = new Set(claimVolumes.map((v) => v.name));
  const volumes = [...claimVolumes, ...(spec.volumes ?? []).filter((v) => !claimed.has(v.name))];
  if (volumes.length) spec.volumes = volumes;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [STATEFULSET_POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revisionName },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ...(t.metadata?.finalizers ? { finalizers: [...t.metadata.finalizers] } : {}),
      ownerReferences: [setOwnerRef(set)],
    },
    spec,
  };
}

/**
 * The owner references a claim should carry under persistentVolumeClaimRetentionPolicy
 * (updateClaimOwnerRefForSetAndPod): whenDeleted=Delete → the set owns it; whenScaled=Delete →
 * the pod of a scaled-down ordinal owns it (so deleting the pod deletes the claim). Retain: neither.
 */
export function claimOwnerRefs(set: StatefulSet, pod: Pod | undefined, existing: OwnerReference[], scaledDown: boolean): OwnerReference[] {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const whenDeleted = policy.whenDeleted ?? 'Retain';
  const whenScaled = policy.whenScaled ?? 'Retain';
  const setUid = set.metadata?.uid;
  const podUid = pod?.metadata?.uid;
  let refs = existing.filter((r) => r.uid !== setUid && (!podUid || r.uid !== podUid));
  const setRef: OwnerReference = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata?.name ?? '', uid: setUid ?? '' };
  const podRef: OwnerReference | undefined = pod && podUid ? { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: podUid } : undefined;
  const keep = (r: OwnerReference | undefined) => {
    if (r) refs = [...refs, existing.find((x) => x.uid === r.uid) ?? r];
  };
  if (whenScaled === 'Delete' && scaledDown) keep(podRef);
  else if (whenDeleted === 'Delete') keep(setRef);
  // Keep the order the claim had (no needless writes).
  refs.sort((a, b) => {
    const ia = existing.findIndex((x) => x.uid === a.uid);
    const ib = existing.findIndex((x) => x.uid === b.uid);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
  });
  return refs;
}
