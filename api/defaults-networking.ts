// Defaults of networking.k8s.io/v1 and scheduling.k8s.io/v1 (SetDefaults_* of
// pkg/apis/networking/v1 and pkg/apis/scheduling/v1).

import type { IngressClass, NetworkPolicy } from './networking.js';
import type { PriorityClass } from './scheduling.js';

/** policyTypes: ["Ingress"], plus "Egress" when egress rules are given; each port's protocol TCP. */
export function defaultNetworkPolicy(np: NetworkPolicy): void {
  const spec = (np.spec ??= { podSelector: {} });
  spec.podSelector ??= {};
  if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
  const rules = [...(spec.ingress ?? []), ...(spec.egress ?? [])];
  for (const r of rules) for (const p of r?.ports ?? []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
}

/** A parameters reference without a scope is cluster-scoped. */
export function defaultIngressClass(ic: IngressClass): void {
  const p = ic.spec?.parameters;
  if (p && typeof p === 'object') p.scope ??= 'Cluster';
}

export function defaultPriorityClass(pc: PriorityClass): void {
  pc.preemptionPolicy ??= 'PreemptLowerPriority';
}
