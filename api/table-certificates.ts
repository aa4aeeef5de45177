// Server-side printing of CertificateSigningRequests: kubectl 1.32's columns (NAME, AGE,
// SIGNERNAME, REQUESTOR, REQUESTEDDURATION, CONDITION).

import type { CertificateSigningRequest } from './certificates.js';
import { AGE, NAME, age, col, humanDuration, type Printer } from './table.js';

/** Upstream's extractCSRStatus: Denied over Approved over Pending, then ,Failed and ,Issued. */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((Array.isArray(csr.status?.conditions) ? csr.status.conditions : []).map((c) => c.type));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (csr.status?.certificate) s += ',Issued';
  return s;
}

export const csrPrinter: Printer<CertificateSigningRequest> = {
  columns: [
    NAME,
    AGE,
    col('SignerName', 'string', 'signerName indicates the requested signer, and is a qualified name.'),
    col('Requestor', 'string', 'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block.'),
    col('RequestedDuration', 'string', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
    col('Condition', 'string', 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".'),
  ],
  row(csr, now) {
    const exp = csr.spec?.expirationSeconds;
    return {
      cells: [csr.metadata.name, age(csr, now), csr.spec?.signerName ?? '', csr.spec?.username ?? '', typeof exp === 'number' ? humanDuration(exp * 1000) : '<none>', csrCondition(csr)],
    };
  },
};
