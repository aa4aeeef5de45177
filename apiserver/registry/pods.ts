// Pods: status reset on create, graceful deletion (the kubelet finishes it), binding.

import type { Pod } from '../../api/core.js';
import { computeQOSClass } from '../../api/defaults.js';
import type { KubeObject } from '../../api/meta.js';
import { badRequest, conflict } from '../errors.js';
import type { Registry } from './generic.js';
import { nowSeconds } from './generic.js';
import type { DeleteOptions, RequestContext, Strategy } from './strategy.js';
import { defaultStrategy } from './strategy.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { ServiceAccount } from '../../api/authentication.js';
import { admitServiceAccount } from './service-account-admission.js';

/** What pod admission reads: the pod's ServiceAccount (absent: no ServiceAccount admission, as with the plugin off). */
export interface PodAdmissionDeps {
  serviceAccount?: (namespace: string, name: string) => Promise<ServiceAccount>;
}

export function podStrategy(info: ResourceInfo, deps: PodAdmissionDeps = {}): Strategy<Pod> {
  return defaultStrategy<Pod>(info, {
    async prepareForCreate(pod) {
      if (deps.serviceAccount) await admitServiceAccount(pod, deps.serviceAccount);
      pod.status = { phase: 'Pending', qosClass: computeQOSClass(pod.spec ?? { containers: [] }) };
    },
    gracePeriod(pod, opts: DeleteOptions) {
      // Unscheduled or finished pods have no kubelet to wait for: delete at once.
      if (!pod.spec?.nodeName) return undefined;
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
      const grace = opts.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      return grace > 0 ? grace : undefined;
    },
  });
}

/** POST pods/<name>/binding or bindings: assign a node, once. */
export async function bindPod(pods: Registry, ctx: RequestContext, podName: string, binding: KubeObject): Promise<void> {
  const target = binding.target as { kind?: string; name?: string } | undefined;
  if (!target?.name) throw badRequest('Binding.target.name is required');
  if (target.kind && target.kind !== 'Node') throw badRequest(`Binding.target.kind must be Node, got ${target.kind}`);
  const expectedUid = binding.metadata?.uid;
  await pods.guaranteedUpdate(ctx, podName, (cur) => {
    const pod: Pod = cur;
    if (expectedUid && pod.metadata.uid !== expectedUid) {
      throw conflict(pods.target(podName), `Precondition failed: UID in precondition: ${expectedUid}, UID in object meta: ${pod.metadata.uid}`);
    }
    if (pod.metadata.deletionTimestamp) throw conflict(pods.target(podName), 'pod is being deleted, cannot be assigned to a host');
    const spec = (pod.spec ??= { containers: [] });
    if (spec.nodeName) throw conflict(pods.target(podName), `pod ${podName} is already assigned to node "${spec.nodeName}"`);
    spec.nodeName = target.name;
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowSeconds() });
    pod.status = { ...(pod.status ?? {}), conditions };
    if (binding.metadata?.annotations) {
      pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...binding.metadata.annotations };
    }
    delete pod.metadata.resourceVersion;
    return cur;
  }, { subresource: 'binding' });
}
