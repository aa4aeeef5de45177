// Validation of certificates.k8s.io/v1 CertificateSigningRequests, in upstream's words
// (pkg/apis/certificates/validation): the request must parse and verify, usages be known and
// once each, the signer name a domain/path, conditions well formed; an update may not remove an
// Approved/Denied/Failed condition, nor replace an issued certificate. Which fields each
// subresource may change (approval conditions only through /approval, the certificate only
// through /status) is the registry's preparation, which copies the rest from the stored object.

import { X509Certificate } from 'node:crypto';
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from './certificates.js';
import { SIGNER } from './certificates.js';
import { decodePem } from './der.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain } from './names.js';
import { parseCSR } from './x509-csr.js';

export const KNOWN_USAGES = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only',
  'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement',
  'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping',
];

const APPROVAL_TYPES = ['Approved', 'Denied'];
const TRUE_ONLY = new Set(['Approved', 'Denied', 'Failed']);

/** Go's %#v of a []byte, as upstream's field errors print spec.request. */
export function goBytes(b: Buffer): string {
  return `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`;
}

/** Bytes of a []byte field (base64 on the wire); the registry has refused what is not base64. */
export const bytesOf = (v: unknown): Buffer => (typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0));

/** ValidateSignerName (core validation). */
export function validateSignerName(field: string, name: unknown): FieldError[] {
  if (typeof name !== 'string' || name === '') return [fieldErr.required(field, '')];
  const segs = name.split('/');
  if (segs.length !== 2) return [fieldErr.invalid(field, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain, path] = segs;
  const errs: FieldError[] = [];
  if (domain.length > 253) errs.push(fieldErr.tooLong(field, 253));
  const labels = domain.split('.');
  for (const l of labels) {
    const e = isDNS1123Label(l);
    if (e.length) {
      for (const m of e) errs.push(fieldErr.invalid(field, domain, `validating label ${JSON.stringify(l)}: ${m}`));
      break;
    }
  }
  if (labels.length < 2) errs.push(fieldErr.invalid(field, domain, 'should be a domain with at least two segments separated by dots'));
  for (const l of path.split('.')) {
    const e = isDNS1123Subdomain(l);
    if (e.length) {
      for (const m of e) errs.push(fieldErr.invalid(field, path, `validating label ${JSON.stringify(l)}: ${m}`));
      break;
    }
  }
  // A domain, then a namespace (label) and a resource name (subdomain): <fqdn>/<ns>.<name>.
  const max = 253 + (253 + 63 + 1) + 1;
  if (name.length > max) errs.push(fieldErr.tooLong(field, max));
  return errs;
}

/** validateCertificate: only CERTIFICATE blocks, without headers, each a certificate; at least one. */
export function certificateProblem(pemData: Buffer): string | undefined {
  if (!pemData.length) return undefined;
  let text = pemData.toString('latin1');
  let blocks = 0;
  for (;;) {
    const b = decodePem(text);
    if (!b) break;
    if (b.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(b.type)}`;
    if (b.hasHeaders) return 'no PEM block headers are permitted';
    try {
      new X509Certificate(b.der);
    } catch {
      return 'x509: malformed certificate';
    }
    blocks++;
    text = b.rest;
  }
  return blocks ? undefined : 'must contain at least one CERTIFICATE PEM block';
}

function validateConditions(conds: unknown): FieldError[] {
  if (conds === undefined || conds === null) return [];
  if (!Array.isArray(conds)) return [fieldErr.invalid('status.conditions', conds, 'must be a list')];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false, denied = false;
  (conds as CertificateSigningRequestCondition[]).forEach((c, i) => {
    const f = `status.conditions[${i}]`;
    if (!c || typeof c !== 'object') return void errs.push(fieldErr.invalid(f, c, 'must be an object'));
    if (!c.type) errs.push(fieldErr.required(`${f}.type`, ''));
    const allowed = TRUE_ONLY.has(c.type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c.status) errs.push(fieldErr.required(`${f}.status`, ''));
    else if (!allowed.includes(c.status)) errs.push(fieldErr.notSupported(`${f}.status`, c.status, allowed));
    if (c.type === 'Approved') {
      approved = true;
      if (denied) errs.push(fieldErr.invalid(`${f}.type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
    } else if (c.type === 'Denied') {
      denied = true;
      if (approved) errs.push(fieldErr.invalid(`${f}.type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (seen.has(c.type)) errs.push(fieldErr.duplicate(`${f}.type`, c.type));
    seen.add(c.type);
  });
  return errs;
}

export function validateCertificateSigningRequest(csr: CertificateSigningRequest): FieldError[] {
  const errs: FieldError[] = [];
  const spec = (csr.spec ?? {}) as Partial<CertificateSigningRequest['spec']>;
  const request = bytesOf(spec.request);
  try {
    parseCSR(request).checkSignature();
  } catch (err) {
    errs.push({ reason: 'FieldValueInvalid', field: 'spec.request', message: `Invalid value: ${goBytes(request)}: ${(err as Error).message}` });
  }
  const usages = Array.isArray(spec.usages) ? spec.usages : [];
  if (!usages.length) errs.push(fieldErr.required('spec.usages', ''));
  usages.forEach((u, i) => {
    if (!KNOWN_USAGES.includes(u)) errs.push(fieldErr.notSupported(`spec.usages[${i}]`, u, KNOWN_USAGES));
  });
  usages.forEach((u, i) => {
    if (usages.indexOf(u) < i) errs.push(fieldErr.duplicate(`spec.usages[${i}]`, u));
  });
  if (spec.signerName === SIGNER.legacyUnknown) errs.push(fieldErr.invalid('spec.signerName', spec.signerName, 'the legacy signerName is not allowed via this API version'));
  else errs.push(...validateSignerName('spec.signerName', spec.signerName));
  const exp = spec.expirationSeconds;
  if (exp !== undefined && exp !== null && (typeof exp !== 'number' || !Number.isInteger(exp) || exp < 600 || exp > 2 ** 31 - 1)) {
    errs.push(fieldErr.invalid('spec.expirationSeconds', exp, typeof exp === 'number' && exp < 600 ? 'may not specify a duration less than 600 seconds (10 minutes)' : 'must be a 32-bit integer'));
  }
  errs.push(...validateConditions(csr.status?.conditions));
  const cert = csr.status?.certificate;
  const problem = cert ? certificateProblem(bytesOf(cert)) : undefined;
  if (problem) errs.push(fieldErr.invalid('status.certificate', '<certificate data>', problem));
  return errs;
}

const ofType = (csr: CertificateSigningRequest, t: string) => (Array.isArray(csr.status?.conditions) ? csr.status.conditions : []).filter((c) => c?.type === t);

/** What no update may do: remove an Approved/Denied/Failed condition, replace an issued certificate. */
export function validateCertificateSigningRequestUpdate(csr: CertificateSigningRequest, old: CertificateSigningRequest): FieldError[] {
  const errs: FieldError[] = [];
  for (const t of [...APPROVAL_TYPES, 'Failed']) {
    if (ofType(csr, t).length < ofType(old, t).length) errs.push(fieldErr.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(t)}`));
  }
  const had = old.status?.certificate ?? '';
  if (had && (csr.status?.certificate ?? '') !== had) errs.push(fieldErr.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  return errs;
}
