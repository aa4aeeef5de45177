// Field rules of a projected volume (upstream's validateProjectedVolumeSource): each source one
// kind, relative paths without '..', no two files at one path, token lifetimes of at least
// 10 minutes and at most 2^32 seconds, modes within 0777.

import type { ProjectedVolumeSource } from './core.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { MAX_TOKEN_SECONDS, MIN_TOKEN_SECONDS } from './validation-auth.js';

function checkMode(errs: FieldError[], m: number | undefined, fp: string): void {
  if (m !== undefined && (!Number.isInteger(m) || m < 0 || m > 0o777)) errs.push(fieldErr.invalid(fp, m, 'must be a number between 0 and 0777 (octal), both inclusive'));
}

function checkPath(errs: FieldError[], path: unknown, fp: string, seen: Set<string>): void {
  if (typeof path !== 'string' || !path) {
    errs.push(fieldErr.required(fp, ''));
    return;
  }
  if (path.startsWith('/')) errs.push(fieldErr.invalid(fp, path, 'must be a relative path'));
  else if (path.split('/').includes('..')) errs.push(fieldErr.invalid(fp, path, "must not contain '..'"));
  else if (path.startsWith('..')) errs.push(fieldErr.invalid(fp, path, "must not start with '..'"));
  if (seen.has(path)) errs.push(fieldErr.invalid(fp, path, 'conflicting duplicate paths'));
  seen.add(path);
}

export function validateProjected(p: ProjectedVolumeSource, field: string): FieldError[] {
  const errs: FieldError[] = [];
  checkMode(errs, p.defaultMode, `${field}.defaultMode`);
  const seen = new Set<string>();
  (p.sources ?? []).forEach((src, i) => {
    const sp = `${field}.sources[${i}]`;
    const n = [src?.secret, src?.configMap, src?.downwardAPI, src?.serviceAccountToken].filter(Boolean).length;
    if (n === 0) errs.push(fieldErr.required(sp, 'must specify exactly 1 of: secret, configMap, downwardAPI, serviceAccountToken'));
    if (n > 1) errs.push(fieldErr.forbidden(sp, 'may not specify more than 1 volume type per source'));
    for (const kind of ['secret', 'configMap'] as const) {
      const s = src?.[kind];
      if (!s) continue;
      if (!s.name) errs.push(fieldErr.required(`${sp}.${kind}.name`, ''));
      (s.items ?? []).forEach((it, j) => {
        if (!it.key) errs.push(fieldErr.required(`${sp}.${kind}.items[${j}].key`, ''));
        checkPath(errs, it.path, `${sp}.${kind}.items[${j}].path`, seen);
        checkMode(errs, it.mode, `${sp}.${kind}.items[${j}].mode`);
      });
    }
    (src?.downwardAPI?.items ?? []).forEach((it, j) => {
      checkPath(errs, it.path, `${sp}.downwardAPI.items[${j}].path`, seen);
      checkMode(errs, it.mode, `${sp}.downwardAPI.items[${j}].mode`);
      if (!!it.fieldRef === !!it.resourceFieldRef) errs.push(fieldErr.invalid(`${sp}.downwardAPI.items[${j}]`, '', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    });
    const tok = src?.serviceAccountToken;
    if (tok) {
      const tp = `${sp}.serviceAccountToken`;
      const exp = tok.expirationSeconds;
      if (exp !== undefined && (!Number.isInteger(exp) || exp < MIN_TOKEN_SECONDS)) errs.push(fieldErr.invalid(`${tp}.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
      else if (exp !== undefined && exp > MAX_TOKEN_SECONDS) errs.push(fieldErr.invalid(`${tp}.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
      checkPath(errs, tok.path, `${tp}.path`, seen);
    }
  });
  return errs;
}
