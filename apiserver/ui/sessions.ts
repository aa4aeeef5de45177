// Dashboard sessions: a random id (the HttpOnly cookie's value) naming the user a bearer token
// authenticated at sign-in. The token itself is never kept, logged or put in a URL; a session
// ends at sign-out, after an idle hour, or at 12 hours, whichever is first.

import crypto from 'node:crypto';
import type { UserInfo } from '../auth/user.js';

export const SESSION_COOKIE = 'tskube-session';
/** The header the cookie-authenticated path requires on every write (a cross-site form or image cannot send it). */
export const CSRF_HEADER = 'x-tskube-csrf';

const IDLE_MS = 60 * 60_000;
const MAX_AGE_MS = 12 * 60 * 60_000;
/** Sign-ins beyond this drop the oldest session (memory stays bounded whatever is sent). */
const MAX_SESSIONS = 10_000;

interface Session {
  user: UserInfo;
  created: number;
  seen: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(user: UserInfo): string {
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = crypto.randomBytes(32).toString('base64url');
    const t = this.now();
    this.sessions.set(id, { user, created: t, seen: t });
    return id;
  }

  /** The session's user, or undefined when unknown or expired (then forgotten). */
  user(id: string): UserInfo | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.seen > IDLE_MS || t - s.created > MAX_AGE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    s.seen = t;
    return s.user;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
