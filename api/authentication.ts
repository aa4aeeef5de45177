// ServiceAccount (core/v1) and the authentication.k8s.io/v1 kinds that carry its tokens:
// TokenRequest (the serviceaccounts/<name>/token subresource) and TokenReview.

import type { ObjectReference, TypedObject } from './core.js';

export interface ServiceAccount extends TypedObject {
  secrets?: ObjectReference[];
  imagePullSecrets?: { name?: string }[];
  automountServiceAccountToken?: boolean;
}

export interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface TokenRequest extends TypedObject {
  spec: { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: BoundObjectReference | null };
  status?: { token: string; expirationTimestamp: string };
}

export interface TokenReviewUser {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface TokenReview extends TypedObject {
  spec: { token?: string; audiences?: string[] };
  status?: { authenticated?: boolean; user?: TokenReviewUser; audiences?: string[]; error?: string };
}

/** The username of a service account, as upstream's serviceaccount.MakeUsername. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Every service account's group, and its namespace's. */
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const serviceAccountNamespaceGroup = (namespace: string): string => `${SERVICE_ACCOUNTS_GROUP}:${namespace}`;
