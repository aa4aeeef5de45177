// Asking the cluster for a certificate, as client-go's util/certificate/csr: a
// CertificateSigningRequest for a key this side holds (the private key never leaves), then
// waiting until a signer issues it (status.certificate) or the request is denied or failed.

import { X509Certificate, type KeyObject } from 'node:crypto';
import type { CertificateSigningRequest } from '../api/certificates.js';
import { hasTrueCondition } from '../api/certificates.js';
import { lookupResource } from '../api/resources.js';
import { buildCSR } from '../api/x509-build.js';
import type { RestClient } from './rest.js';

export interface CertificateAsk {
  key: KeyObject;
  commonName: string;
  organization: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  signerName: string;
  usages: string[];
  expirationSeconds?: number;
  /** generateName of the request (default "csr-"). */
  namePrefix?: string;
}

export class CertificateRequestError extends Error {}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/** Creates the request; returns its name. */
export async function createCertificateRequest(client: RestClient, ask: CertificateAsk): Promise<string> {
  const pem = buildCSR(ask.key, { commonName: ask.commonName, organization: ask.organization }, { dnsNames: ask.dnsNames, ipAddresses: ask.ipAddresses });
  const csrs = client.resourceFor<CertificateSigningRequest>(lookupResource('certificatesigningrequests', 'certificates.k8s.io')!);
  const created = await csrs.create({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: ask.namePrefix ?? 'csr-' },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: ask.signerName,
      usages: ask.usages,
      ...(ask.expirationSeconds ? { expirationSeconds: ask.expirationSeconds } : {}),
    },
  });
  return created.metadata.name ?? '';
}

/**
 * Waits for the named request's certificate (PEM, checked to be for `key`); throws when it is
 * denied, failed, deleted or not issued within `timeoutMs`.
 */
export async function waitForCertificate(client: RestClient, name: string, key: KeyObject, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const csrs = client.resourceFor<CertificateSigningRequest>(lookupResource('certificatesigningrequests', 'certificates.k8s.io')!);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const csr = await csrs.get(name);
    for (const t of ['Denied', 'Failed']) {
      if (hasTrueCondition(csr, t)) {
        const c = csr.status!.conditions!.find((x) => x.type === t)!;
        throw new CertificateRequestError(`certificate signing request ${name} is ${t.toLowerCase()}: ${c.reason ?? ''} ${c.message ?? ''}`.trim());
      }
    }
    if (csr.status?.certificate) {
      const pem = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
      // The issued certificate must be for the key we hold, or it is of no use.
      if (!new X509Certificate(pem).checkPrivateKey(key)) throw new CertificateRequestError(`certificate of ${name} is not for this key`);
      return pem;
    }
    if (Date.now() > deadline) throw new CertificateRequestError(`timed out waiting for certificate signing request ${name} to be approved and issued`);
    if (signal?.aborted) throw new CertificateRequestError('stopped');
    await sleep(500, signal);
  }
}
