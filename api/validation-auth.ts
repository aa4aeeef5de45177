// Field rules of ServiceAccount and of the TokenRequest body (upstream's ValidateServiceAccount
// and ValidateTokenRequest).

import type { ServiceAccount, TokenRequest } from './authentication.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { isDNS1123Subdomain } from './names.js';

export function validateServiceAccount(sa: ServiceAccount): FieldError[] {
  const errs: FieldError[] = [];
  (sa.secrets ?? []).forEach((s, i) => {
    if (s?.name !== undefined && s.name !== '') for (const m of isDNS1123Subdomain(s.name)) errs.push(fieldErr.invalid(`secrets[${i}].name`, s.name, m));
  });
  (sa.imagePullSecrets ?? []).forEach((s, i) => {
    if (!s?.name) errs.push(fieldErr.required(`imagePullSecrets[${i}].name`));
  });
  return errs;
}

/** Shortest token lifetime a TokenRequest may ask for (10 minutes). */
export const MIN_TOKEN_SECONDS = 600;
/** Longest: 2^32 seconds, as upstream. */
export const MAX_TOKEN_SECONDS = 2 ** 32;

export function validateTokenRequest(tr: TokenRequest): FieldError[] {
  const errs: FieldError[] = [];
  const exp = tr.spec?.expirationSeconds;
  if (exp !== undefined) {
    if (typeof exp !== 'number' || !Number.isInteger(exp)) errs.push(fieldErr.invalid('spec.expirationSeconds', exp, 'must be an integer'));
    else if (exp < MIN_TOKEN_SECONDS) errs.push(fieldErr.invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
    else if (exp > MAX_TOKEN_SECONDS) errs.push(fieldErr.invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'));
  }
  (tr.spec?.audiences ?? []).forEach((a, i) => {
    if (typeof a !== 'string') errs.push(fieldErr.invalid(`spec.audiences[${i}]`, a, 'must be a string'));
  });
  return errs;
}
