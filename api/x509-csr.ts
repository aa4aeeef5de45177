// PKCS#10 certificate signing requests: parsed and their signature checked as Go's
// x509.ParseCertificateRequest and CheckSignature do (the errors in their words), which is
// what the apiserver's validation of spec.request and the signers' checks rest on.

import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { DerError, TAG, bitStringBytes, children, decodeOID, decodePem, expectTag, parseDer, type Der } from './der.js';

export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
} as const;

/** Signature algorithms: the hash node:crypto verifies with (null: the key says, Ed25519). */
export const SIGNATURE_ALGORITHMS: Record<string, { hash: string | null; name: string }> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256', name: 'ECDSA-SHA256' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', name: 'ECDSA-SHA384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', name: 'ECDSA-SHA512' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', name: 'SHA256-RSA' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', name: 'SHA384-RSA' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', name: 'SHA512-RSA' },
  '1.3.101.112': { hash: null, name: 'Ed25519' },
};

export interface SubjectAltNames {
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

export interface CertificateRequest extends SubjectAltNames {
  commonName: string;
  organization: string[];
  /** The subject Name as encoded in the request (copied into the certificate). */
  rawSubject: Buffer;
  /** SubjectPublicKeyInfo, DER. */
  rawPublicKeyInfo: Buffer;
  publicKey: KeyObject;
  /** The subjectAltName extension's value as requested, if any (copied into the certificate). */
  rawSubjectAltName?: Buffer;
  /** Throws Go's error when the request's self-signature does not verify. */
  checkSignature(): void;
}

const str = (d: Der): string => d.content.toString(d.tag === 0x1e ? 'utf16le' : 'utf8');

/** CN and O of a Name (the last CN wins, as Go's pkix.Name.FillFromRDNSequence). */
export function readName(name: Der): { commonName: string; organization: string[] } {
  let commonName = '';
  const organization: string[] = [];
  for (const rdn of children(expectTag(name, TAG.SEQUENCE, 'Name'))) {
    for (const atv of children(expectTag(rdn, TAG.SET, 'RDN'))) {
      const [type, value] = children(expectTag(atv, TAG.SEQUENCE, 'AttributeTypeAndValue'));
      const t = decodeOID(expectTag(type, TAG.OID, 'attribute type').content);
      if (!value) throw new DerError('asn1: structure error: attribute value');
      if (t === OID.commonName) commonName = str(value);
      else if (t === OID.organization) organization.push(str(value));
    }
  }
  return { commonName, organization };
}

function ipString(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    // Shortest form (RFC 5952): the longest run of zero groups, if two or more, becomes ::.
    let best = -1, bestLen = 0;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== '0') { i++; continue; }
      let j = i;
      while (j < 8 && groups[j] === '0') j++;
      if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
      i = j;
    }
    if (best < 0) return groups.join(':');
    return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
  }
  throw new DerError(`x509: cannot parse IP address of length ${b.length}`);
}

/** The names of a subjectAltName extension's GeneralNames. */
export function readSubjectAltNames(value: Buffer): SubjectAltNames {
  const out: SubjectAltNames = { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  for (const gn of children(expectTag(parseDer(value), TAG.SEQUENCE, 'GeneralNames'))) {
    const s = () => gn.content.toString('latin1');
    switch (gn.tag) {
      case 0x81: out.emailAddresses.push(s()); break;
      case 0x82: out.dnsNames.push(s()); break;
      case 0x86: out.uris.push(s()); break;
      case 0x87: out.ipAddresses.push(ipString(gn.content)); break;
      default: break; // other name forms are ignored, as Go does
    }
  }
  return out;
}

/** The extensions a request asks for (its extensionRequest attribute), by OID. */
function requestedExtensions(attrs: Der | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!attrs) return out;
  for (const attr of children(attrs)) {
    const [type, values] = children(expectTag(attr, TAG.SEQUENCE, 'Attribute'));
    if (decodeOID(expectTag(type, TAG.OID, 'attribute type').content) !== OID.extensionRequest) continue;
    for (const exts of children(expectTag(values, TAG.SET, 'attribute values'))) {
      for (const ext of children(expectTag(exts, TAG.SEQUENCE, 'Extensions'))) {
        const parts = children(expectTag(ext, TAG.SEQUENCE, 'Extension'));
        const id = decodeOID(expectTag(parts[0], TAG.OID, 'extension id').content);
        const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extension value');
        out.set(id, value.content);
      }
    }
  }
  return out;
}

/**
 * A PEM "CERTIFICATE REQUEST" parsed; throws an Error in upstream's words for anything else
 * (certificates.ParseCSR: the PEM type first, then Go's x509 parser).
 */
export function parseCSR(pemText: string | Buffer): CertificateRequest {
  const block = decodePem(typeof pemText === 'string' ? pemText : pemText.toString('latin1'));
  if (!block || block.type !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  try {
    return parseCSRDer(block.der);
  } catch (err) {
    if (err instanceof DerError) throw new Error(`x509: malformed certificate request: ${err.message}`);
    throw err;
  }
}

function parseCSRDer(der: Buffer): CertificateRequest {
  const [info, algId, sig] = children(expectTag(parseDer(der), TAG.SEQUENCE, 'CertificationRequest'));
  const infoParts = children(expectTag(info, TAG.SEQUENCE, 'CertificationRequestInfo'));
  const [version, subject, spki, attrs] = infoParts;
  expectTag(version, TAG.INTEGER, 'version');
  const { commonName, organization } = readName(subject);
  expectTag(spki, TAG.SEQUENCE, 'SubjectPublicKeyInfo');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
  } catch {
    throw new Error('x509: unsupported public key');
  }
  if (attrs && attrs.tag !== 0xa0) throw new DerError('structure error: attributes');
  const exts = requestedExtensions(attrs);
  const rawSubjectAltName = exts.get(OID.subjectAltName);
  const sans = rawSubjectAltName ? readSubjectAltNames(rawSubjectAltName) : { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  const algOID = decodeOID(expectTag(children(expectTag(algId, TAG.SEQUENCE, 'AlgorithmIdentifier'))[0], TAG.OID, 'algorithm').content);
  const signature = bitStringBytes(sig);
  const tbs = info.raw;
  return {
    commonName,
    organization,
    rawSubject: subject.raw,
    rawPublicKeyInfo: spki.raw,
    publicKey,
    ...(rawSubjectAltName ? { rawSubjectAltName } : {}),
    ...sans,
    checkSignature() {
      const alg = SIGNATURE_ALGORITHMS[algOID];
      if (!alg) throw new Error('x509: cannot verify signature: algorithm unimplemented');
      const keyType = publicKey.asymmetricKeyType;
      const ok = (() => {
        try {
          return verify(alg.hash, tbs, publicKey, signature);
        } catch {
          return false;
        }
      })();
      if (ok) return;
      if (keyType === 'ec') throw new Error('x509: ECDSA verification failure');
      if (keyType === 'ed25519') throw new Error('x509: Ed25519 verification failure');
      throw new Error('crypto/rsa: verification error');
    },
  };
}

/** CN and O of a certificate's subject (DER of the whole certificate), as Go's pkix.Name reads them. */
export function certificateSubject(der: Buffer): { commonName: string; organization: string[] } {
  const tbs = children(children(parseDer(der))[0]);
  const base = tbs[0].tag === 0xa0 ? 1 : 0; // [0] version is optional (v1)
  return readName(tbs[base + 4]);
}
