// Building what node:crypto cannot: a PKCS#10 request signed by a key (a kubelet asking for its
// certificates) and an X.509 v3 certificate signed by a CA (the signing controller), with the
// key usages a CertificateSigningRequest names, as upstream's signer (Go's x509) writes them.

import { X509Certificate, createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { TAG, bits, bool, children, ctx, octets, oid, parseDer, pem, seq, set, smallInt, time, tlv, uint, utf8 } from './der.js';
import { OID, type CertificateRequest } from './x509-csr.js';

/** KeyUsage bits (RFC 5280 4.2.1.3) of the usages a CSR may name. */
const KEY_USAGE_BITS: Record<string, number> = {
  signing: 0,
  'digital signature': 0,
  'content commitment': 1,
  'key encipherment': 2,
  'data encipherment': 3,
  'key agreement': 4,
  'cert sign': 5,
  'crl sign': 6,
  'encipher only': 7,
  'decipher only': 8,
};

/** ExtendedKeyUsage OIDs of the usages a CSR may name. */
const EXT_KEY_USAGE: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/** The AlgorithmIdentifier and hash a key signs with. */
function signatureAlgorithm(key: KeyObject): { algId: Buffer; hash: string | null } {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return { algId: seq(oid('1.2.840.10045.4.3.3')), hash: 'sha384' };
      if (curve === 'secp521r1') return { algId: seq(oid('1.2.840.10045.4.3.4')), hash: 'sha512' };
      return { algId: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256' };
    }
    case 'rsa':
      return { algId: seq(oid('1.2.840.113549.1.1.11'), tlv(TAG.NULL, Buffer.alloc(0))), hash: 'sha256' };
    case 'ed25519':
      return { algId: seq(oid('1.3.101.112')), hash: null };
    default:
      throw new Error(`unsupported signing key type ${key.asymmetricKeyType ?? ''}`);
  }
}

function signed(tbs: Buffer, key: KeyObject): Buffer {
  const { algId, hash } = signatureAlgorithm(key);
  return seq(tbs, algId, bits(sign(hash, tbs, key)));
}

function name(commonName: string, organization: string[]): Buffer {
  const rdn = (type: string, value: string) => set(seq(oid(type), utf8(value)));
  return seq(...organization.map((o) => rdn(OID.organization, o)), rdn(OID.commonName, commonName));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const parse = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = parse(head), t = parse(tail);
  const groups = ip.includes('::') ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

/** The GeneralNames of a subjectAltName extension: DNS names ([2]) and IP addresses ([7]). */
export function subjectAltNameValue(dnsNames: string[], ips: string[]): Buffer {
  return seq(...dnsNames.map((d) => tlv(0x82, Buffer.from(d, 'latin1'))), ...ips.map((i) => tlv(0x87, ipBytes(i))));
}

function extension(id: string, value: Buffer, critical = false): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

/** A PEM certificate request for `key` with subject CN/O and the given SANs. */
export function buildCSR(key: KeyObject | string, subject: { commonName: string; organization?: string[] }, sans: { dnsNames?: string[]; ipAddresses?: string[] } = {}): string {
  const priv = typeof key === 'string' ? createPrivateKey(key) : key;
  const spki = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  const dns = sans.dnsNames ?? [], ips = sans.ipAddresses ?? [];
  const attrs = dns.length || ips.length
    ? [seq(oid(OID.extensionRequest), set(seq(extension(OID.subjectAltName, subjectAltNameValue(dns, ips)))))]
    : [];
  const info = seq(smallInt(0), name(subject.commonName, subject.organization ?? []), spki, ctx(0, ...attrs));
  return pem('CERTIFICATE REQUEST', signed(info, priv));
}

/** KeyUsage as a DER BIT STRING: trailing zero bits dropped and counted as unused. */
function keyUsageValue(usageBits: number[]): Buffer {
  const max = Math.max(...usageBits);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const b of usageBits) bytes[Math.floor(b / 8)] |= 0x80 >> (b % 8);
  const unused = 7 - (max % 8);
  return tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unused]), bytes]));
}

export interface IssueOptions {
  request: CertificateRequest;
  usages: string[];
  caCert: string;
  caKey: string;
  notBefore: Date;
  notAfter: Date;
}

/** The subject Name of a certificate (the issuer of those it signs). */
function subjectOf(cert: X509Certificate): Buffer {
  const tbs = children(children(parseDer(cert.raw))[0]);
  const base = tbs[0].tag === 0xa0 ? 1 : 0; // [0] version is optional (v1)
  return tbs[base + 4].raw;
}

/**
 * A certificate for the request's subject, public key and SANs, with the key usages and extended
 * key usages `usages` name, not a CA, signed by the CA: PEM.
 */
export function issueCertificate(o: IssueOptions): string {
  const ca = new X509Certificate(o.caCert);
  const caKey = createPrivateKey(o.caKey);
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // positive
  const keyBits = [...new Set(o.usages.filter((u) => u in KEY_USAGE_BITS).map((u) => KEY_USAGE_BITS[u]))];
  const ekus = [...new Set(o.usages.filter((u) => u in EXT_KEY_USAGE).map((u) => EXT_KEY_USAGE[u]))];
  const exts: Buffer[] = [];
  if (keyBits.length) exts.push(extension('2.5.29.15', keyUsageValue(keyBits), true));
  if (ekus.length) exts.push(extension('2.5.29.37', seq(...ekus.map(oid))));
  exts.push(extension('2.5.29.19', seq(), true)); // basicConstraints: not a CA
  if (o.request.rawSubjectAltName) exts.push(extension(OID.subjectAltName, o.request.rawSubjectAltName));
  const tbs = seq(
    ctx(0, smallInt(2)), // v3
    uint(serial),
    signatureAlgorithm(caKey).algId,
    subjectOf(ca),
    seq(time(o.notBefore), time(o.notAfter)),
    o.request.rawSubject,
    o.request.rawPublicKeyInfo,
    ctx(3, seq(...exts)),
  );
  return pem('CERTIFICATE', signed(tbs, caKey));
}
