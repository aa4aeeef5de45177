// Typed errors of the runtime that callers act on. NotFound is the only one a
// caller may read as "already gone" (as CRI's gRPC NotFound): every other
// failure means the object may still exist and must be retried or reported.

export class NotFoundError extends Error {
  constructor(kind: string, id: string) {
    super(`${kind} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/** The runtime has no such sandbox or container (never true for any other failure). */
export function isNotFoundError(e: unknown): e is NotFoundError {
  return e instanceof NotFoundError;
}
