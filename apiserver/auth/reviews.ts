// The review kinds, answered at once and never stored: SubjectAccessReview and its local and
// self forms, SelfSubjectRulesReview (authorization.k8s.io/v1), SelfSubjectReview
// (authentication.k8s.io/v1) — what `kubectl auth can-i` and `kubectl auth whoami` ask.

import type { KubeObject, StatusCause } from '../../api/meta.js';
import type { SelfSubjectRulesReview, SubjectAccessReview, SubjectAccessReviewSpec } from '../../api/rbac.js';
import { badRequest, invalid } from '../errors.js';
import type { Attributes } from './attributes.js';
import type { Authorizer } from './authorizer.js';
import type { RBACAuthorizer } from './rbac-authorizer.js';
import { MASTERS_GROUP, type UserInfo } from './user.js';

const AUTHZ = 'authorization.k8s.io';

export interface ReviewDeps {
  authorizer: Authorizer;
  rbac: RBACAuthorizer;
}

function specErrors(kind: string, spec: SubjectAccessReviewSpec | undefined): StatusCause[] {
  const s = spec && typeof spec === 'object' ? spec : {};
  const errs: StatusCause[] = [];
  if (s.resourceAttributes && s.nonResourceAttributes) {
    errs.push({ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(s.nonResourceAttributes)}: cannot be specified in combination with resourceAttributes` });
  } else if (!s.resourceAttributes && !s.nonResourceAttributes) {
    errs.push({ reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  }
  if (kind === 'SubjectAccessReview' && !s.user && !(s.groups ?? []).length) {
    errs.push({ reason: 'FieldValueInvalid', field: 'spec.user', message: `Invalid value: "": at least one of user or group must be specified` });
  }
  if (kind === 'LocalSubjectAccessReview' && s.nonResourceAttributes) {
    errs.push({ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(s.nonResourceAttributes)}: disallowed on this kind of request` });
  }
  return errs;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function attributesOf(spec: SubjectAccessReviewSpec, user: UserInfo): Attributes {
  const r = spec.resourceAttributes;
  if (r) {
    return { user, verb: str(r.verb), resourceRequest: true, path: '', apiGroup: str(r.group), apiVersion: str(r.version), resource: str(r.resource), subresource: str(r.subresource), namespace: str(r.namespace), name: str(r.name) };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: str(n.verb), resourceRequest: false, path: str(n.path), apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
}

function reviewed(body: KubeObject, kind: string, spec: SubjectAccessReviewSpec, result: ReturnType<Authorizer['authorize']>): SubjectAccessReview {
  return {
    apiVersion: `${AUTHZ}/v1`,
    kind,
    metadata: { ...(body.metadata ?? {}), creationTimestamp: null } as unknown as SubjectAccessReview['metadata'],
    spec,
    status: { allowed: result.decision === 'allow', ...(result.decision === 'deny' ? { denied: true } : {}), ...(result.reason ? { reason: result.reason } : {}) },
  };
}

function checkKind(body: KubeObject, kind: string, group: string): void {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON or YAML object');
  if (body.kind !== undefined && body.kind !== kind) throw badRequest(`the kind of the object (${String(body.kind)}) does not match the kind on the URL (${kind})`);
  if (body.apiVersion !== undefined && body.apiVersion !== `${group}/v1`) throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${group}/v1)`);
}

/** One of the access reviews; `namespace` is the URL's (LocalSubjectAccessReview). */
export function accessReview(deps: ReviewDeps, kind: string, body: KubeObject, requester: UserInfo | undefined, namespace: string | undefined): KubeObject {
  checkKind(body, kind, AUTHZ);
  const spec = ((body as unknown as SubjectAccessReview).spec ?? {});
  const errs = specErrors(kind, spec);
  if (errs.length) throw invalid({ kind, group: AUTHZ, resource: '', name: '' }, errs);
  if (kind === 'LocalSubjectAccessReview' && (spec.resourceAttributes?.namespace ?? '') !== namespace) {
    throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace ?? ''}`);
  }
  let subject: UserInfo;
  if (kind === 'SelfSubjectAccessReview') {
    subject = requester ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  } else {
    const groups = Array.isArray(spec.groups) ? spec.groups.filter((g): g is string => typeof g === 'string') : [];
    subject = { username: str(spec.user), groups, ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
  }
  return reviewed(body, kind, spec, deps.authorizer.authorize(attributesOf(spec, subject))) as unknown as KubeObject;
}

/** What the requester may do in a namespace, as RBAC holds it (`kubectl auth can-i --list`). */
export function rulesReview(deps: ReviewDeps, body: KubeObject, requester: UserInfo | undefined): KubeObject {
  checkKind(body, 'SelfSubjectRulesReview', AUTHZ);
  const spec = ((body as unknown as SelfSubjectRulesReview).spec ?? {});
  const user = requester ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  // Members of system:masters are allowed by the group alone; their rules are cluster-admin's.
  const { rules, errors } = deps.rbac.rulesFor(user, str(spec.namespace));
  const all = user.groups.includes(MASTERS_GROUP) ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }, ...rules] : rules;
  const resourceRules = all.filter((r) => !r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), ...(r.resources ? { resources: r.resources } : {}), ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
  const nonResourceRules = all.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
  return {
    apiVersion: `${AUTHZ}/v1`,
    kind: 'SelfSubjectRulesReview',
    metadata: { ...(body.metadata ?? {}), creationTimestamp: null } as unknown as SelfSubjectRulesReview['metadata'],
    spec,
    status: { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) },
  } satisfies SelfSubjectRulesReview;
}

/** Who the requester is (`kubectl auth whoami`). */
export function selfSubjectReview(body: KubeObject, requester: UserInfo | undefined): KubeObject {
  checkKind(body, 'SelfSubjectReview', 'authentication.k8s.io');
  const u = requester ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { ...(body.metadata ?? {}), creationTimestamp: null } as unknown as KubeObject['metadata'],
    status: { userInfo: { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) } },
  };
}
