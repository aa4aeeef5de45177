// API errors as Kubernetes Status objects. Every failure the apiserver returns is one
// of these, so clients (kubectl, client-go) can read reason, code and field causes.

import type { Status, StatusCause, StatusDetails } from '../api/meta.js';
import { failureStatus } from '../api/status.js';
import { invalidStatus } from '../api/field-errors.js';
import { StorageError } from './storage/interface.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'TooManyRequests'
  | 'Expired'
  | 'InternalError';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

/** The resource a request is about, for messages like `pods "x" not found`. */
export interface Target {
  resource: string;
  group?: string;
  name?: string;
  kind?: string;
}

const qualified = (t: Target) => (t.group ? `${t.resource}.${t.group}` : t.resource);

export const badRequest = (message: string, causes?: StatusCause[]) =>
  new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined);

export const notFound = (t: Target) =>
  new ApiError(404, 'NotFound', `${qualified(t)} "${t.name ?? ''}" not found`, {
    name: t.name,
    group: t.group,
    kind: t.resource,
  });

export const alreadyExists = (t: Target) =>
  new ApiError(409, 'AlreadyExists', `${qualified(t)} "${t.name ?? ''}" already exists`, {
    name: t.name,
    group: t.group,
    kind: t.resource,
  });

export const conflict = (t: Target, why: string) =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(t)} "${t.name ?? ''}": ${why}`, {
    name: t.name,
    group: t.group,
    kind: t.resource,
  });

/** 422 Invalid, in the words of api/field-errors (`Pod "x" is invalid: ...`, group-qualified outside core). */
export const invalid = (t: Target & { kind: string }, causes: StatusCause[]) => {
  const s = invalidStatus(t.kind, t.name ?? '', causes, t.group ?? '');
  return new ApiError(422, 'Invalid', s.message!, s.details);
};

/**
 * A path the server does not serve (kube-apiserver's NotFound for unknown routes). Its details
 * are present and empty, as upstream's NewGenericServerResponse makes them: kubectl reads
 * details.name of such a 404 (kubectl debug, an unserved pods/ephemeralcontainers) and
 * panics on a Status without details.
 */
export const notFoundPath = (path?: string) =>
  new ApiError(404, 'NotFound', path === undefined ? 'the server could not find the requested resource' : `the server could not find the requested resource (${path})`, {});

export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized');

export const forbidden = (t: Target, why: string) =>
  new ApiError(403, 'Forbidden', `${qualified(t)} "${t.name ?? ''}" is forbidden: ${why}`, {
    name: t.name,
    group: t.group,
    kind: t.resource,
  });

export const methodNotAllowed = (message: string) => new ApiError(405, 'MethodNotAllowed', message);

export const gone = (message: string) => new ApiError(410, 'Expired', message);

export const unavailable = (message: string) =>
  new ApiError(503, 'ServiceUnavailable', message, { retryAfterSeconds: 1 });

export const tooLarge = (limit: number) =>
  new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

export const unsupportedMediaType = (type: string) =>
  new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${JSON.stringify(type)})`);

export const internal = (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);

/** Turns a storage failure into the API error a client should see. */
export function fromStorage(err: unknown, t: Target): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StorageError) {
    switch (err.code) {
      case 'NotFound':
        return notFound(t);
      case 'AlreadyExists':
        return alreadyExists(t);
      case 'Conflict':
        return conflict(t, 'the object has been modified; please apply your changes to the latest version and try again');
      case 'Gone':
        return gone(`too old resource version: ${err.message}`);
      case 'Unavailable':
        return unavailable(`storage is unavailable: ${err.message}`);
      case 'Timeout':
        return new ApiError(504, 'Timeout', `Timeout: ${err.message}`, { retryAfterSeconds: 1 });
      default:
        return internal(err.message);
    }
  }
  return internal(err instanceof Error ? err.message : String(err));
}

/**
 * Any thrown value as an ApiError: our own, the api/ layer's errors that carry an HTTP
 * code and a Status (codec, patch), or an internal error.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { code?: unknown; toStatus?: () => { reason?: string; message?: string; details?: StatusDetails } };
  if (typeof e?.toStatus === 'function' && typeof e.code === 'number') {
    const s = e.toStatus();
    return new ApiError(e.code, (s.reason ?? 'BadRequest') as StatusReason, s.message ?? String(err), s.details);
  }
  if (err instanceof StorageError) return fromStorage(err, { resource: '' });
  return internal(err instanceof Error ? err.message : String(err));
}
