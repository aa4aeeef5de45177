// The joined kubelet's certificates from the cluster CA, asked for with CSRs as upstream's kubelet
// TLS bootstrap does. Its client certificate (kubernetes.io/kube-apiserver-client-kubelet,
// CN system:node:<name>, O system:nodes), asked with the bootstrap token and auto-approved after a
// SubjectAccessReview, is the node's identity from then on (the apiserver's x509 authenticator).
// Its serving certificate (serverTLSBootstrap): a key made here, a kubernetes.io/kubelet-serving CertificateSigningRequest
// for system:node:<name> in system:nodes with the node's name and IP as SANs, and the certificate
// once it is approved and issued (the controller-manager approves a node's own request). Kept in
// <data-dir>/pki and reused while it chains to the CA, names the node and has a tenth of its life left.

import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SIGNER } from '../api/certificates.js';
import { NODES_GROUP, NODE_USER_PREFIX } from '../api/bootstrap-token.js';
import { certificateSubject } from '../api/x509-csr.js';
import { createCertificateRequest, waitForCertificate } from '../client/certificate-request.js';
import type { RestClient } from '../client/rest.js';

export const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
export const KUBELET_CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];

export interface ServingCertOptions {
  client: RestClient;
  /** Where the key and certificate are kept (<data-dir>/pki). */
  dir: string;
  ca: string;
  nodeName: string;
  nodeIP: string;
  timeoutMs: number;
  signal?: AbortSignal;
  log: (m: string) => void;
}

/**
 * Whether `certPem` (with `keyPem`) is still good for this node: chains to the CA, its key, a
 * tenth of its life left, and (serving) names the node's name and IP or (client) is its identity.
 */
export function certUsable(certPem: string, keyPem: string, ca: string, nodeName: string, nodeIP: string | undefined, now = Date.now()): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const caCert = new X509Certificate(ca);
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey) || !cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
    if (nodeIP !== undefined ? !cert.checkHost(nodeName) || !cert.checkIP(nodeIP) : certificateSubject(cert.raw).commonName !== NODE_USER_PREFIX + nodeName) return false;
    const from = Date.parse(cert.validFrom), to = Date.parse(cert.validTo);
    return now < to - (to - from) / 10;
  } catch {
    return false;
  }
}

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  await writeFile(`${path}.tmp`, data, { mode });
  await rename(`${path}.tmp`, path);
}

/** Paths of the kubelet's serving certificate and key, asked for and written if none usable is kept. */
export async function ensureKubeletServingCert(o: ServingCertOptions): Promise<{ cert: string; key: string }> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const certPath = join(o.dir, 'kubelet-server.crt');
  const keyPath = join(o.dir, 'kubelet-server.key');
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8').catch(() => ''), readFile(keyPath, 'utf8').catch(() => '')]);
  if (certPem && keyPem && certUsable(certPem, keyPem, o.ca, o.nodeName, o.nodeIP)) return { cert: certPath, key: keyPath };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = await createCertificateRequest(o.client, {
    key: privateKey,
    commonName: NODE_USER_PREFIX + o.nodeName,
    organization: [NODES_GROUP],
    dnsNames: [o.nodeName],
    ipAddresses: [o.nodeIP],
    signerName: SIGNER.kubeletServing,
    usages: KUBELET_SERVING_USAGES,
  });
  o.log(`kubelet serving certificate requested: ${name} (kubectl certificate approve ${name}, unless the controller-manager approves it)`);
  const pem = await waitForCertificate(o.client, name, privateKey, o.timeoutMs, o.signal);
  // The key first: a certificate is never on disk without its key.
  await writeAtomic(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  await writeAtomic(certPath, pem, 0o644);
  o.log(`kubelet serving certificate issued by the cluster CA (${name}), valid until ${new X509Certificate(pem).validTo}`);
  return { cert: certPath, key: keyPath };
}

/**
 * The kubelet's client certificate and key (PEM), asked for with `boot` (the bootstrap token's
 * client) unless a usable one is kept in <data-dir>/pki/kubelet-client.{crt,key}.
 */
export async function ensureKubeletClientCert(o: Omit<ServingCertOptions, 'nodeIP'>): Promise<{ cert: string; key: string }> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const certPath = join(o.dir, 'kubelet-client.crt');
  const keyPath = join(o.dir, 'kubelet-client.key');
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8').catch(() => ''), readFile(keyPath, 'utf8').catch(() => '')]);
  if (certPem && keyPem && certUsable(certPem, keyPem, o.ca, o.nodeName, undefined)) return { cert: certPem, key: keyPem };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = await createCertificateRequest(o.client, {
    key: privateKey,
    commonName: NODE_USER_PREFIX + o.nodeName,
    organization: [NODES_GROUP],
    signerName: SIGNER.kubeletClient,
    usages: KUBELET_CLIENT_USAGES,
  });
  o.log(`kubelet client certificate requested: ${name}`);
  const pem = await waitForCertificate(o.client, name, privateKey, o.timeoutMs, o.signal);
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await writeAtomic(keyPath, key, 0o600);
  await writeAtomic(certPath, pem, 0o644);
  o.log(`kubelet client certificate for ${NODE_USER_PREFIX}${o.nodeName} issued by the cluster CA (${name})`);
  return { cert: pem, key };
}
