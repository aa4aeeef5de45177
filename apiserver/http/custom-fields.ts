// Decode-time checks of a custom resource body (upstream's unstructured decoding with pruning):
// metadata is typed as ObjectMeta (a wrong type is a 400), fields the version's schema does not
// specify are pruned, and fieldValidation says what to make of them: Strict a 400
// (`strict decoding error: unknown field "spec.foo"`), Warn a Warning header, Ignore nothing.

import type { ServerResponse } from 'node:http';
import { prune } from '../../api/crd-schema.js';
import type { KubeObject } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { checkStructure, strictProblems, structureErrorMessage, unknownFieldsMessage } from '../../api/structure.js';
import { badRequest } from '../errors.js';
import { queryString, type ApiRequest } from './request.js';

/** ObjectMeta is checked as any kind's: ConfigMap's schema is used for its metadata alone. */
const META_CARRIER = 'ConfigMap';

export function checkCustomFields(req: ApiRequest, res: ServerResponse, info: ResourceInfo, obj: KubeObject, duplicates: readonly string[] = []): void {
  const mode = queryString(req, 'fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode)) {
    throw badRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`);
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return; // refused by the registry
  const meta = obj.metadata === undefined ? { errors: [], unknown: [] } : checkStructure(META_CARRIER, { metadata: obj.metadata }, { prune: mode !== 'Strict' });
  const typeError = structureErrorMessage(info.kind, meta, `${info.group}/${info.version}`);
  // The carrier's name never shows: the message names the custom kind.
  if (typeError) throw badRequest(typeError.replaceAll('Go struct field ConfigMap.', `Go struct field ${info.kind}.`));
  const unknown = [...meta.unknown, ...prune(obj, info.custom!.schema)];
  const result = { errors: [], unknown };
  const message = unknownFieldsMessage(result, duplicates);
  if (!message) return;
  if (mode === 'Strict') throw badRequest(message);
  if (mode === 'Warn' && !res.headersSent) {
    res.setHeader('Warning', strictProblems(result, duplicates).slice(0, 10).map((p) => `299 - "${p.replace(/["\\]/g, (ch) => `\\${ch}`)}"`).join(', '));
  }
}
