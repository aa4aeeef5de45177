// The Priority admission plugin, as upstream's: on pod create, `priorityClassName` (else the
// global default class, else none) is resolved into `spec.priority` and
// `spec.preemptionPolicy`; a pod naming an unknown class, or sending a priority or
// preemption policy other than the class's, is refused (403). On pod update the stored
// values are kept, whatever the request says. PriorityClass writes may not make a second
// global default. Pod preemption by the scheduler is not implemented; priority orders the
// scheduler's queue and the kubelet's eviction ranking.

import type { Pod } from '../../api/core.js';
import type { PriorityClass } from '../../api/scheduling.js';
import { forbidden } from '../errors.js';

/** The priority used when no class is named and none is the global default. */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS = 0;

/** The global default class: among those marked, the one of lowest value (upstream's getDefaultPriorityClass). */
export function globalDefaultClass(classes: Iterable<PriorityClass>): PriorityClass | undefined {
  let best: PriorityClass | undefined;
  for (const pc of classes) if (pc.globalDefault && (!best || pc.value < best.value)) best = pc;
  return best;
}

const podTarget = (pod: Pod) => ({ resource: 'pods', name: pod.metadata?.name ?? '' });

/** admitPod on create: fills spec.priority/preemptionPolicy in place or throws the 403. */
export function admitPodPriority(pod: Pod, classes: PriorityClass[]): void {
  const spec = pod.spec;
  if (!spec || typeof spec !== 'object') return; // validation's to refuse
  let priority: number;
  let policy: PriorityClass['preemptionPolicy'];
  if (!spec.priorityClassName) {
    const def = globalDefaultClass(classes);
    priority = def?.value ?? DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS;
    policy = def ? def.preemptionPolicy : 'PreemptLowerPriority';
    spec.priorityClassName = def?.metadata.name;
    if (spec.priorityClassName === undefined) delete spec.priorityClassName;
  } else {
    const pc = classes.find((c) => c.metadata.name === spec.priorityClassName);
    if (!pc) throw forbidden(podTarget(pod), `no PriorityClass with name ${spec.priorityClassName} was found`);
    priority = pc.value;
    policy = pc.preemptionPolicy;
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw forbidden(podTarget(pod), `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  spec.priority = priority;
  if (policy) {
    if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy) {
      throw forbidden(podTarget(pod), `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    spec.preemptionPolicy = policy;
  }
}

/** admitPod on update: the priority set at create stays. */
export function keepPodPriority(pod: Pod, old: Pod): void {
  const spec = pod.spec;
  if (!spec || typeof spec !== 'object') return;
  if (old.spec?.priority === undefined) delete spec.priority;
  else spec.priority = old.spec.priority;
  if (old.spec?.preemptionPolicy === undefined) delete spec.preemptionPolicy;
  else spec.preemptionPolicy = old.spec.preemptionPolicy;
}

/** validatePriorityClass: a class marked globalDefault while another one already is gets a 403. */
export function checkSingleGlobalDefault(pc: PriorityClass, classes: PriorityClass[], creating: boolean): void {
  if (!pc.globalDefault) return;
  const def = globalDefaultClass(classes);
  if (def && (creating || def.metadata.name !== pc.metadata.name)) {
    throw forbidden({ resource: 'priorityclasses', group: 'scheduling.k8s.io', name: pc.metadata?.name ?? '' }, `PriorityClass ${def.metadata.name} is already marked as default. Only one default can exist`);
  }
}
