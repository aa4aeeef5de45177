// Writing answers on node's http response (the apiserver has no web framework: see
// ../README.md): JSON bodies, Status errors, plain text, and the raw HTTP error answer
// on a socket that has left HTTP handling (an upgrade, or a refused connection).

import http, { type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { rememberedText } from '../storage/codec.js';
import { ApiError, toApiError } from '../errors.js';

/** A JSON body. An object storage has just written comes with its JSON text already made (storage/codec.ts). */
export function sendJSON(res: ServerResponse, code: number, body: unknown): void {
  const text = rememberedText(body) ?? JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A text or binary body with its content type as given. */
export function sendBody(res: ServerResponse, code: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(code, { ...headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Any thrown value as its Status answer; a response already under way is just ended. */
export function sendError(res: ServerResponse, err: unknown): void {
  const e = toApiError(err);
  if (e.code >= 500 && !(err instanceof ApiError)) console.error(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  if (e.details?.retryAfterSeconds) res.setHeader('Retry-After', String(e.details.retryAfterSeconds));
  sendJSON(res, e.code, e.toStatus());
}

/** The Status answer written straight onto a socket no HTTP response object owns, then closed. */
export function endSocketWithStatus(socket: Duplex, err: unknown): void {
  const e = toApiError(err);
  const body = JSON.stringify(e.toStatus());
  const retry = e.details?.retryAfterSeconds ? `Retry-After: ${e.details.retryAfterSeconds}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${e.code} ${http.STATUS_CODES[e.code] ?? 'Error'}\r\nContent-Type: application/json\r\n${retry}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
