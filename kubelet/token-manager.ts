// The kubelet's service-account token cache (upstream pkg/kubelet/token): one TokenRequest per
// (namespace, account, audience, lifetime, pod), bound to the pod, asked again once the token has
// lived 80% of its lifetime or 24 hours, whichever comes first — so a mounted token is always
// fresh, and the API is not asked on every sync.

import type { TokenRequest } from '../api/authentication.js';
import type { RestClient } from '../client/rest.js';

export interface TokenKey {
  namespace: string;
  serviceAccount: string;
  audience?: string;
  expirationSeconds: number;
  podName: string;
  podUID: string;
}

interface Cached {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

const MAX_TTL_BEFORE_REFRESH_MS = 24 * 3600 * 1000;

/** Whether a token issued at `issuedAt`, expiring at `expiresAt`, is due for a refresh at `now` (upstream's requiresRefresh). */
export function requiresRefresh(issuedAt: number, expiresAt: number, now: number): boolean {
  const ttl = expiresAt - issuedAt;
  return now >= expiresAt || now - issuedAt > 0.8 * ttl || now - issuedAt > MAX_TTL_BEFORE_REFRESH_MS;
}

export type RequestToken = (key: TokenKey) => Promise<{ token: string; expiresAt: number }>;

/** Asks the apiserver: POST serviceaccounts/<name>/token bound to the pod. */
export function apiTokenRequester(client: RestClient): RequestToken {
  return async (k) => {
    const tr = await client.request<TokenRequest>({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(k.namespace)}/serviceaccounts/${encodeURIComponent(k.serviceAccount)}/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { ...(k.audience ? { audiences: [k.audience] } : {}), expirationSeconds: k.expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: k.podName, uid: k.podUID } },
      },
    });
    if (!tr.status?.token) throw new Error(`TokenRequest for ${k.namespace}/${k.serviceAccount} returned no token`);
    return { token: tr.status.token, expiresAt: Date.parse(tr.status.expirationTimestamp) };
  };
}

export class TokenManager {
  private readonly cache = new Map<string, Cached>();
  constructor(
    private readonly request: RequestToken,
    private readonly now: () => number = Date.now,
  ) {}

  async get(k: TokenKey): Promise<string> {
    const id = JSON.stringify([k.namespace, k.serviceAccount, k.audience ?? '', k.expirationSeconds, k.podName, k.podUID]);
    const c = this.cache.get(id);
    const now = this.now();
    if (c && !requiresRefresh(c.issuedAt, c.expiresAt, now)) return c.token;
    const t = await this.request(k);
    this.cache.set(id, { token: t.token, issuedAt: now, expiresAt: t.expiresAt });
    return t.token;
  }

  /** Forget a pod's tokens (it is gone). */
  deletePod(podUID: string): void {
    for (const id of this.cache.keys()) if ((JSON.parse(id) as string[])[5] === podUID) this.cache.delete(id);
  }
}
