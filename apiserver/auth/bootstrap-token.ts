// The bootstrap token authenticator (upstream's --enable-bootstrap-token-auth): a bearer
// "<id>.<secret>" whose Secret kube-system/bootstrap-token-<id> is valid authenticates as
// system:bootstrap:<id> in system:bootstrappers; and the node credential `hyperkube join`
// derives from such a token authenticates as system:node:<name> in system:nodes.

import type { Secret } from '../../api/core.js';
import {
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_USER_PREFIX,
  NODES_GROUP,
  NODE_USER_PREFIX,
  bootstrapGroups,
  nodeCredentialMatches,
  parseBootstrapToken,
  parseNodeCredential,
  tokenRejection,
} from '../../api/bootstrap-token.js';
import { ApiError } from '../errors.js';
import { bearerToken, type Authenticator } from './authenticator.js';

/** Reads kube-system Secrets by name; undefined when there is none. */
export type SecretGetter = (name: string) => Promise<Secret | undefined>;

const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized');

export function bootstrapTokenAuthenticator(getSecret: SecretGetter, now: () => number = Date.now, log: (m: string) => void = () => undefined): Authenticator {
  return async (req) => {
    const bearer = bearerToken(req);
    if (bearer === undefined) return null;
    const token = parseBootstrapToken(bearer);
    if (token) {
      // A token of this shape is ours: a bad one fails closed, as upstream (401, reason only in the log).
      const secret = await getSecret(BOOTSTRAP_TOKEN_SECRET_PREFIX + token.id);
      const why = tokenRejection(token, secret, now());
      if (why || !secret) {
        log(`bootstrap token ${token.id} rejected: ${why ?? 'no secret'}`);
        throw unauthorized();
      }
      return { username: BOOTSTRAP_USER_PREFIX + token.id, groups: bootstrapGroups(secret) };
    }
    const claim = parseNodeCredential(bearer);
    if (!claim) return null;
    const secret = await getSecret(BOOTSTRAP_TOKEN_SECRET_PREFIX + claim.tokenId);
    const secretValue = secret?.data?.['token-secret'] !== undefined ? Buffer.from(secret.data['token-secret'], 'base64').toString('utf8') : '';
    const why = secret ? tokenRejection({ id: claim.tokenId, secret: secretValue }, secret, now()) : 'no secret';
    if (why || !nodeCredentialMatches(claim, secretValue)) {
      log(`node credential for ${claim.nodeName} rejected: ${why ?? 'MAC does not match'}`);
      throw unauthorized();
    }
    return { username: NODE_USER_PREFIX + claim.nodeName, groups: [NODES_GROUP] };
  };
}
