// ?labelSelector= and ?fieldSelector= as one predicate over objects (400 when unparsable).

import type { ResourceInfo } from '../../api/resources.js';
import { SelectorError, fieldSelectorPredicate, labelSelectorPredicate } from '../../api/selectors.js';
import { badRequest } from '../errors.js';
import type { ObjectFilter } from '../registry/generic.js';

export function buildFilter(info: ResourceInfo, labelSelector?: string, fieldSelector?: string): ObjectFilter | undefined {
  const preds: ObjectFilter[] = [];
  const parse = (fn: () => ObjectFilter) => {
    try {
      preds.push(fn());
    } catch (err) {
      if (err instanceof SelectorError) throw badRequest(err.message);
      throw err;
    }
  };
  if (labelSelector) parse(() => labelSelectorPredicate(labelSelector));
  if (fieldSelector) parse(() => fieldSelectorPredicate(info.kind, fieldSelector));
  if (preds.length === 0) return undefined;
  if (preds.length === 1) return preds[0];
  return (obj) => preds.every((p) => p(obj));
}
