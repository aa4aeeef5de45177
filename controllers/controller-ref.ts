// Kubernetes' PodControllerRefManager for apps/v1 owners (DaemonSet, StatefulSet): the pods an
// owner controls and still selects; matching orphans are adopted (a patch conditional on the
// pod's resourceVersion, after re-reading the owner as canAdopt does), owned pods that stop
// matching are released.

import type { Pod } from '../api/core.js';
import type { OwnerReference } from '../api/meta.js';
import type { LabelMatcher } from '../api/selectors.js';
import { isConflict, isNotFound } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';
import { controllerRef } from './pod-util.js';

export interface ClaimOwner {
  ref: OwnerReference;
  namespace: string;
  deleting: boolean;
  /** Re-read the owner: false when it is gone, replaced or being deleted (then nothing is adopted). */
  stillLive: () => Promise<boolean>;
  /** Extra condition a pod must meet to be adopted (a StatefulSet adopts only its own ordinals' names). */
  adoptable?: (pod: Pod) => boolean;
}

export async function claimPods(client: RestClient, owner: ClaimOwner, matcher: LabelMatcher | undefined, pods: Pod[]): Promise<Pod[]> {
  const claimed: Pod[] = [];
  let live: boolean | undefined;
  const podClient = client.pods(owner.namespace);
  for (const pod of pods) {
    const ref = controllerRef(pod);
    const matches = !!matcher && matcher.matches(pod.metadata?.labels ?? {});
    if (ref) {
      if (ref.uid !== owner.ref.uid) continue;
      if (matches || owner.deleting) claimed.push(pod);
      else await patchRefs(client, pod, (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== owner.ref.uid));
      continue;
    }
    if (owner.deleting || !matches || pod.metadata?.deletionTimestamp) continue;
    if (owner.adoptable && !owner.adoptable(pod)) continue;
    live ??= await owner.stillLive();
    if (!live) continue;
    try {
      await podClient.patch(pod.metadata?.name ?? '', { metadata: { ownerReferences: [...(pod.metadata?.ownerReferences ?? []), owner.ref], resourceVersion: pod.metadata?.resourceVersion } }, 'merge');
      claimed.push(pod);
    } catch (err) {
      // Someone else changed it meanwhile: the next sync looks again.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
  return claimed;
}

async function patchRefs(client: RestClient, pod: Pod, refs: OwnerReference[]): Promise<void> {
  try {
    await client.pods(pod.metadata?.namespace).patch(pod.metadata?.name ?? '', { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: pod.metadata?.resourceVersion } }, 'merge');
  } catch (err) {
    if (!isNotFound(err) && !isConflict(err)) throw err;
  }
}
