// rbac.authorization.k8s.io/v1 (field names and shapes as k8s.io/api/rbac/v1), and the
// review kinds of authorization.k8s.io/v1 and authentication.k8s.io/v1 that ask about them.

import type { LabelSelector, TypedList, TypedObject } from './core.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

export interface Role extends TypedObject {
  rules?: PolicyRule[];
}

export interface ClusterRole extends TypedObject {
  rules?: PolicyRule[];
  aggregationRule?: AggregationRule;
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export interface RoleBinding extends TypedObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

/** A RoleBinding at cluster scope: its roleRef names a ClusterRole. */
export interface ClusterRoleBinding extends TypedObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}
export type RoleList = TypedList<Role>;
export type ClusterRoleList = TypedList<ClusterRole>;

// ---- authorization.k8s.io/v1

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

export interface SubjectAccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
  user?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  uid?: string;
}

export interface SubjectAccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

export interface SubjectAccessReview extends TypedObject {
  spec: SubjectAccessReviewSpec;
  status?: SubjectAccessReviewStatus;
}

/** A SubjectAccessReview limited to one namespace (spec.resourceAttributes.namespace must be it). */
export interface LocalSubjectAccessReview extends TypedObject {
  spec: SubjectAccessReviewSpec;
  status?: SubjectAccessReviewStatus;
}

/** Whether the caller may do something: the spec names only the attributes (the user is the caller). */
export interface SelfSubjectAccessReview extends TypedObject {
  spec: { resourceAttributes?: ResourceAttributes; nonResourceAttributes?: NonResourceAttributes };
  status?: SubjectAccessReviewStatus;
}

/** Who the caller is (`kubectl auth whoami`). */
export interface SelfSubjectReview extends TypedObject {
  status?: { userInfo?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
}

export interface SelfSubjectRulesReview extends TypedObject {
  spec: { namespace?: string };
  status?: {
    resourceRules: { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[];
    nonResourceRules: { verbs: string[]; nonResourceURLs?: string[] }[];
    incomplete: boolean;
    evaluationError?: string;
  };
}
