// The cluster's certificates: a CA made on first start and kept in the data dir,
// and serving certificates it signs (apiserver, kubelet). client-go only sends
// bearer tokens over TLS, so the apiserver `up` runs serves HTTPS.

import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { access, chmod, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertPair {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

const exists = (p: string) => access(p).then(() => true, () => false);

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

async function readPair(certPath: string, keyPath: string): Promise<CertPair> {
  // Whoever made it, a private key is readable by root alone.
  await chmod(keyPath, 0o600);
  return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8'), certPath, keyPath };
}

/** The CA under `dir` (ca.crt, ca.key), made if missing. */
export async function ensureCA(dir: string): Promise<CertPair> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  if (!(await exists(certPath)) || !(await exists(keyPath))) {
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650', '-subj', '/CN=tskube-ca', '-keyout', 'ca.key', '-out', 'ca.crt'], dir);
  }
  return readPair(certPath, keyPath);
}

/**
 * A certificate for `name` signed by the CA in `dir`, with the given IP and DNS
 * subject alternative names; remade when the SANs change.
 */
export async function ensureServingCert(dir: string, name: string, sans: { ips: string[]; dns: string[] }, clientAuth = false): Promise<CertPair> {
  await ensureCA(dir);
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const sanLine = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((i) => `IP:${i}`)].join(',');
  const sanPath = join(dir, `${name}.san`);
  const same = (await exists(certPath)) && (await readFile(sanPath, 'utf8').catch(() => '')) === sanLine;
  if (!same) {
    const ext = join(dir, `${name}.ext`);
    const usage = clientAuth ? 'serverAuth,clientAuth' : 'serverAuth';
    await writeFile(ext, `subjectAltName=${sanLine}\nextendedKeyUsage=${usage}\nkeyUsage=digitalSignature,keyEncipherment\n`);
    await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-extfile', ext, '-out', `${name}.crt`], dir);
    await rm(join(dir, `${name}.csr`), { force: true });
    await rm(ext, { force: true });
    await writeFile(sanPath, sanLine);
  }
  return readPair(certPath, keyPath);
}

/** A client certificate (CN = user, O = group) signed by the CA, e.g. the apiserver's identity towards kubelets. */
export async function ensureClientCert(dir: string, name: string, cn: string, org?: string): Promise<CertPair> {
  await ensureCA(dir);
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  if (!(await exists(certPath)) || !(await exists(keyPath))) {
    const ext = join(dir, `${name}.ext`);
    await writeFile(ext, 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
    await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}${org ? `/O=${org}` : ''}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-extfile', ext, '-out', `${name}.crt`], dir);
    await rm(join(dir, `${name}.csr`), { force: true });
    await rm(ext, { force: true });
  }
  return readPair(certPath, keyPath);
}

/** Who the apiserver is towards kubelets (kubeadm's apiserver-kubelet-client). */
export const KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';

export interface KubeletPki {
  /** The kubelet's serving certificate, for its node IP and name. */
  serving: CertPair;
  /** The apiserver's client certificate towards kubelets. */
  client: CertPair;
  /** The CA both chain to: the kubelet's --client-ca-file and the apiserver's --kubelet-certificate-authority. */
  caPath: string;
  ca: string;
}

/** The kubelet's serving certificate and the apiserver's kubelet-client certificate, made on first start. */
export async function ensureKubeletPki(dir: string, node: { name: string; ip: string }): Promise<KubeletPki> {
  const serving = await ensureServingCert(dir, 'kubelet', { ips: [...new Set([node.ip, '127.0.0.1'])], dns: [...new Set([node.name, 'localhost'])] });
  const client = await ensureClientCert(dir, 'apiserver-kubelet-client', KUBELET_CLIENT_CN, 'system:masters');
  const caPath = join(dir, 'ca.crt');
  return { serving, client, caPath, ca: await readFile(caPath, 'utf8') };
}

/** etcd's own certificates: what `up` passes to etcd and to the apiserver, its only client. */
export interface EtcdPKI {
  dir: string;
  caPath: string;
  /** The CA certificate (PEM). */
  ca: string;
  server: CertPair;
  peer: CertPair;
  /** The apiserver's client certificate towards etcd. */
  client: CertPair;
}

/**
 * A CA of etcd's own under `dir` (as kubeadm's etcd/ca), so no certificate the cluster
 * CA signs (kubelets', users') is accepted by etcd: only the apiserver's client
 * certificate made here. etcd listens on loopback only, so the SANs are 127.0.0.1 and localhost.
 */
export async function ensureEtcdPKI(dir: string): Promise<EtcdPKI> {
  const ca = await ensureCA(dir);
  const loopback = { ips: ['127.0.0.1'], dns: ['localhost'] };
  const server = await ensureServingCert(dir, 'server', loopback);
  // A peer certificate authenticates both ends of the peer connection.
  const peer = await ensureServingCert(dir, 'peer', loopback, true);
  const client = await ensureClientCert(dir, 'apiserver-etcd-client', 'kube-apiserver-etcd-client');
  return { dir, caPath: ca.certPath, ca: ca.cert, server, peer, client };
}

/** The service-account token key pair: what the apiserver signs tokens with and verifies them by. */
export interface ServiceAccountKeys {
  keyPath: string;
  pubPath: string;
  key: string;
  pub: string;
}

/**
 * sa.key (EC P-256, PKCS#8) and sa.pub under `dir`, made on first start and kept: tokens
 * already handed to pods stay valid across restarts (as kubeadm's sa.key / sa.pub).
 */
export async function ensureServiceAccountKeys(dir: string): Promise<ServiceAccountKeys> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, 'sa.key');
  const pubPath = join(dir, 'sa.pub');
  if (!(await exists(keyPath))) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await rm(pubPath, { force: true });
  }
  await chmod(keyPath, 0o600);
  const key = await readFile(keyPath, 'utf8');
  if (!(await exists(pubPath))) await writeFile(pubPath, createPublicKey(key).export({ type: 'spki', format: 'pem' }));
  return { keyPath, pubPath, key, pub: await readFile(pubPath, 'utf8') };
}
