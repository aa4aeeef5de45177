// The joined kubelet's serving certificate from the cluster CA (upstream's kubelet with
// serverTLSBootstrap): a key made here, a kubernetes.io/kubelet-serving CertificateSigningRequest
// for system:node:<name> in system:nodes with the node's name and IP as SANs, and the certificate
// once it is approved and issued (the controller-manager approves a node's own request). Kept in
// <data-dir>/pki and reused while it chains to the CA, names the node and has a tenth of its life left.

import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SIGNER } from '../api/certificates.js';
import { NODES_GROUP, NODE_USER_PREFIX } from '../api/bootstrap-token.js';
import { createCertificateRequest, waitForCertificate } from '../client/certificate-request.js';
import type { RestClient } from '../client/rest.js';

export const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];

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

/** Whether `certPem` (with `keyPem`) is still good for this node: chains to the CA, its SANs, its key, a tenth of its life left. */
export function servingCertUsable(certPem: string, keyPem: string, ca: string, nodeName: string, nodeIP: string, now = Date.now()): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const caCert = new X509Certificate(ca);
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey) || !cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
    if (!cert.checkHost(nodeName) || !cert.checkIP(nodeIP)) return false;
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
  if (certPem && keyPem && servingCertUsable(certPem, keyPem, o.ca, o.nodeName, o.nodeIP)) return { cert: certPath, key: keyPath };
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
