// The x509 client certificate authenticator (kube-apiserver's --client-ca-file): a TLS client
// certificate that verified against the client CA during the handshake, and is valid for client
// authentication, names the user by its subject: CN = username, O = groups (as upstream's
// CommonNameUserConversion). No certificate, or one that did not verify: not ours (the next
// authenticator is asked), as upstream's x509 authenticator with no verified chain.

import type { TLSSocket } from 'node:tls';
import { certificateSubject } from '../../api/x509-csr.js';
import type { Authenticator } from './authenticator.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

export function x509Authenticator(log: (m: string) => void = () => undefined): Authenticator {
  return (req) => {
    const sock = req.raw.socket as Partial<TLSSocket>;
    if (!sock.encrypted || !sock.authorized || typeof sock.getPeerX509Certificate !== 'function') return null;
    const cert = sock.getPeerX509Certificate();
    if (!cert) return null;
    // Go verifies the chain for ExtKeyUsageClientAuth: a serving-only certificate is not a client's.
    const eku = cert.keyUsage;
    if (eku && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EKU)) return null;
    try {
      const { commonName, organization } = certificateSubject(cert.raw);
      if (!commonName) return null;
      return { username: commonName, groups: [...organization] };
    } catch (err) {
      log(`x509: unreadable client certificate subject: ${(err as Error).message}`);
      return null;
    }
  };
}
