// The one builder of meta/v1 Status objects: every error the API answers (and the
// few Success Statuses) is made here, so the fields and their order are the same
// everywhere (kube-apiserver's order: kind, apiVersion, metadata, status, message,
// reason, details, code).

import type { Status, StatusDetails } from './meta.js';

/** A Failure Status; `details` only when given. */
export function failureStatus(code: number, reason: string, message: string, details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** A Success Status (e.g. the answer to a Binding create). */
export function successStatus(code: number): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
}
