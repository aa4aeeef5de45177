// Output formats: aligned columns the way kubectl's tabwriter makes them
// (3 spaces of padding, minimum width 6, last column unpadded), server-side
// Tables (meta.k8s.io/v1) with their priority-0 columns (all with -o wide),
// YAML and JSON.

import yaml from 'js-yaml';

export interface TableColumn {
  name: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; creationTimestamp?: string } };
}

export interface Table {
  kind: 'Table';
  apiVersion?: string;
  metadata?: { resourceVersion?: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && (v as { kind?: string }).kind === 'Table' && Array.isArray((v as Table).rows);
}

/** Lay out rows of cells as kubectl does. */
export function formatColumns(rows: string[][]): string {
  if (rows.length === 0) return '';
  const ncol = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < ncol - 1; c++) {
    let w = 0;
    for (const r of rows) w = Math.max(w, (r[c] ?? '').length);
    widths.push(Math.max(w + 3, 6));
  }
  return rows
    .map((r) => {
      let line = '';
      for (let c = 0; c < r.length; c++) line += c < r.length - 1 ? (r[c] ?? '').padEnd(widths[c]) : (r[c] ?? '');
      return line.trimEnd() + '\n';
    })
    .join('');
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '<none>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export interface TablePrintOptions {
  wide?: boolean;
  /** Prefix a NAMESPACE column (from each row's object metadata). */
  withNamespace?: boolean;
  showLabels?: boolean;
  noHeaders?: boolean;
  /** Omit the header (watch updates after the first print). */
  header?: boolean;
}

/** The indices of the columns shown and the header cells. */
function visibleColumns(t: Table, o: TablePrintOptions): { idx: number[]; header: string[] } {
  const idx: number[] = [];
  t.columnDefinitions.forEach((c, i) => {
    if (o.wide || !c.priority) idx.push(i);
  });
  const header = idx.map((i) => t.columnDefinitions[i].name.toUpperCase());
  if (o.withNamespace) header.unshift('NAMESPACE');
  if (o.showLabels) header.push('LABELS');
  return { idx, header };
}

export function tableRows(t: Table, o: TablePrintOptions = {}): string[][] {
  const { idx, header } = visibleColumns(t, o);
  const out: string[][] = [];
  if (o.header !== false && !o.noHeaders) out.push(header);
  for (const r of t.rows) {
    const cells = idx.map((i) => cellText(r.cells[i]));
    if (o.withNamespace) cells.unshift(r.object?.metadata?.namespace ?? '');
    if (o.showLabels) cells.push(formatLabels(r.object?.metadata?.labels));
    out.push(cells);
  }
  return out;
}

export function formatLabels(labels: Record<string, string> | undefined): string {
  if (!labels || Object.keys(labels).length === 0) return '<none>';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** Human age as kubectl prints it: 45s, 5m, 3h, 2d, 3d4h... */
export function humanAge(from: string | undefined, now = Date.now()): string {
  if (!from) return '<unknown>';
  const t = Date.parse(from);
  if (Number.isNaN(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

interface MinimalObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; creationTimestamp?: string };
}

/** A NAME/AGE table built client-side, for servers that answer a Table request with a plain list. */
export function minimalTable(items: MinimalObject[]): Table {
  return {
    kind: 'Table',
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Age', type: 'string' },
    ],
    rows: items.map((o) => ({ cells: [o.metadata?.name ?? '', humanAge(o.metadata?.creationTimestamp)], object: { metadata: o.metadata ?? {} } })),
  };
}

export function toYaml(obj: unknown): string {
  return yaml.dump(obj, { noRefs: true, lineWidth: -1, sortKeys: false });
}

export function toJson(obj: unknown): string {
  return JSON.stringify(obj, null, 4) + '\n';
}
