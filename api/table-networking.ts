// Server-side printing of Ingress, IngressClass, NetworkPolicy and PriorityClass: the
// columns of kubectl 1.32's printers.

import type { Ingress, IngressClass, NetworkPolicy } from './networking.js';
import type { PriorityClass } from './scheduling.js';
import { AGE, NAME, age, col, type Printer } from './table.js';
import { formatLabelSelector } from './table-batch.js';

/** formatHosts: the first three hosts, then "+ N more..."; "*" when none. */
export function formatIngressHosts(ing: Ingress): string {
  const rules = ing.spec?.rules ?? [];
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === 3) more = true;
    if (!more && r?.host) list.push(r.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

/**
 * The ingress points' IPs (else hostnames), sorted and unique. Never cut to 16 characters:
 * kube-apiserver's table convertor prints with Wide set, so only kubectl's own printer cuts.
 */
export function ingressAddress(ing: Ingress): string {
  const set = new Set<string>();
  for (const e of ing.status?.loadBalancer?.ingress ?? []) {
    if (e?.ip) set.add(e.ip);
    else if (e?.hostname) set.add(e.hostname);
  }
  return [...set].sort().join(',');
}

export const ingressPrinter: Printer<Ingress> = {
  columns: [
    NAME,
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE,
  ],
  row(ing, now) {
    const cls = ing.spec?.ingressClassName ?? '<none>';
    const ports = ing.spec?.tls?.length ? '80, 443' : '80';
    return { cells: [ing.metadata.name, cls, formatIngressHosts(ing), ingressAddress(ing), ports, age(ing, now)] };
  },
};

export const ingressClassPrinter: Printer<IngressClass> = {
  columns: [
    NAME,
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    AGE,
  ],
  row(ic, now) {
    const p = ic.spec?.parameters;
    const params = p ? `${p.kind}${p.apiGroup !== undefined && p.apiGroup !== null ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return { cells: [ic.metadata.name, ic.spec?.controller ?? '', params, age(ic, now)] };
  },
};

export const networkPolicyPrinter: Printer<NetworkPolicy> = {
  columns: [NAME, col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'), AGE],
  row(np, now) {
    return { cells: [np.metadata.name, formatLabelSelector(np.spec?.podSelector), age(np, now)] };
  },
};

export const priorityClassPrinter: Printer<PriorityClass> = {
  columns: [
    NAME,
    col('Value', 'integer', 'Value is the integer value of this priority class.'),
    col('Global-Default', 'boolean', 'GlobalDefault specifies whether this PriorityClass should be considered as the default priority.'),
    AGE,
    col('PreemptionPolicy', 'string', 'PreemptionPolicy specifies the policy for preempting pods with lower priority.'),
  ],
  row(pc, now) {
    return { cells: [pc.metadata.name, pc.value ?? 0, pc.globalDefault ?? false, age(pc, now), pc.preemptionPolicy ?? ''] };
  },
};
