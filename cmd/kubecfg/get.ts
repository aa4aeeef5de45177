// `kubecfg get`: server-side tables printed as kubectl prints them, or the
// objects as YAML/JSON/names; -w keeps watching and prints each change.

import type { KubeObject, KubeList } from '../../api/meta.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import { TABLE_ACCEPT, type ResourceClient } from '../../client/rest.js';
import { UsageError } from './args.js';
import { errorText, rcFor, refName, resolveResource, type Ctx } from './context.js';
import { formatColumns, isTable, minimalTable, tableRows, toJson, toYaml, type Table, type TablePrintOptions } from './printers.js';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name';

export function outputFormat(ctx: Ctx): OutputFormat {
  const o = ctx.flags.str('output');
  if (o === undefined) return ctx.flags.bool('json') ? 'json' : ctx.flags.bool('yaml') ? 'yaml' : 'table';
  if (o === 'wide' || o === 'yaml' || o === 'json' || o === 'name') return o;
  throw new UsageError(`unable to match a printer suitable for the output format "${o}", allowed formats are: json,name,wide,yaml`);
}

/** Parse "pods", "pods name...", "pods,services", "pod/name rc/x" into (resource, names) requests. */
export function parseTargets(args: string[]): { info: ResourceInfo; names: string[] }[] {
  if (args.length === 0) throw new UsageError('you must specify the type of resource to get');
  if (args.every((a) => a.includes('/'))) {
    const out: { info: ResourceInfo; names: string[] }[] = [];
    for (const a of args) {
      const [t, n] = a.split('/', 2) as [string, string];
      const info = resolveResource(t);
      const cur = out.find((x) => x.info === info);
      if (cur) cur.names.push(n);
      else out.push({ info, names: [n] });
    }
    return out;
  }
  const [types, ...names] = args;
  const infos = types.split(',').filter(Boolean).map(resolveResource);
  if (names.length && infos.length > 1) throw new UsageError('names cannot be given with more than one resource type');
  return infos.map((info) => ({ info, names }));
}

/** Fill in apiVersion/kind, which list items do not carry. */
export function typed(info: ResourceInfo, o: KubeObject): KubeObject {
  return o.kind ? o : { apiVersion: apiVersionOf(info), kind: info.kind, ...o };
}

export function printObjects(ctx: Ctx, fmt: 'yaml' | 'json' | 'name', items: { info: ResourceInfo; obj: KubeObject }[], single: boolean): void {
  if (fmt === 'name') {
    for (const { info, obj } of items) ctx.io.stdout.write(`${refName(info, obj.metadata.name ?? '')}\n`);
    return;
  }
  const objs = items.map(({ info, obj }) => typed(info, obj));
  const doc = single && objs.length === 1 ? objs[0] : { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: objs };
  ctx.io.stdout.write(fmt === 'json' ? toJson(doc) : toYaml(doc));
}

function tableOptions(ctx: Ctx, fmt: OutputFormat, info: ResourceInfo): TablePrintOptions {
  return {
    wide: fmt === 'wide',
    withNamespace: ctx.allNamespaces && info.namespaced,
    showLabels: ctx.flags.bool('show-labels'),
    noHeaders: ctx.flags.bool('no-headers'),
  };
}

function asTable(v: unknown): Table {
  if (isTable(v)) return v;
  const list = v as Partial<KubeList>;
  if (Array.isArray(list.items)) return minimalTable(list.items);
  return minimalTable([v as KubeObject]);
}

export async function getCommand(ctx: Ctx): Promise<number> {
  const fmt = outputFormat(ctx);
  const targets = parseTargets(ctx.args);
  const watch = ctx.flags.bool('watch') || ctx.flags.bool('watch-only');
  if (watch && targets.length !== 1) throw new UsageError('you may only specify a single resource type when watching');
  const labelSelector = ctx.flags.str('selector');
  const fieldSelector = ctx.flags.str('field-selector');
  const sel = { ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) };
  let failed = false;
  const objects: { info: ResourceInfo; obj: KubeObject }[] = [];
  const tables: { info: ResourceInfo; table: Table }[] = [];
  let listRV = '';
  const single = targets.length === 1 && targets[0].names.length === 1;

  if (!ctx.flags.bool('watch-only')) {
    for (const { info, names } of targets) {
      const rc = rcFor(ctx, info, undefined, names.length === 0);
      if (fmt === 'table' || fmt === 'wide') {
        if (names.length === 0) {
          const t = await rc.listTable({ ...sel, includeObject: 'Metadata' });
          listRV = (t as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ?? '';
          tables.push({ info, table: asTable(t) });
        } else {
          const merged: Table = { kind: 'Table', columnDefinitions: [], rows: [] };
          for (const n of names) {
            try {
              const t = asTable(await rc.getTable(n, { includeObject: 'Metadata' }));
              merged.columnDefinitions = t.columnDefinitions;
              merged.rows.push(...t.rows);
            } catch (err) {
              ctx.io.stderr.write(errorText(err) + '\n');
              failed = true;
            }
          }
          if (merged.rows.length) tables.push({ info, table: merged });
        }
      } else if (names.length === 0) {
        const list = await rc.listAll(sel);
        listRV = list.metadata.resourceVersion ?? '';
        for (const obj of list.items) objects.push({ info, obj });
      } else {
        for (const n of names) {
          try {
            objects.push({ info, obj: await rc.get(n) });
          } catch (err) {
            ctx.io.stderr.write(errorText(err) + '\n');
            failed = true;
          }
        }
      }
    }

    if (fmt === 'table' || fmt === 'wide') {
      const nonEmpty = tables.filter((t) => t.table.rows.length > 0);
      if (nonEmpty.length === 0 && !failed && !watch) {
        const ns = ctx.allNamespaces || !targets.every((t) => t.info.namespaced) ? '' : ` in ${ctx.namespace} namespace`;
        ctx.io.stderr.write(`No resources found${ns}.\n`);
      }
      nonEmpty.forEach(({ info, table }, i) => {
        if (i > 0) ctx.io.stdout.write('\n');
        // With several types, kubectl prefixes names with the type ("pod/web").
        if (targets.length > 1) {
          const nameCol = table.columnDefinitions.findIndex((c) => c.format === 'name' || c.name === 'Name');
          if (nameCol >= 0) for (const r of table.rows) r.cells[nameCol] = refName(info, String(r.cells[nameCol]));
        }
        ctx.io.stdout.write(formatColumns(tableRows(table, tableOptions(ctx, fmt, info))));
      });
    } else if (objects.length || !watch) {
      if (objects.length === 0 && fmt !== 'name' && !failed && !single) printObjects(ctx, fmt, [], false);
      else printObjects(ctx, fmt, objects, single);
    }
  }

  if (watch) {
    const { info, names } = targets[0];
    const rc = rcFor(ctx, info, undefined, true);
    const fs = names.length === 1 ? `metadata.name=${names[0]}` : fieldSelector;
    await watchAndPrint(ctx, rc, info, fmt, { ...sel, ...(fs ? { fieldSelector: fs } : {}) }, listRV, tables[0]?.table);
  }
  return failed ? 1 : 0;
}

async function watchAndPrint(
  ctx: Ctx,
  rc: ResourceClient<KubeObject>,
  info: ResourceInfo,
  fmt: OutputFormat,
  sel: { labelSelector?: string; fieldSelector?: string },
  fromRV: string,
  first: Table | undefined,
): Promise<void> {
  const tableMode = fmt === 'table' || fmt === 'wide';
  const w = await rc.watch({ ...sel, resourceVersion: fromRV || undefined, allowWatchBookmarks: false, ...(tableMode ? { accept: TABLE_ACCEPT } : {}), ...(ctx.io.signal ? { signal: ctx.io.signal } : {}) });
  const onAbort = (): void => w.stop();
  ctx.io.signal?.addEventListener('abort', onAbort, { once: true });
  // Keep the columns of the first print so rows line up under its header.
  let header = first !== undefined && first.rows.length > 0;
  let widths: number[] | undefined = first ? columnWidths(tableRows(first, tableOptions(ctx, fmt, info))) : undefined;
  let columns = first && first.columnDefinitions.length ? first.columnDefinitions : undefined;
  try {
    for await (const ev of w) {
      if (ev.type === 'BOOKMARK') continue;
      if (!tableMode) {
        const obj = ev.object;
        if (fmt === 'name') ctx.io.stdout.write(`${refName(info, obj.metadata.name ?? '')}\n`);
        else ctx.io.stdout.write(fmt === 'json' ? toJson(typed(info, obj)) : '---\n' + toYaml(typed(info, obj)));
        continue;
      }
      const t = asTable(ev.object);
      // After the first event the server leaves columnDefinitions out (as for kubectl): reuse the known ones.
      if (t.columnDefinitions.length === 0 && columns) t.columnDefinitions = columns;
      else if (t.columnDefinitions.length) columns = t.columnDefinitions;
      const rows = tableRows(t, { ...tableOptions(ctx, fmt, info), header: !header });
      header = true;
      widths = mergeWidths(widths, columnWidths(rows));
      ctx.io.stdout.write(rows.map((r) => padRow(r, widths!)).join(''));
    }
  } finally {
    ctx.io.signal?.removeEventListener('abort', onAbort);
  }
}

function columnWidths(rows: string[][]): number[] {
  const w: number[] = [];
  for (const r of rows) r.forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, Math.max(c.length + 3, 6))));
  return w;
}

function mergeWidths(a: number[] | undefined, b: number[]): number[] {
  if (!a) return b;
  return b.map((x, i) => Math.max(x, a[i] ?? 0));
}

function padRow(r: string[], widths: number[]): string {
  return r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join('').trimEnd() + '\n';
}
