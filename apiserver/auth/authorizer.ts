// Authorization: each request's attributes are put to a chain of authorizers (system:masters,
// the node authorizer, RBAC); the first that allows or denies decides, and a request nobody
// allows is a 403 in upstream's words.

import { ApiError } from '../errors.js';
import type { Attributes } from './attributes.js';
import { MASTERS_GROUP } from './user.js';

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why, when there is something to say (RBAC: missing roles). */
  reason: string;
}

export interface Authorizer {
  authorize(a: Attributes): AuthorizationResult;
}

export const NO_OPINION: AuthorizationResult = { decision: 'noOpinion', reason: '' };

/** Members of system:masters may do anything (upstream's privileged-group authorizer). */
export const mastersAuthorizer: Authorizer = {
  authorize: (a) => (a.user.groups.includes(MASTERS_GROUP) ? { decision: 'allow', reason: '' } : NO_OPINION),
};

/** --authorization-mode=AlwaysAllow. */
export const alwaysAllow: Authorizer = { authorize: () => ({ decision: 'allow', reason: '' }) };

/** The first authorizer with an opinion decides; reasons of those without one are joined. */
export function unionAuthorizer(chain: Authorizer[]): Authorizer {
  return {
    authorize(a) {
      const reasons: string[] = [];
      for (const z of chain) {
        const r = z.authorize(a);
        if (r.decision !== 'noOpinion') return r;
        if (r.reason) reasons.push(r.reason);
      }
      return { decision: 'noOpinion', reason: reasons.join('\n') };
    },
  };
}

/** upstream's forbiddenMessage: who cannot do what, where. */
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.username;
  if (!a.resourceRequest) return `User ${JSON.stringify(user)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}

/** A 403 as apierrors.NewForbidden builds it: `<resource>[.<group>] ["<name>"] is forbidden: <why>`. */
export function forbiddenError(group: string, resource: string, name: string, why: string): ApiError {
  const qualified = resource ? (group ? `${resource}.${group}` : resource) : '';
  const message = !qualified ? `forbidden: ${why}` : name ? `${qualified} ${JSON.stringify(name)} is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  return new ApiError(403, 'Forbidden', message, { ...(name ? { name } : {}), ...(group ? { group } : {}), ...(resource ? { kind: resource } : {}) });
}

/** The 403 for a request the authorizers did not allow. */
export function requestForbidden(a: Attributes, reason: string): ApiError {
  const why = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  return a.resourceRequest ? forbiddenError(a.apiGroup, a.resource, a.name, why) : forbiddenError('', '', '', why);
}
