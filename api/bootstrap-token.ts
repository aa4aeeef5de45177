// Bootstrap tokens, in upstream's format: "<id>.<secret>" ([a-z0-9]{6}.[a-z0-9]{16}), kept as
// the Secret kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token, whose
// holder authenticates as system:bootstrap:<id> in group system:bootstrappers until its
// `expiration` (RFC 3339) passes. Also the node credential `hyperkube join` derives from one.

import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Secret } from './core.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
/** Extra groups must be system:bootstrappers:<suffix>, as upstream's validation. */
const EXTRA_GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapToken {
  id: string;
  secret: string;
}

function randomString(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export function generateBootstrapToken(): BootstrapToken {
  return { id: randomString(6), secret: randomString(16) };
}

export function parseBootstrapToken(s: string): BootstrapToken | undefined {
  const m = TOKEN_RE.exec(s);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

export const formatBootstrapToken = (t: BootstrapToken): string => `${t.id}.${t.secret}`;

/** The Secret of a token valid for `ttlMs` from `nowMs` (0: no expiration), as kubeadm writes it. */
export function bootstrapTokenSecret(t: BootstrapToken, ttlMs: number, nowMs: number, description = ''): Secret {
  const data: Record<string, string> = {
    'token-id': t.id,
    'token-secret': t.secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': 'system:bootstrappers:tskube:default-node-token',
  };
  if (ttlMs > 0) data.expiration = new Date(nowMs + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (description) data.description = description;
  const b64: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) b64[k] = Buffer.from(v).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: BOOTSTRAP_TOKEN_SECRET_PREFIX + t.id, namespace: 'kube-system' },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: b64,
  };
}

function field(s: Secret, k: string): string | undefined {
  const v = s.data && Object.hasOwn(s.data, k) ? s.data[k] : undefined;
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

const sameString = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Why the token does not authenticate against its Secret, or undefined when it does (as
 * upstream's bootstrap authenticator: type, name, matching id and secret, not expired, not
 * being deleted, usage-bootstrap-authentication "true").
 */
export function tokenRejection(t: BootstrapToken, s: Secret | undefined, nowMs: number): string | undefined {
  if (!s) return `secret ${BOOTSTRAP_TOKEN_SECRET_PREFIX}${t.id} not found`;
  if (s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return `wrong secret type ${JSON.stringify(s.type ?? '')}`;
  if (s.metadata.deletionTimestamp) return 'token is being deleted';
  const id = field(s, 'token-id');
  const secret = field(s, 'token-secret');
  if (id !== t.id || secret === undefined || !sameString(secret, t.secret)) return 'token id or secret does not match';
  const exp = field(s, 'expiration');
  if (exp !== undefined) {
    const at = Date.parse(exp);
    if (Number.isNaN(at) || at <= nowMs) return `token expired at ${exp}`;
  }
  if (field(s, 'usage-bootstrap-authentication') !== 'true') return 'token not marked usage-bootstrap-authentication';
  return undefined;
}

/** system:bootstrappers and the valid groups of the Secret's auth-extra-groups. */
export function bootstrapGroups(s: Secret): string[] {
  const extra = (field(s, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter((g) => EXTRA_GROUP_RE.test(g));
  return [...new Set([BOOTSTRAPPERS_GROUP, ...extra])];
}

// The node credential: upstream exchanges the bootstrap token for a client certificate through
// a CertificateSigningRequest; here the equivalent is a bearer token derived from it for one node
// name, "node.<token-id>.<base64url(node name)>.<hex HMAC-SHA256(token secret, 'node:'+name)>".
// Whoever holds the bootstrap token can make it for any node (as upstream's auto-approval lets a
// bootstrap token holder get a certificate for any node), and it dies with the token's Secret.

const NODE_CRED_RE = /^node\.([a-z0-9]{6})\.([A-Za-z0-9_-]{1,340})\.([0-9a-f]{64})$/;
const NODE_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const nodeMac = (secret: string, node: string) => createHmac('sha256', secret).update(`node:${node}`).digest('hex');

export function nodeCredential(t: BootstrapToken, nodeName: string): string {
  if (!NODE_NAME_RE.test(nodeName) || nodeName.length > 253) throw new Error(`invalid node name ${JSON.stringify(nodeName)}`);
  return `node.${t.id}.${Buffer.from(nodeName).toString('base64url')}.${nodeMac(t.secret, nodeName)}`;
}

export interface NodeCredentialClaim {
  tokenId: string;
  nodeName: string;
  mac: string;
}

export function parseNodeCredential(s: string): NodeCredentialClaim | undefined {
  const m = NODE_CRED_RE.exec(s);
  if (!m) return undefined;
  const nodeName = Buffer.from(m[2], 'base64url').toString('utf8');
  if (!NODE_NAME_RE.test(nodeName) || nodeName.length > 253) return undefined;
  return { tokenId: m[1], nodeName, mac: m[3] };
}

/** Whether the claim's MAC is the one the token's secret gives for its node name. */
export function nodeCredentialMatches(c: NodeCredentialClaim, tokenSecret: string): boolean {
  return sameString(c.mac, nodeMac(tokenSecret, c.nodeName));
}
