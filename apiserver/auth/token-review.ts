// authentication.k8s.io/v1 TokenReview (POST /apis/authentication.k8s.io/v1/tokenreviews):
// who a token authenticates as, asked by a component holding someone else's token. Nothing is
// stored; the answer is the request with its status filled, as upstream's TokenReview REST.

import type { KubeObject } from '../../api/meta.js';
import type { TokenReview } from '../../api/authentication.js';
import { badRequest } from '../errors.js';
import { TokenInvalidError } from './sa-jwt.js';
import type { AuthenticatedToken } from './service-account-tokens.js';
import { AUTHENTICATED_GROUP, type UserInfo } from './user.js';
import { timingSafeEqual } from 'node:crypto';

/** A token → its user and accepted audiences; null when not recognised; TokenInvalidError when recognised but bad. */
export type TokenAuthenticator = (token: string, audiences: string[] | undefined) => Promise<AuthenticatedToken | null>;

export async function reviewToken(body: KubeObject, authenticators: TokenAuthenticator[]): Promise<TokenReview> {
  const tr = body as unknown as TokenReview;
  if (tr.kind !== undefined && tr.kind !== 'TokenReview') throw badRequest(`expected TokenReview, got ${String(tr.kind)}`);
  const token = tr.spec?.token;
  if (!token) throw badRequest('token is required for TokenReview in authentication');
  const audiences = tr.spec.audiences?.length ? tr.spec.audiences : undefined;
  const out: TokenReview = { ...tr, apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { ...(tr.metadata ?? {}) }, status: { authenticated: false, user: {} } };
  const errors: string[] = [];
  for (const a of authenticators) {
    try {
      const r = await a(token, audiences);
      if (!r) continue;
      const groups = r.user.groups.includes(AUTHENTICATED_GROUP) ? r.user.groups : [...r.user.groups, AUTHENTICATED_GROUP];
      out.status = { authenticated: true, user: { username: r.user.username, ...(r.user.uid ? { uid: r.user.uid } : {}), groups, ...(r.user.extra ? { extra: r.user.extra } : {}) }, audiences: r.audiences };
      return out;
    } catch (err) {
      if (!(err instanceof TokenInvalidError)) throw err;
      // As upstream's union authenticator: the first recognising authenticator's failure decides.
      errors.push(err.message);
      break;
    }
  }
  if (errors.length) out.status!.error = `[invalid bearer token, ${errors.join(', ')}]`;
  return out;
}

/** A fixed token (the admin's) for TokenReview: it is meant for any audience, so the requested ones (or the API's) are accepted. */
export function staticTokenReviewer(token: string, user: UserInfo, apiAudiences: string[]): TokenAuthenticator {
  const want = Buffer.from(token);
  return (got, audiences) => {
    const b = Buffer.from(got);
    const ok = b.length === want.length && timingSafeEqual(b, want);
    return Promise.resolve(ok ? { user, audiences: audiences ?? apiAudiences } : null);
  };
}
