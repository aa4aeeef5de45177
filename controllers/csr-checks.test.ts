import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { CertificateSigningRequest } from '../api/certificates.js';
import type { Node } from '../api/core.js';
import { buildCSR } from '../api/x509-build.js';
import { parseCSR } from '../api/x509-csr.js';
import { certificateLifetime, isNodeClientCert, isSelfNodeClientCert, kubeletClientProblem, kubeletServingApproval, kubeletServingProblem } from './csr-checks.js';

const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const req = (cn: string, o: string[], dns: string[] = [], ips: string[] = []) => parseCSR(buildCSR(key, { commonName: cn, organization: o }, { dnsNames: dns, ipAddresses: ips }));
const SERVING = ['digital signature', 'key encipherment', 'server auth'];
const CLIENT = ['digital signature', 'key encipherment', 'client auth'];

test('kubelet-serving constraints, in upstream words', () => {
  assert.equal(kubeletServingProblem(req('system:node:n1', ['system:nodes'], ['n1'], ['10.0.0.1']), SERVING), undefined);
  assert.equal(kubeletServingProblem(req('system:node:n1', ['system:nodes'], ['n1']), ['digital signature', 'server auth']), undefined);
  assert.equal(kubeletServingProblem(req('system:node:n1', ['other'], ['n1']), SERVING), 'subject organization is not system:nodes');
  assert.equal(kubeletServingProblem(req('system:node:n1', ['system:nodes']), SERVING), 'DNS or IP subjectAltName is required');
  assert.equal(kubeletServingProblem(req('system:node:n1', ['system:nodes'], ['n1']), CLIENT), 'usages did not match [digital signature key encipherment server auth]');
  assert.equal(kubeletServingProblem(req('n1', ['system:nodes'], ['n1']), SERVING), "subject CN does not begin with 'system:node:'");
});

test('kubelet client constraints and the node client recognizers', () => {
  const r = req('system:node:n1', ['system:nodes']);
  assert.equal(kubeletClientProblem(r, CLIENT), undefined);
  assert.equal(kubeletClientProblem(req('system:node:n1', ['system:nodes'], ['n1']), CLIENT), 'DNS subjectAltNames are not allowed');
  assert.equal(kubeletClientProblem(req('system:node:n1', ['system:nodes'], [], ['1.2.3.4']), CLIENT), 'IP subjectAltNames are not allowed');
  assert.equal(kubeletClientProblem(r, SERVING), 'usages did not match [client auth digital signature key encipherment]');
  const csr = (username: string): CertificateSigningRequest => ({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'x' }, spec: { request: '', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: CLIENT, username } });
  assert.ok(isNodeClientCert(csr('system:bootstrap:abcdef'), r));
  assert.ok(!isSelfNodeClientCert(csr('system:bootstrap:abcdef'), r));
  assert.ok(isSelfNodeClientCert(csr('system:node:n1'), r));
  assert.ok(!isSelfNodeClientCert(csr('system:node:n2'), r));
});

test("kubelet-serving approval: the node itself, for its own name and addresses only", () => {
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }] } };
  const csr = (username: string, groups = ['system:nodes', 'system:authenticated']): CertificateSigningRequest => ({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'x' }, spec: { request: '', signerName: 'kubernetes.io/kubelet-serving', usages: SERVING, username, groups } });
  const good = req('system:node:n1', ['system:nodes'], ['n1'], ['10.0.0.1']);
  assert.deepEqual(kubeletServingApproval(csr('system:node:n1'), good, node), {});
  assert.equal(kubeletServingApproval(csr('system:node:n2'), good, node).problem, 'requester is not the node named in the request');
  assert.equal(kubeletServingApproval(csr('system:node:n1', ['system:authenticated']), good, node).problem, 'requester is not the node named in the request');
  assert.deepEqual(kubeletServingApproval(csr('system:node:n1'), req('system:node:n1', ['system:nodes'], ['n1'], ['10.9.9.9']), node), { problem: "IP address 10.9.9.9 is not the node's", retry: true });
  assert.deepEqual(kubeletServingApproval(csr('system:node:n1'), req('system:node:n1', ['system:nodes'], ['evil.example']), node), { problem: 'DNS name "evil.example" is not the node\'s', retry: true });
  assert.equal(kubeletServingApproval(csr('system:node:n1'), good, undefined).problem, 'node "n1" not found');
});

test('lifetime: backdated 5 minutes, the shorter of the signer maximum and the request, never past the CA', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0, 500);
  const year = 365 * 86_400_000;
  const caEnd = now + 10 * year;
  assert.deepEqual(certificateLifetime(now, year, undefined, caEnd), { notBefore: new Date(Date.UTC(2026, 0, 1, 11, 55, 0)), notAfter: new Date(Date.UTC(2027, 0, 1, 12, 0, 0)) });
  assert.equal(certificateLifetime(now, year, 3600, caEnd).notAfter.getTime(), Date.UTC(2026, 0, 1, 13, 0, 0));
  assert.equal(certificateLifetime(now, year, 100 * 365 * 86400, caEnd).notAfter.getTime(), Date.UTC(2027, 0, 1, 12, 0, 0));
  assert.equal(certificateLifetime(now, year, undefined, now + 1000).notAfter.getTime(), Math.floor((now + 1000) / 1000) * 1000);
  assert.throws(() => certificateLifetime(now, year, undefined, now - 1), /the signer has expired/);
});
