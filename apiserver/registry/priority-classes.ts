// PriorityClasses, Ingresses and pods' priority: the registry side of the Priority and
// DefaultIngressClass admission plugins (admission/priority.ts, admission/default-ingress-class.ts),
// and the system PriorityClasses, which may not be deleted (upstream's REST.Delete).

import type { Pod } from '../../api/core.js';
import type { Ingress, IngressClass } from '../../api/networking.js';
import type { ResourceInfo } from '../../api/resources.js';
import { SYSTEM_PRIORITY_CLASSES, type PriorityClass } from '../../api/scheduling.js';
import { admitIngressClass } from '../admission/default-ingress-class.js';
import { admitPodPriority, checkSingleGlobalDefault, keepPodPriority } from '../admission/priority.js';
import { forbidden } from '../errors.js';
import { defaultStrategy, type Strategy } from './strategy.js';

export function priorityClassStrategy(info: ResourceInfo, classes: () => Promise<PriorityClass[]>): Strategy<PriorityClass> {
  return defaultStrategy<PriorityClass>(info, {
    async prepareForCreate(pc) {
      checkSingleGlobalDefault(pc, await classes(), true);
    },
    async prepareForUpdate(pc) {
      checkSingleGlobalDefault(pc, await classes(), false);
    },
    beforeDelete(name) {
      if (SYSTEM_PRIORITY_CLASSES.some((c) => c.name === name)) {
        throw forbidden({ resource: 'priorityclasses', group: 'scheduling.k8s.io', name }, 'this is a system priority class and cannot be deleted');
      }
    },
  });
}

/** Ingresses: generation tracks the spec; a new one starts with an empty status (upstream's PrepareForCreate). */
export function ingressStrategy(info: ResourceInfo, classes: () => Promise<IngressClass[]>): Strategy<Ingress> {
  return defaultStrategy<Ingress>(info, {
    tracksGeneration: true,
    async prepareForCreate(ing) {
      ing.status = { loadBalancer: {} };
      admitIngressClass(ing, await classes());
    },
  });
}

/** The pod strategy with Priority admission first: resolved on create, kept on update. */
export function withPodPriority(s: Strategy<Pod>, classes: () => Promise<PriorityClass[]>): Strategy<Pod> {
  return {
    ...s,
    async prepareForCreate(pod, ctx) {
      admitPodPriority(pod, await classes());
      await s.prepareForCreate?.(pod, ctx);
    },
    async prepareForUpdate(pod, old, ctx) {
      keepPodPriority(pod, old);
      await s.prepareForUpdate?.(pod, old, ctx);
    },
  };
}

/** The system classes as the apiserver creates them at start. */
export function systemPriorityClasses(): PriorityClass[] {
  return SYSTEM_PRIORITY_CLASSES.map((c) => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: c.name },
    value: c.value,
    description: c.description,
  }));
}
