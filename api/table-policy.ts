// Server-side printing of PodDisruptionBudget: the columns of kubectl 1.32's printer.

import type { PodDisruptionBudget } from './policy.js';
import { AGE, NAME, age, col, type Printer } from './table.js';

export const podDisruptionBudgetPrinter: Printer<PodDisruptionBudget> = {
  columns: [
    NAME,
    col('Min Available', 'string', 'The minimum number or percentage of available pods this budget requires.'),
    col('Max Unavailable', 'string', 'The maximum number or percentage of unavailable pods this budget requires.'),
    col('Allowed Disruptions', 'integer', 'The number of evictions or deletions allowed.'),
    AGE,
  ],
  row(pdb, now) {
    const s = pdb.spec ?? {};
    const show = (v: number | string | undefined) => (v === undefined || v === null ? 'N/A' : String(v));
    return { cells: [pdb.metadata.name, show(s.minAvailable), show(s.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, age(pdb, now)] };
  },
};
