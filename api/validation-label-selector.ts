// ValidateLabelSelector: the structured selectors of workload kinds (Job, and the apps/v1 ones).

import type { LabelSelector, LabelSelectorRequirement } from './core.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { validateLabels } from './validation-meta.js';

export function validateLabelSelector(sel: LabelSelector | undefined, field: string): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, `${field}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const e: Partial<LabelSelectorRequirement> = req ?? { key: '', operator: '' as LabelSelectorRequirement['operator'] }; // a JSON null element decodes to the zero value
    const fp = `${field}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fieldErr.required(`${fp}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fieldErr.forbidden(`${fp}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldErr.invalid(`${fp}.operator`, e.operator ?? '', 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(e.key ?? '')) errs.push(fieldErr.invalid(`${fp}.key`, e.key ?? '', m));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v ?? '')) errs.push(fieldErr.invalid(`${fp}.values[${j}]`, v, m));
    });
  });
  return errs;
}
