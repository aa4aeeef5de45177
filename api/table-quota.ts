// Server-side printing of LimitRange, ResourceQuota and PodTemplate: the columns of
// kubectl 1.32's printers (printLimitRange, printResourceQuota, printPodTemplate).

import type { LimitRange, PodTemplate, ResourceQuota } from './quota.js';
import { quantityString } from './resource-list.js';
import { formatLabels } from './selectors.js';
import { AGE, NAME, age, col, type Printer } from './table.js';

export const limitRangePrinter: Printer<LimitRange> = {
  columns: [NAME, col('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  row: (lr) => ({ cells: [lr.metadata.name, lr.metadata.creationTimestamp ?? null] }),
};

/** `<name>: <used>/<hard>` per resource of the spec, sorted; limits.* in the Limit column. */
export const resourceQuotaPrinter: Printer<ResourceQuota> = {
  columns: [
    NAME,
    AGE,
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  row(q, now) {
    const request: string[] = [];
    const limit: string[] = [];
    const used = q.status?.used ?? {};
    const hard = q.status?.hard ?? {};
    for (const r of Object.keys(q.spec?.hard ?? {}).sort()) {
      const cell = `${r}: ${quantityString(used[r] ?? '0')}/${quantityString(hard[r] ?? '0')}`;
      (r.split('.').length > 1 && r.split('.')[0] === 'limits' ? limit : request).push(cell);
    }
    return { cells: [q.metadata.name, age(q, now), request.join(', '), limit.join(', ')] };
  },
};

export const podTemplatePrinter: Printer<PodTemplate> = {
  columns: [
    NAME,
    col('Containers', 'string', 'Names of each container in the template.'),
    col('Images', 'string', 'Images referenced by each container in the template.'),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  row(t) {
    const containers = t.template?.spec?.containers ?? [];
    return { cells: [t.metadata.name, containers.map((c) => c.name).join(','), containers.map((c) => c.image ?? '').join(','), formatLabels(t.template?.metadata?.labels)] };
  },
};
