// Service-account tokens end to end inside the apiserver: issuing them (the
// serviceaccounts/<name>/token subresource, upstream's TokenREST) and authenticating them
// (upstream's JWT token authenticator with the service-account validator): signature,
// issuer, expiry, audience, and that the service account and the bound pod or secret
// still exist with the uid the token names.

import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/meta.js';
import { SERVICE_ACCOUNTS_GROUP, serviceAccountNamespaceGroup, serviceAccountUsername, type TokenRequest } from '../../api/authentication.js';
import { validateTokenRequest } from '../../api/validation-auth.js';
import { ApiError, badRequest, conflict, invalid } from '../errors.js';
import type { Registries } from '../registry/index.js';
import { signServiceAccountToken, unverifiedIssuer, verifyServiceAccountToken, TokenInvalidError, type ServiceAccountClaims, type SigningKeys } from './sa-jwt.js';
import { bearerToken, type Authenticator } from './authenticator.js';
import type { UserInfo } from './user.js';

export interface ServiceAccountTokenOptions {
  keys: SigningKeys;
  /** --service-account-issuer: the `iss` of every token made here. */
  issuer: string;
  /** --api-audiences: what a token must be meant for to authenticate to this apiserver; default [issuer]. */
  apiAudiences?: string[];
  now?: () => number;
}

/** Upstream's defaulted TokenRequest lifetime (1 hour). */
export const DEFAULT_TOKEN_SECONDS = 3600;
/** A bound pod deleted longer ago than this no longer vouches for its tokens (upstream's 60 s). */
const DELETED_POD_GRACE_MS = 60_000;

export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';
export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

export interface AuthenticatedToken {
  user: UserInfo;
  /** The token's audiences this server (or the TokenReview) accepts. */
  audiences: string[];
}

export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: string[];
  private readonly now: () => number;

  constructor(
    private readonly registries: Registries,
    private readonly opts: ServiceAccountTokenOptions,
  ) {
    this.issuer = opts.issuer;
    this.apiAudiences = opts.apiAudiences?.length ? opts.apiAudiences : [opts.issuer];
    this.now = opts.now ?? Date.now;
  }

  private async getOrUndefined(resource: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.registries.byResource.get(resource)!.get(namespace, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** POST serviceaccounts/<name>/token: the request with status.token and status.expirationTimestamp. */
  async issue(namespace: string, name: string, body: KubeObject): Promise<TokenRequest> {
    const tr = body as unknown as TokenRequest;
    if (tr.kind !== undefined && tr.kind !== 'TokenRequest') throw badRequest(`expected TokenRequest, got ${String(tr.kind)}`);
    tr.spec ??= {};
    tr.spec.expirationSeconds ??= DEFAULT_TOKEN_SECONDS;
    const errs = validateTokenRequest(tr);
    if (errs.length) throw invalid({ resource: 'tokenrequests', group: 'authentication.k8s.io', kind: 'TokenRequest', name }, errs);
    if (!tr.spec.audiences?.length) tr.spec.audiences = [...this.apiAudiences];
    // The service account itself: 404 in upstream's words when it does not exist.
    const sa = await this.registries.byResource.get('serviceaccounts')!.get(namespace, name);
    const k8s: ServiceAccountClaims['kubernetes.io'] = { namespace, serviceaccount: { name, uid: sa.metadata.uid ?? '' } };
    const ref = tr.spec.boundObjectRef ?? undefined;
    if (ref) {
      const gv = ref.apiVersion ?? '';
      const target = { name: ref.name ?? '', uid: '' };
      if (gv === 'v1' && ref.kind === 'Pod') {
        const pod = await this.registries.byResource.get('pods')!.get(namespace, target.name);
        const spec = pod.spec as { serviceAccountName?: string; nodeName?: string } | undefined;
        if (spec?.serviceAccountName !== name) throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
        target.uid = pod.metadata.uid ?? '';
        k8s.pod = { name: target.name, uid: target.uid };
        // As upstream (ServiceAccountTokenPodNodeInfo): the pod's node is named too, when it exists.
        if (spec.nodeName) {
          const node = await this.getOrUndefined('nodes', undefined, spec.nodeName);
          if (node) k8s.node = { name: spec.nodeName, uid: node.metadata.uid ?? '' };
        }
      } else if (gv === 'v1' && ref.kind === 'Secret') {
        const secret = await this.registries.byResource.get('secrets')!.get(namespace, target.name);
        target.uid = secret.metadata.uid ?? '';
        k8s.secret = { name: target.name, uid: target.uid };
      } else {
        const group = gv.includes('/') ? gv.slice(0, gv.indexOf('/')) : '';
        const version = gv.includes('/') ? gv.slice(gv.indexOf('/') + 1) : gv;
        throw badRequest(`cannot bind token to object of type ${group ? `${group}/` : ''}${version}, Kind=${ref.kind ?? ''}`);
      }
      if (ref.uid && ref.uid !== target.uid) {
        throw conflict({ resource: ref.kind, name: target.name }, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
    }
    const nowS = Math.floor(this.now() / 1000);
    const exp = nowS + tr.spec.expirationSeconds;
    const claims: ServiceAccountClaims = {
      iss: this.issuer,
      sub: serviceAccountUsername(namespace, name),
      aud: tr.spec.audiences,
      exp,
      iat: nowS,
      nbf: nowS,
      jti: randomUUID(),
      'kubernetes.io': k8s,
    };
    const token = await signServiceAccountToken(this.opts.keys, claims);
    return {
      ...tr,
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { ...(tr.metadata ?? {}), name, namespace },
      spec: tr.spec,
      status: { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    };
  }

  /**
   * The user of a service-account token meant for one of `audiences` (default this server's);
   * null when the token is not one of ours (another issuer, not a JWT), TokenInvalidError when
   * it is ours but forged, expired, for another audience or bound to what no longer exists.
   */
  async authenticate(token: string, audiences: string[] = this.apiAudiences): Promise<AuthenticatedToken | null> {
    if (unverifiedIssuer(token) !== this.issuer) return null;
    const c = await verifyServiceAccountToken(this.opts.keys, this.issuer, token, this.now());
    const accepted = audiences.filter((a) => c.aud.includes(a));
    if (!accepted.length) throw new TokenInvalidError('token audiences is invalid for the target audiences');
    const k = c['kubernetes.io'];
    const sa = await this.getOrUndefined('serviceaccounts', k.namespace, k.serviceaccount.name);
    if (!sa) throw new TokenInvalidError(`service account ${k.namespace}/${k.serviceaccount.name} has been deleted`);
    if (sa.metadata.uid !== k.serviceaccount.uid) throw new TokenInvalidError(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${k.serviceaccount.uid})`);
    if (k.secret) {
      const s = await this.getOrUndefined('secrets', k.namespace, k.secret.name);
      if (!s || s.metadata.deletionTimestamp) throw new TokenInvalidError(`secret ${k.namespace}/${k.secret.name} has been deleted`);
      if (s.metadata.uid !== k.secret.uid) throw new TokenInvalidError(`secret UID (${s.metadata.uid ?? ''}) does not match service account secret ref claim (${k.secret.uid})`);
    }
    if (k.pod) {
      const p = await this.getOrUndefined('pods', k.namespace, k.pod.name);
      const deletedAt = p?.metadata.deletionTimestamp ? Date.parse(p.metadata.deletionTimestamp) : NaN;
      if (!p || deletedAt < this.now() - DELETED_POD_GRACE_MS) throw new TokenInvalidError(`pod ${k.namespace}/${k.pod.name} has been deleted`);
      if (p.metadata.uid !== k.pod.uid) throw new TokenInvalidError(`pod UID (${p.metadata.uid ?? ''}) does not match claim (${k.pod.uid})`);
    }
    const extra: Record<string, string[]> = {};
    if (k.pod) {
      extra[EXTRA_POD_NAME] = [k.pod.name];
      extra[EXTRA_POD_UID] = [k.pod.uid];
    }
    if (k.node) {
      extra[EXTRA_NODE_NAME] = [k.node.name];
      extra[EXTRA_NODE_UID] = [k.node.uid];
    }
    if (c.jti) extra[EXTRA_CREDENTIAL_ID] = [`JTI=${c.jti}`];
    return {
      user: {
        username: serviceAccountUsername(k.namespace, k.serviceaccount.name),
        uid: k.serviceaccount.uid,
        groups: [SERVICE_ACCOUNTS_GROUP, serviceAccountNamespaceGroup(k.namespace)],
        ...(Object.keys(extra).length ? { extra } : {}),
      },
      audiences: accepted,
    };
  }

  /** The request authenticator for the chain: a bearer service-account token → its user; a bad one → 401. */
  authenticator(): Authenticator {
    return async (req) => {
      const token = bearerToken(req);
      if (token === undefined) return null;
      try {
        return (await this.authenticate(token))?.user ?? null;
      } catch (err) {
        if (err instanceof TokenInvalidError) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
        throw err;
      }
    };
  }
}
