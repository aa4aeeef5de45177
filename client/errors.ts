// Errors the client raises. Every non-2xx answer from the apiserver carries a
// meta/v1 Status; ApiError keeps it whole so callers can switch on code/reason
// and print the server's own message.

import type { Status, StatusCause } from '../api/meta.js';
import { failureStatus } from '../api/status.js';

export class ApiError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message || status.reason || `HTTP ${status.code}`);
    this.name = 'ApiError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }

  get causes(): StatusCause[] {
    return this.status.details?.causes ?? [];
  }
}

const reasonByCode: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Turn an HTTP error answer into a Status: the body if it is one, else one built from the code. */
export function statusFromResponse(code: number, body: string): Status {
  try {
    const parsed = JSON.parse(body) as Partial<Status>;
    if (parsed && parsed.kind === 'Status') {
      return { ...parsed, code: parsed.code ?? code, metadata: parsed.metadata ?? {}, status: parsed.status ?? 'Failure' };
    }
  } catch {
    // not JSON: fall through to a synthesized Status
  }
  const text = body.trim();
  return failureStatus(code, reasonByCode[code] ?? 'Unknown', text || `the server responded with HTTP ${code}`);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409;
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'AlreadyExists';
}

export function isGone(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}
