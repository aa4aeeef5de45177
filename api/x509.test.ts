import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCSR } from './x509-csr.js';
import { buildCSR, issueCertificate } from './x509-build.js';
import { pem, readTLV } from './der.js';

const ec = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;

function withDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'x509-test-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a request built here parses back with its subject, SANs and a good signature', () => {
  const csr = parseCSR(buildCSR(ec(), { commonName: 'system:node:n1', organization: ['system:nodes'] }, { dnsNames: ['n1'], ipAddresses: ['10.0.0.7', 'fd00::1'] }));
  assert.equal(csr.commonName, 'system:node:n1');
  assert.deepEqual(csr.organization, ['system:nodes']);
  assert.deepEqual(csr.dnsNames, ['n1']);
  assert.deepEqual(csr.ipAddresses, ['10.0.0.7', 'fd00::1']);
  csr.checkSignature();
});

test("openssl reads a request built here, and this parser reads openssl's", () => withDir((dir) => {
  const key = ec();
  writeFileSync(join(dir, 'a.csr'), buildCSR(key, { commonName: 'c', organization: ['o1', 'o2'] }, { dnsNames: ['x.example'] }));
  const text = execFileSync('openssl', ['req', '-in', join(dir, 'a.csr'), '-noout', '-verify', '-text'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  assert.match(text, /DNS:x\.example/);
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k'), '-subj', '/O=g1/CN=u1', '-addext', 'subjectAltName=IP:192.168.1.2,DNS:h,email:a@b,URI:spiffe://x/y', '-out', join(dir, 'b.csr')], { stdio: 'ignore' });
  const csr = parseCSR(readFileSync(join(dir, 'b.csr'), 'utf8'));
  assert.deepEqual([csr.commonName, csr.organization, csr.dnsNames, csr.ipAddresses, csr.emailAddresses, csr.uris], ['u1', ['g1'], ['h'], ['192.168.1.2'], ['a@b'], ['spiffe://x/y']]);
  csr.checkSignature();
}));

test('bad requests fail in upstream words', () => {
  assert.throws(() => parseCSR('nothing'), /^Error: PEM block type must be CERTIFICATE REQUEST$/);
  assert.throws(() => parseCSR(pem('CERTIFICATE', Buffer.from([0x30, 0]))), /PEM block type must be CERTIFICATE REQUEST/);
  assert.throws(() => parseCSR(pem('CERTIFICATE REQUEST', Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))), /^Error: x509: malformed certificate request/);
  const good = buildCSR(ec(), { commonName: 'a' });
  const der = Buffer.from(good.split('\n').filter((l) => !l.startsWith('-----')).join(''), 'base64');
  der[der.length - 40] ^= 1; // inside the signature
  assert.throws(() => parseCSR(pem('CERTIFICATE REQUEST', der)).checkSignature(), /x509: ECDSA verification failure/);
  // A length beyond the buffer is refused, never read past.
  assert.throws(() => readTLV(Buffer.from([0x30, 0x05, 0x01])), /truncated/);
});

test('a certificate issued for a request chains to the CA, with its usages, SANs and validity', () => withDir((dir) => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', '/CN=test-ca', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')], { stdio: 'ignore' });
  const caCert = readFileSync(join(dir, 'ca.crt'), 'utf8');
  const caKey = readFileSync(join(dir, 'ca.key'), 'utf8');
  const request = parseCSR(buildCSR(ec(), { commonName: 'system:node:n1', organization: ['system:nodes'] }, { dnsNames: ['n1'], ipAddresses: ['10.1.2.3'] }));
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 300_000);
  const notAfter = new Date(notBefore.getTime() + 3_600_000);
  const out = issueCertificate({ request, usages: ['digital signature', 'key encipherment', 'server auth'], caCert, caKey, notBefore, notAfter });
  const cert = new X509Certificate(out);
  const ca = new X509Certificate(caCert);
  assert.ok(cert.verify(ca.publicKey), 'signed by the CA');
  assert.ok(cert.checkIssued(ca));
  assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:n1');
  assert.equal(cert.subjectAltName, 'DNS:n1, IP Address:10.1.2.3');
  assert.equal(new Date(cert.validTo).getTime(), notAfter.getTime());
  assert.equal(new Date(cert.validFrom).getTime(), notBefore.getTime());
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(cert.ca, false);
  writeFileSync(join(dir, 'leaf.crt'), out);
  const text = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.crt'), '-noout', '-text']).toString();
  assert.match(text, /Digital Signature, Key Encipherment/);
  assert.match(execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.crt'), join(dir, 'leaf.crt')]).toString(), /OK/);
}));
