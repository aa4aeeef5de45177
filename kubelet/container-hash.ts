// A container's spec fingerprint, stored as a runtime label when it is created; a running
// container whose spec no longer hashes the same is restarted (upstream's hash label).
import { createHash } from 'node:crypto';
import type { Container } from '../api/core.js';

export function containerHash(c: Container): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 16);
}
