// Impersonation, as upstream's filter: Impersonate-User / -Group / -Uid / -Extra-<key> headers
// make the request act as another user, if the requester may `impersonate` each of them.

import type { ApiRequest } from '../http/request.js';
import { badRequest } from '../errors.js';
import type { Attributes } from './attributes.js';
import { requestForbidden, type Authorizer } from './authorizer.js';
import { AUTHENTICATED_GROUP, type UserInfo } from './user.js';

const SA_PREFIX = 'system:serviceaccount:';

const headerValues = (v: string | string[] | undefined): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',').map((x) => x.trim())).filter(Boolean));

function attrs(user: UserInfo, apiGroup: string, resource: string, name: string, namespace = '', subresource = ''): Attributes {
  return { user, verb: 'impersonate', resourceRequest: true, path: '', apiGroup, apiVersion: '', resource, subresource, namespace, name };
}

/** The user to act as, or the requester itself when no Impersonate-* header is sent; throws 400/403. */
export function impersonate(req: ApiRequest, requester: UserInfo, authorizer: Authorizer): UserInfo {
  const h = req.headers;
  const userHeader = h['impersonate-user'];
  const username = typeof userHeader === 'string' ? userHeader : Array.isArray(userHeader) ? userHeader[0] : undefined;
  const groups = headerValues(h['impersonate-group']);
  const uidHeader = h['impersonate-uid'];
  const uid = typeof uidHeader === 'string' ? uidHeader : undefined;
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (!k.startsWith('impersonate-extra-')) continue;
    let key: string;
    try {
      key = decodeURIComponent(k.slice('impersonate-extra-'.length));
    } catch {
      throw badRequest(`malformed impersonation header ${k}`);
    }
    extra[key] = headerValues(v);
  }
  if (username === undefined && !groups.length && uid === undefined && !Object.keys(extra).length) return requester;
  if (!username) throw badRequest('requested impersonation of groups, uid or extra without impersonating a user');
  const checks: Attributes[] = [];
  let impliedGroups: string[] = [];
  if (username.startsWith(SA_PREFIX)) {
    const [ns, name] = username.slice(SA_PREFIX.length).split(':');
    checks.push(attrs(requester, '', 'serviceaccounts', name ?? '', ns ?? ''));
    if (!groups.length) impliedGroups = ['system:serviceaccounts', `system:serviceaccounts:${ns ?? ''}`];
  } else {
    checks.push(attrs(requester, '', 'users', username));
  }
  for (const g of groups) checks.push(attrs(requester, '', 'groups', g));
  if (uid !== undefined) checks.push(attrs(requester, 'authentication.k8s.io', 'uids', uid));
  for (const [k, vals] of Object.entries(extra)) for (const v of vals) checks.push(attrs(requester, 'authentication.k8s.io', 'userextras', v, '', k));
  for (const a of checks) {
    const r = authorizer.authorize(a);
    if (r.decision !== 'allow') throw requestForbidden(a, r.reason);
  }
  const all = [...groups, ...impliedGroups];
  if (username !== 'system:anonymous' && !all.includes(AUTHENTICATED_GROUP) && !all.includes('system:unauthenticated')) all.push(AUTHENTICATED_GROUP);
  return { username, groups: all, ...(uid !== undefined ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}
