// Field-level validation errors in Kubernetes' shape (reason + field path +
// message body) and their conversion into the 422 Invalid Status.

import type { Status, StatusCause } from './meta.js';
import { failureStatus } from './status.js';

export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueForbidden'
  | 'FieldValueNotFound'
  | 'FieldValueTypeInvalid';

/** A StatusCause whose reason, field and message are always present. */
export interface FieldError extends StatusCause {
  reason: FieldErrorReason;
  field: string;
  message: string;
}

/** Render a bad value the way Kubernetes does: strings quoted, numbers/bools bare, other values as JSON. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const withDetail = (s: string, detail?: string): string => (detail ? `${s}: ${detail}` : s);

export const fieldErr = {
  required: (field: string, detail = ''): FieldError => ({
    reason: 'FieldValueRequired',
    field,
    message: withDetail('Required value', detail),
  }),
  invalid: (field: string, value: unknown, detail = ''): FieldError => ({
    reason: 'FieldValueInvalid',
    field,
    message: withDetail(`Invalid value: ${formatValue(value)}`, detail),
  }),
  notSupported: (field: string, value: unknown, valid: readonly string[]): FieldError => ({
    reason: 'FieldValueNotSupported',
    field,
    message: withDetail(
      `Unsupported value: ${formatValue(value)}`,
      valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : '',
    ),
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    reason: 'FieldValueDuplicate',
    field,
    message: `Duplicate value: ${formatValue(value)}`,
  }),
  tooLong: (field: string, maxBytes: number): FieldError => ({
    reason: 'FieldValueTooLong',
    field,
    message: `Too long: must have at most ${maxBytes} bytes`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({
    reason: 'FieldValueForbidden',
    field,
    message: withDetail('Forbidden', detail),
  }),
  notFound: (field: string, value: unknown): FieldError => ({
    reason: 'FieldValueNotFound',
    field,
    message: `Not found: ${formatValue(value)}`,
  }),
};

/**
 * The 422 Status Kubernetes returns for invalid objects:
 * message `Pod "x" is invalid: <field>: <body>` (several errors in [..., ...]).
 */
export function invalidStatus(kind: string, name: string, causes: StatusCause[], group = ''): Status {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const c of causes) {
    const s = c.field ? `${c.field}: ${c.message ?? ''}` : (c.message ?? '');
    if (seen.has(s)) continue;
    seen.add(s);
    parts.push(s);
  }
  const agg = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return failureStatus(422, 'Invalid', `${qualifiedKind} ${JSON.stringify(name)} is invalid: ${agg}`, { ...(name ? { name } : {}), ...(group ? { group } : {}), kind, causes });
}

