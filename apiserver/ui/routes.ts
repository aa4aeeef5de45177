// The dashboard's HTTP paths: /ui → /ui/, the static files, and /ui/session (sign in with a bearer
// token in the body, who am I, sign out). Sign-in is the only place a token is read; it is checked
// by the apiserver's own token authenticators and then forgotten.

import type { ServerResponse } from 'node:http';
import { ApiError, badRequest, methodNotAllowed, notFoundPath, unauthorized } from '../errors.js';
import { readRawBody } from '../http/body.js';
import type { ApiRequest } from '../http/request.js';
import { sendJSON } from '../http/respond.js';
import type { UserInfo } from '../auth/user.js';
import { CSRF_HEADER, SESSION_COOKIE, cookieValue, type SessionStore } from './sessions.js';
import { sameOrigin } from './cookie-auth.js';
import { SECURITY_HEADERS, type StaticAssets } from './static.js';

export interface DashboardDeps {
  assets: StaticAssets;
  sessions: SessionStore;
  /** The user a bearer token authenticates as (the token authenticators only), or null. */
  authenticateToken(token: string): Promise<UserInfo | null>;
  /** Whether the server runs HTTPS (the cookie is then Secure). */
  secure: boolean;
}

const MAX_SIGN_IN_BODY = 16 * 1024;

export function isDashboardPath(path: string): boolean {
  return path === '/ui' || path.startsWith('/ui/');
}

export async function serveDashboard(d: DashboardDeps, req: ApiRequest, res: ServerResponse): Promise<void> {
  if (req.path === '/ui') {
    res.writeHead(301, { Location: '/ui/', 'Content-Length': 0 });
    res.end();
    return;
  }
  if (req.path === '/ui/session') return session(d, req, res);
  const name = req.path.slice('/ui/'.length);
  if ((req.method === 'GET' || req.method === 'HEAD') && !name.includes('/') && d.assets.serve(name, req.method, res)) return;
  if (name === '' && !d.assets.built) throw new ApiError(503, 'ServiceUnavailable', 'the dashboard is not built (npm run build)');
  throw notFoundPath(req.path);
}

function cookie(d: DashboardDeps, value: string, maxAge?: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${d.secure ? '; Secure' : ''}${maxAge !== undefined ? `; Max-Age=${maxAge}` : ''}`;
}

async function session(d: DashboardDeps, req: ApiRequest, res: ServerResponse): Promise<void> {
  const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (req.method === 'GET') {
    const user = id ? d.sessions.user(id) : undefined;
    if (!user) throw unauthorized();
    return sendJSON(res, 200, { username: user.username, groups: user.groups });
  }
  // Sign-in and sign-out are writes too: the same CSRF header and Origin rules.
  if (req.headers[CSRF_HEADER] !== '1' || !sameOrigin(req)) throw new ApiError(403, 'Forbidden', `dashboard session refused: a write needs the ${CSRF_HEADER} header from this origin`);
  if (req.method === 'DELETE') {
    if (id) d.sessions.delete(id);
    res.writeHead(204, { ...SECURITY_HEADERS, 'Set-Cookie': cookie(d, '', 0) });
    res.end();
    return;
  }
  if (req.method !== 'POST') throw methodNotAllowed(`${req.method} is not allowed on /ui/session`);
  let body: unknown;
  try {
    body = JSON.parse((await readRawBody(req.raw, MAX_SIGN_IN_BODY)).toString('utf8'));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw badRequest('the sign-in body must be JSON: {"token": "..."}');
  }
  const token = (body as { token?: unknown } | null)?.token;
  if (typeof token !== 'string' || token.trim() === '') throw badRequest('a bearer token is required');
  const user = await d.authenticateToken(token.trim());
  if (!user) throw new ApiError(401, 'Unauthorized', 'the token was not accepted: it is unknown, expired or revoked');
  const sid = d.sessions.create(user);
  const text = JSON.stringify({ username: user.username, groups: user.groups });
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Set-Cookie': cookie(d, sid), 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
