// What the certificate controllers decide, without I/O: each kubelet signer's constraints on a
// request (upstream's ValidateKubeletClientCSR / ValidateKubeletServingCSR, in their words), the
// recognizers of the approving controller (node client, self node client, and tskube's kubelet
// serving rule), and a certificate's lifetime.

import type { CertificateSigningRequest } from '../api/certificates.js';
import { SIGNER } from '../api/certificates.js';
import type { Node } from '../api/core.js';
import type { CertificateRequest } from '../api/x509-csr.js';

const NODE_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';

const sameSet = (a: string[], b: string[]) => {
  const x = new Set(a), y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};
const orgIsNodes = (req: CertificateRequest) => req.organization.length === 1 && req.organization[0] === NODES_GROUP;

const CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];
const CLIENT_USAGES_NO_RSA = ['digital signature', 'client auth'];
const SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
const SERVING_USAGES_NO_RSA = ['digital signature', 'server auth'];

/** Why a kube-apiserver-client-kubelet request is not one, or undefined. */
export function kubeletClientProblem(req: CertificateRequest, usages: string[]): string | undefined {
  if (!orgIsNodes(req)) return 'subject organization is not system:nodes';
  if (req.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (req.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (req.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (req.uris.length) return 'URI subjectAltNames are not allowed';
  if (!req.commonName.startsWith(NODE_PREFIX)) return "subject CN does not begin with 'system:node:'";
  if (!sameSet(usages, CLIENT_USAGES) && !sameSet(usages, CLIENT_USAGES_NO_RSA)) return `usages did not match [${[...CLIENT_USAGES].sort().join(' ')}]`;
  return undefined;
}

/** Why a kubelet-serving request is not one, or undefined. */
export function kubeletServingProblem(req: CertificateRequest, usages: string[]): string | undefined {
  if (!orgIsNodes(req)) return 'subject organization is not system:nodes';
  if (!req.dnsNames.length && !req.ipAddresses.length) return 'DNS or IP subjectAltName is required';
  if (req.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (req.uris.length) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, SERVING_USAGES) && !sameSet(usages, SERVING_USAGES_NO_RSA)) return `usages did not match [${[...SERVING_USAGES].sort().join(' ')}]`;
  if (!req.commonName.startsWith(NODE_PREFIX)) return "subject CN does not begin with 'system:node:'";
  return undefined;
}

/** The signers the signing controller issues for, each with its check. */
export const KUBELET_SIGNERS: Record<string, (req: CertificateRequest, usages: string[]) => string | undefined> = {
  [SIGNER.kubeletClient]: kubeletClientProblem,
  [SIGNER.kubeletServing]: kubeletServingProblem,
};

/** Upstream's isNodeClientCert: a kubelet client request by its form alone. */
export function isNodeClientCert(csr: CertificateSigningRequest, req: CertificateRequest): boolean {
  return csr.spec.signerName === SIGNER.kubeletClient && kubeletClientProblem(req, csr.spec.usages ?? []) === undefined;
}

/** Upstream's isSelfNodeClientCert: a node client request made by that node itself (renewal). */
export function isSelfNodeClientCert(csr: CertificateSigningRequest, req: CertificateRequest): boolean {
  return isNodeClientCert(csr, req) && csr.spec.username === req.commonName;
}

/**
 * tskube's rule for kubelet serving requests (upstream approves none; k3s and kubeadm users
 * expect them approved): the requester is the node named in the CN, in system:nodes, the request
 * is a valid kubelet serving one, and every SAN is the node's name or one of its addresses.
 * Returns why not (undefined: approve); `retry` when the node may not have reported its addresses yet.
 */
export function kubeletServingApproval(csr: CertificateSigningRequest, req: CertificateRequest, node: Node | undefined): { problem?: string; retry?: boolean } {
  if (csr.spec.signerName !== SIGNER.kubeletServing) return { problem: 'not a kubelet-serving request' };
  const bad = kubeletServingProblem(req, csr.spec.usages ?? []);
  if (bad) return { problem: bad };
  if (csr.spec.username !== req.commonName || !(csr.spec.groups ?? []).includes(NODES_GROUP)) return { problem: 'requester is not the node named in the request' };
  const name = req.commonName.slice(NODE_PREFIX.length);
  if (!node || node.metadata.name !== name) return { problem: `node ${JSON.stringify(name)} not found`, retry: true };
  const addrs = node.status?.addresses ?? [];
  const dns = new Set([name, ...addrs.filter((a) => ['Hostname', 'InternalDNS', 'ExternalDNS'].includes(a.type)).map((a) => a.address)]);
  const ips = new Set(addrs.filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address));
  const strayDNS = req.dnsNames.find((d) => !dns.has(d));
  if (strayDNS !== undefined) return { problem: `DNS name ${JSON.stringify(strayDNS)} is not the node's`, retry: true };
  const strayIP = req.ipAddresses.find((i) => !ips.has(i));
  if (strayIP !== undefined) return { problem: `IP address ${strayIP} is not the node's`, retry: true };
  return {};
}

/** Backdated as upstream's signer, for clocks a little behind. */
export const BACKDATE_MS = 5 * 60_000;

/**
 * notBefore/notAfter of a certificate issued at `now`: the signer's maximum duration, or less if
 * the request asks less; never past the CA's own expiry. Throws when the CA has expired.
 */
export function certificateLifetime(now: number, maxDurationMs: number, expirationSeconds: number | undefined, caNotAfter: number): { notBefore: Date; notAfter: Date } {
  if (now >= caNotAfter) throw new Error(`the signer has expired: NotAfter=${new Date(caNotAfter).toISOString()}`);
  const ttl = typeof expirationSeconds === 'number' ? Math.min(maxDurationMs, expirationSeconds * 1000) : maxDurationMs;
  // Whole seconds: certificates carry times to the second.
  const sec = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
  return { notBefore: sec(now - BACKDATE_MS), notAfter: sec(Math.min(now + ttl, caNotAfter)) };
}
