// The error every patch function throws. `code` is what the apiserver answers:
// 400 when the patch document itself is malformed, 422 when a well-formed
// patch cannot be applied to this object (a failed JSON Patch "test", a path
// that does not exist), 409 for server-side apply conflicts between managers.

import type { Status, StatusCause } from './meta.js';
import { failureStatus } from './status.js';

export class PatchError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 409 | 422 = 400,
    readonly causes: StatusCause[] = [],
  ) {
    super(message);
    this.name = 'PatchError';
  }

  toStatus(): Status {
    const reason = this.code === 400 ? 'BadRequest' : this.code === 409 ? 'Conflict' : 'Invalid';
    return failureStatus(this.code, reason, this.message, this.causes.length ? { causes: this.causes } : undefined);
  }
}
