// The dashboard's cookie authenticator: a session cookie authenticates only the API paths the
// dashboard uses (/api, /apis and its watch socket /ui/watch), never alongside another credential,
// and a write (any method but GET/HEAD) or a WebSocket must prove it comes from the dashboard's own
// page: the CSRF header on writes, and an Origin that is this server's whenever one is sent (always,
// by browsers, on WebSockets and cross-site writes). SameSite=Strict on the cookie is the other wall.

import { ApiError } from '../errors.js';
import type { ApiRequest } from '../http/request.js';
import type { Authenticator } from '../auth/authenticator.js';
import { CSRF_HEADER, SESSION_COOKIE, cookieValue, type SessionStore } from './sessions.js';

/** Paths a session cookie may authenticate. */
export function isDashboardApiPath(path: string): boolean {
  return path === '/api' || path === '/apis' || path.startsWith('/api/') || path.startsWith('/apis/') || path === '/ui/watch';
}

/** Whether the request's Origin (when sent) is the server it was sent to. */
export function sameOrigin(req: ApiRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  if (!host) return false;
  try {
    const o = new URL(origin);
    return o.host === host && (o.protocol === 'https:' || o.protocol === 'http:');
  } catch {
    return false;
  }
}

const csrfRefused = (why: string) => new ApiError(403, 'Forbidden', `dashboard session refused: ${why}`);

export function cookieAuthenticator(sessions: SessionStore): Authenticator {
  return (req) => {
    if (req.headers.authorization !== undefined || !isDashboardApiPath(req.path)) return null;
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!id) return null;
    const user = sessions.user(id);
    if (!user) return null;
    const upgrade = req.headers.upgrade !== undefined;
    const write = req.method !== 'GET' && req.method !== 'HEAD';
    if (!sameOrigin(req) || (upgrade && req.headers.origin === undefined)) throw csrfRefused('the request does not come from the dashboard (Origin)');
    if (write && req.headers[CSRF_HEADER] !== '1') throw csrfRefused(`a write needs the ${CSRF_HEADER} header`);
    return user;
  };
}
