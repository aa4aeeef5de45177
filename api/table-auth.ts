// Server-side printing of ServiceAccount: kubectl 1.32's columns (Name, Secrets, Age).

import type { ServiceAccount } from './authentication.js';
import { AGE, NAME, age, col, type Printer } from './table.js';

export const serviceAccountPrinter: Printer<ServiceAccount> = {
  columns: [NAME, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
  row: (sa, now) => ({ cells: [sa.metadata.name, (sa.secrets ?? []).length, age(sa, now)] }),
};
