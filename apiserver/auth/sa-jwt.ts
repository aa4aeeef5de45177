// Service-account JWTs: signing (TokenRequest) and checking the signature and the standard
// claims (authentication), with `jose`. Claims as upstream's pkg/serviceaccount/claims.go:
// iss, sub, aud, exp, iat, nbf, jti and the private `kubernetes.io` claim naming the
// namespace, the service account and the object (pod, secret) the token is bound to.

import crypto from 'node:crypto';
import { SignJWT, decodeJwt, jwtVerify, errors as joseErrors } from 'jose';

export interface ObjectClaim {
  name: string;
  uid: string;
}

export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectClaim;
  pod?: ObjectClaim;
  secret?: ObjectClaim;
  node?: ObjectClaim;
  /** Seconds since the epoch after which a client is warned its (extended) token is stale. */
  warnafter?: number;
}

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

/** The signing key pair: the private key (--service-account-signing-key-file) and every public key tokens may be verified with (--service-account-key-file). */
export interface SigningKeys {
  privateKey: crypto.KeyObject;
  publicKeys: crypto.KeyObject[];
}

/** Keys from PEM: one private key, and public keys (several PEM blocks allowed, for rotation); the private key's own public half always verifies. */
export function signingKeysFromPem(privatePem: string, publicPems: string[]): SigningKeys {
  const privateKey = crypto.createPrivateKey(privatePem);
  const publicKeys = [crypto.createPublicKey(privateKey)];
  for (const pem of publicPems) {
    for (const block of pem.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? []) {
      const key = /PRIVATE KEY/.test(block) ? crypto.createPublicKey(crypto.createPrivateKey(block)) : crypto.createPublicKey(block);
      if (!publicKeys.some((k) => keyId(k) === keyId(key))) publicKeys.push(key);
    }
  }
  return { privateKey, publicKeys };
}

/** RS256 for RSA keys, ES256 for P-256 keys: the algorithms upstream signs with. */
function algorithmOf(key: crypto.KeyObject): 'RS256' | 'ES256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`service-account signing key must be RSA or EC P-256, not ${key.asymmetricKeyType ?? 'unknown'} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
}

/** The `kid` header, as upstream's keyIDFromPublicKey: base64url of the SHA-256 of the public key's DER. */
export function keyId(publicKey: crypto.KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(der).digest('base64url');
}

export async function signServiceAccountToken(keys: SigningKeys, claims: ServiceAccountClaims): Promise<string> {
  const pub = crypto.createPublicKey(keys.privateKey);
  return new SignJWT({ 'kubernetes.io': claims['kubernetes.io'] })
    .setProtectedHeader({ alg: algorithmOf(keys.privateKey), kid: keyId(pub) })
    .setIssuer(claims.iss)
    .setSubject(claims.sub)
    .setAudience(claims.aud)
    .setExpirationTime(claims.exp)
    .setIssuedAt(claims.iat)
    .setNotBefore(claims.nbf)
    .setJti(claims.jti)
    .sign(keys.privateKey);
}

/** The issuer of a token that looks like a JWT, without checking anything; undefined for anything else. */
export function unverifiedIssuer(token: string): string | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

export class TokenInvalidError extends Error {}

/**
 * The claims of a token signed by one of `keys`' public keys, from `issuer`, now within
 * [nbf, exp]; TokenInvalidError otherwise. The audience is checked by the caller (it needs
 * the intersection, not a yes/no).
 */
export async function verifyServiceAccountToken(keys: SigningKeys, issuer: string, token: string, now = Date.now()): Promise<ServiceAccountClaims> {
  let lastErr: unknown;
  for (const key of keys.publicKeys) {
    try {
      const { payload } = await jwtVerify(token, key, { issuer, algorithms: ['RS256', 'ES256'], currentDate: new Date(now), requiredClaims: ['exp', 'sub'] });
      return checkShape(payload);
    } catch (err) {
      lastErr = err;
      // Only a bad signature means another key might fit; any other failure is final.
      if (!(err instanceof joseErrors.JWSSignatureVerificationFailed)) break;
    }
  }
  if (lastErr instanceof joseErrors.JWTExpired) throw new TokenInvalidError('service account token has expired');
  if (lastErr instanceof joseErrors.JWTClaimValidationFailed) throw new TokenInvalidError(`service account token is not valid: ${lastErr.message}`);
  if (lastErr instanceof TokenInvalidError) throw lastErr;
  throw new TokenInvalidError(lastErr instanceof joseErrors.JWSSignatureVerificationFailed ? 'invalid bearer token, signature verification failed' : 'invalid bearer token, malformed token');
}

function isRef(v: unknown): v is ObjectClaim {
  return !!v && typeof v === 'object' && typeof (v as ObjectClaim).name === 'string' && typeof (v as ObjectClaim).uid === 'string';
}

function checkShape(p: Record<string, unknown>): ServiceAccountClaims {
  const k = p['kubernetes.io'] as KubernetesClaim | undefined;
  if (!k || typeof k !== 'object' || typeof k.namespace !== 'string' || !isRef(k.serviceaccount)) {
    throw new TokenInvalidError('service account token claims are missing the kubernetes.io namespace or serviceaccount');
  }
  for (const f of ['pod', 'secret', 'node'] as const) if (k[f] !== undefined && !isRef(k[f])) throw new TokenInvalidError(`service account token has a malformed ${f} claim`);
  const aud = typeof p.aud === 'string' ? [p.aud] : Array.isArray(p.aud) ? p.aud.filter((a): a is string => typeof a === 'string') : [];
  if (p.sub !== `system:serviceaccount:${k.namespace}:${k.serviceaccount.name}`) throw new TokenInvalidError('service account token subject does not match its kubernetes.io claim');
  return {
    iss: String(p.iss),
    sub: String(p.sub),
    aud,
    exp: Number(p.exp),
    iat: Number(p.iat ?? 0),
    nbf: Number(p.nbf ?? 0),
    jti: typeof p.jti === 'string' ? p.jti : '',
    'kubernetes.io': k,
  };
}
