// Authentication: a chain of authenticators, each looking at the request's credentials.
// One that does not recognise the credential answers null and the next is asked; one that
// recognises it but finds it invalid (expired, forged) throws 401 — as upstream's union
// authenticator, which fails closed on the first error.

import crypto from 'node:crypto';
import type { ApiRequest } from '../http/request.js';
import { AUTHENTICATED_GROUP, MASTERS_GROUP, type UserInfo } from './user.js';

export type Authenticator = (req: ApiRequest) => Promise<UserInfo | null> | UserInfo | null;

/** The bearer token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(req: ApiRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** A fixed token naming one user (the admin token of `up`, --token-file). */
export function staticTokenAuthenticator(token: string, user: UserInfo): Authenticator {
  const want = Buffer.from(token);
  return (req) => {
    const got = bearerToken(req);
    if (got === undefined) return null;
    const b = Buffer.from(got);
    // Constant time, so the token cannot be guessed byte by byte from response times.
    return b.length === want.length && crypto.timingSafeEqual(b, want) ? user : null;
  };
}

/** The admin token's user: in system:masters, as upstream's admin kubeconfig. */
export const ADMIN_USER: UserInfo = { username: 'admin', groups: [MASTERS_GROUP, AUTHENTICATED_GROUP] };

/**
 * The first authenticator that recognises the request decides; none → null (anonymous).
 * `system:authenticated` is added to every recognised user's groups.
 */
export function unionAuthenticator(chain: Authenticator[]): (req: ApiRequest) => Promise<UserInfo | null> {
  return async (req) => {
    for (const a of chain) {
      // Most authenticators answer synchronously: await only a promise (one hop less per request).
      const r = a(req);
      const u = r instanceof Promise ? await r : r;
      if (u) return u.groups.includes(AUTHENTICATED_GROUP) ? u : { ...u, groups: [...u.groups, AUTHENTICATED_GROUP] };
    }
    return null;
  };
}

