// `kubectl get` tables of CRDs (NAME, CREATED AT) and of custom resources (Name, then the
// version's additionalCustomResourceColumnDefinitions, or Age when it names none, as upstream's
// serveDefaultColumnsIfEmpty).

import type { CustomResourceColumnDefinition, CustomResourceDefinition } from './apiextensions.js';
import type { TypedObject } from './core.js';
import { evalJSONPath } from './crd-jsonpath.js';
import { NAME, col, translateTimestampSince, type Printer, type TableColumnDefinition } from './table.js';

export const crdPrinter: Printer<CustomResourceDefinition> = {
  columns: [NAME, col('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  row: (crd) => ({ cells: [crd.metadata.name, crd.metadata.creationTimestamp ?? null] }),
};

const DEFAULT_COLUMNS: CustomResourceColumnDefinition[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Custom resource definition column (in JSONPath format): .metadata.creationTimestamp' }];
const COLUMN_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'date']);

/** The printer of a custom resource version with these printer columns. */
export function customResourcePrinter(columns: CustomResourceColumnDefinition[]): Printer {
  const cols = columns.length ? columns : DEFAULT_COLUMNS;
  const defs: TableColumnDefinition[] = [
    { ...NAME, description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names' },
    ...cols.map((c) => ({
      name: c.name,
      type: (COLUMN_TYPES.has(c.type) ? c.type : 'string') as TableColumnDefinition['type'],
      format: c.format ?? '',
      description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
      priority: c.priority ?? 0,
    })),
  ];
  return {
    columns: defs,
    row: (o: TypedObject, now: Date) => ({ cells: [o.metadata.name, ...cols.map((c) => cell(o, c, now))] }),
  };
}

function cell(o: TypedObject, c: CustomResourceColumnDefinition, now: Date): unknown {
  const values = evalJSONPath(o, c.jsonPath);
  if (values.length === 0) return null;
  if (c.type === 'date' && values.length === 1 && typeof values[0] === 'string') return translateTimestampSince(values[0], now);
  if (values.length === 1) {
    const v = values[0];
    return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return values.map((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
}
