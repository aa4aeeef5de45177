// A minimal ASN.1 DER reader and writer: enough for PKCS#10 requests and X.509 certificates
// (node:crypto verifies and parses certificates, but builds neither, nor parses requests).
// Reading is strict: definite lengths only, in their shortest form, never past the buffer.

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One TLV: its tag byte, its contents, and the whole encoding (tag and length included). */
export interface Der {
  tag: number;
  content: Buffer;
  raw: Buffer;
}

export class DerError extends Error {}

/** Reads one TLV at `offset`; `end` is where the next one starts. */
export function readTLV(buf: Buffer, offset = 0): Der & { end: number } {
  if (offset + 2 > buf.length) throw new DerError('asn1: truncated');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('asn1: high-tag-number form not supported');
  let len = buf[offset + 1];
  let at = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    // Four length bytes cover anything a request can hold; more is not a certificate.
    if (n === 0 || n > 4) throw new DerError('asn1: unsupported length');
    if (at + n > buf.length) throw new DerError('asn1: truncated');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + i];
    if (len < 0x80 || buf[at] === 0) throw new DerError('asn1: non-minimal length');
    at += n;
  }
  if (at + len > buf.length) throw new DerError('asn1: data truncated');
  return { tag, content: buf.subarray(at, at + len), raw: buf.subarray(offset, at + len), end: at + len };
}

/** Exactly one TLV filling `buf`. */
export function parseDer(buf: Buffer): Der {
  const t = readTLV(buf);
  if (t.end !== buf.length) throw new DerError('asn1: trailing data');
  return t;
}

/** The TLVs inside a constructed value (SEQUENCE, SET, [n]). */
export function children(d: Der): Der[] {
  if (!(d.tag & 0x20)) throw new DerError('asn1: structure error: expected a constructed value');
  const out: Der[] = [];
  for (let at = 0; at < d.content.length; ) {
    const t = readTLV(d.content, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

export function expectTag(d: Der | undefined, tag: number, what: string): Der {
  if (!d || d.tag !== tag) throw new DerError(`asn1: structure error: ${what}`);
  return d;
}

/** Dotted form of an OBJECT IDENTIFIER's contents. */
export function decodeOID(content: Buffer): string {
  if (!content.length) throw new DerError('asn1: empty OID');
  const parts: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER) throw new DerError('asn1: OID component too large');
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  if (content[content.length - 1] & 0x80) throw new DerError('asn1: truncated OID');
  const first = parts.shift()!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** The bytes of a BIT STRING with no unused bits (keys and signatures). */
export function bitStringBytes(d: Der): Buffer {
  expectTag(d, TAG.BIT_STRING, 'expected a BIT STRING');
  if (!d.content.length || d.content[0] !== 0) throw new DerError('asn1: BIT STRING with unused bits');
  return d.content.subarray(1);
}

// ---- writing

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export const seq = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(items));
/** A SET OF: DER sorts its elements by their encodings. */
export const set = (...items: Buffer[]): Buffer => tlv(TAG.SET, Buffer.concat([...items].sort((a, b) => Buffer.compare(a, b))));
/** [n] EXPLICIT / constructed context tag. */
export const ctx = (n: number, ...items: Buffer[]): Buffer => tlv(0xa0 | n, Buffer.concat(items));
export const octets = (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b);
export const bits = (b: Buffer): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), b]));
export const utf8 = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, 'utf8'));
export const bool = (v: boolean): Buffer => tlv(TAG.BOOLEAN, Buffer.from([v ? 0xff : 0]));

/** A non-negative INTEGER from big-endian bytes (a leading zero added when the top bit is set). */
export function uint(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && !(b[1] & 0x80)) b = b.subarray(1);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(TAG.INTEGER, b);
}

export const smallInt = (n: number): Buffer => uint(Buffer.from([n]));

export function oid(dotted: string): Buffer {
  const p = dotted.split('.').map(Number);
  const out: number[] = [];
  const push = (v: number) => {
    const stack = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) stack.unshift((x & 0x7f) | 0x80);
    out.push(...stack);
  };
  push(p[0] * 40 + p[1]);
  for (const v of p.slice(2)) push(v);
  return tlv(TAG.OID, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5), to the second. */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = d.getUTCFullYear();
  return year < 2050 ? tlv(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`)) : tlv(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`));
}

export function pem(type: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

/** The first PEM block of `text`: its type, headers present or not, and its bytes. */
export function decodePem(text: string): { type: string; hasHeaders: boolean; der: Buffer; rest: string } | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return undefined;
  const body = m[2];
  const hasHeaders = /^[^\s:]+:/m.test(body);
  const b64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  return { type: m[1], hasHeaders, der: Buffer.from(b64, 'base64'), rest: text.slice(m.index + m[0].length) };
}
