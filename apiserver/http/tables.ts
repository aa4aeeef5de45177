// Server-side Table output (Accept: application/json;as=Table;v=v1;g=meta.k8s.io),
// the way kubectl get asks for it; the printers themselves are api/table.ts.

import type { KubeList, KubeObject } from '../../api/meta.js';
import { negotiate } from '../../api/codec.js';
import { parseIncludeObject, type IncludeObject, type Table } from '../../api/table.js';
import { toTable as renderTable } from '../../api/kinds.js';
import { badRequest } from '../errors.js';
import { renderTable as renderWith } from '../../api/table.js';
import { customResourcePrinter } from '../../api/table-apiextensions.js';
import type { ResourceInfo } from '../../api/resources.js';
import { queryString, type ApiRequest } from './request.js';

export interface TableRequest {
  includeObject: IncludeObject;
  noHeaders?: boolean;
}

/** The Table the client asked for, or undefined when it wants plain objects. */
export function tableRequest(req: ApiRequest): TableRequest | undefined {
  const choice = negotiate(req.headers.accept);
  if (choice.as !== 'Table') return undefined;
  try {
    return { includeObject: parseIncludeObject(queryString(req, 'includeObject')) };
  } catch (err) {
    throw badRequest((err as Error).message);
  }
}

/** `custom`: a custom resource's version, printed by its additionalPrinterColumns (never by the kind's name). */
export function toTable(objOrList: KubeObject | KubeList, t: TableRequest, custom?: ResourceInfo): Table {
  if (custom?.custom) {
    const printer = customResourcePrinter(custom.custom.printerColumns);
    const list = objOrList as KubeList;
    const items = Array.isArray(list.items) ? list.items : [objOrList as KubeObject];
    return renderWith(printer, items, { includeObject: t.includeObject, ...(Array.isArray(list.items) ? { listMeta: list.metadata } : {}), noHeaders: t.noHeaders });
  }
  if (Array.isArray((objOrList as KubeList).items)) {
    const list = objOrList as KubeList;
    const kind = (list.kind ?? 'List').replace(/List$/, '');
    return renderTable(kind, list.items, { includeObject: t.includeObject, listMeta: list.metadata, noHeaders: t.noHeaders });
  }
  const obj = objOrList as KubeObject;
  return renderTable(obj.kind ?? '', [obj], { includeObject: t.includeObject, noHeaders: t.noHeaders });
}
