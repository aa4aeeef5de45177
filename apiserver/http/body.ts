// Reading request bodies with a hard size cap (413 before reading more than the limit);
// decoding by content type is api/codec's job.

import type { IncomingMessage } from 'node:http';
import { MAX_REQUEST_BODY_BYTES } from '../../api/codec.js';
import { badRequest, tooLarge } from '../errors.js';

export function readRawBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume(); // drain so the connection can still carry the answer
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => !failed && resolve(Buffer.concat(chunks)));
    req.on('error', (e) => !failed && reject(badRequest(`reading the request body: ${e.message}`)));
  });
}
