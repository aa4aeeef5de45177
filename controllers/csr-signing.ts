// The CSR signing controller (upstream's csrsigning, for the kubelet signers): an approved
// request for kubernetes.io/kube-apiserver-client-kubelet or kubernetes.io/kubelet-serving,
// not failed and not yet issued, is checked against its signer's constraints and signed with the
// cluster CA (--cluster-signing-cert-file/--cluster-signing-key-file); one that breaks them gets
// a Failed condition (SignerValidationFailure) instead. Both go through /status.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { CertificateSigningRequest } from '../api/certificates.js';
import { hasTrueCondition, isApproved } from '../api/certificates.js';
import { lookupResource } from '../api/resources.js';
import { nowRFC3339 } from '../api/managed-fields.js';
import { issueCertificate } from '../api/x509-build.js';
import { parseCSR } from '../api/x509-csr.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { KUBELET_SIGNERS, certificateLifetime } from './csr-checks.js';
import { QueueController } from './queue-controller.js';

export const CSR_RESOURCE = lookupResource('certificatesigningrequests', 'certificates.k8s.io')!;

export interface CSRSigningOptions {
  client: RestClient;
  /** The CA certificate and key (PEM) the kubelet signers sign with. */
  caCert: string;
  caKey: string;
  /** --cluster-signing-duration: the longest certificate issued (8760h). */
  durationMs?: number;
  log?: (m: string) => void;
  csrInformer?: Informer<CertificateSigningRequest>;
  now?: () => number;
}

export class CSRSigningController extends QueueController {
  readonly csrs: Informer<CertificateSigningRequest>;
  private readonly caNotAfter: number;

  constructor(private readonly opts: CSRSigningOptions) {
    super('certificate', opts.log);
    // Refuse a key that is not the certificate's at start, not at the first request.
    const ca = new X509Certificate(opts.caCert);
    if (!ca.checkPrivateKey(createPrivateKey(opts.caKey))) throw new Error('csrsigning: the signing key does not match the signing certificate');
    this.caNotAfter = Date.parse(ca.validTo);
    this.csrs = opts.csrInformer ?? this.keep(new Informer<CertificateSigningRequest>(opts.client, opts.client.resourceFor<CertificateSigningRequest>(CSR_RESOURCE)));
    this.csrs.on('add', (c) => this.queue.add(objectKey(c)));
    this.csrs.on('update', (_o, c) => this.queue.add(objectKey(c)));
  }

  async start(): Promise<this> {
    await this.runWorkers([this.csrs], 1, 'csrsigning');
    return this;
  }

  async sync(key: string): Promise<void> {
    const cached = this.csrs.store.get(key);
    if (!cached || !isApproved(cached) || hasTrueCondition(cached, 'Failed') || cached.status?.certificate) return;
    const check = KUBELET_SIGNERS[cached.spec?.signerName ?? ''];
    if (!check) return; // another signer's request
    const csr = structuredClone(cached);
    let problem: string | undefined;
    let req;
    try {
      req = parseCSR(Buffer.from(csr.spec.request, 'base64'));
      problem = check(req, csr.spec.usages ?? []);
    } catch (err) {
      problem = `unable to parse csr ${JSON.stringify(csr.metadata.name)}: ${(err as Error).message}`;
    }
    csr.status ??= {};
    if (problem || !req) {
      const now = nowRFC3339();
      csr.status.conditions = [...(csr.status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem ?? 'unparsable request', lastUpdateTime: now, lastTransitionTime: now }];
    } else {
      const { notBefore, notAfter } = certificateLifetime((this.opts.now ?? Date.now)(), this.opts.durationMs ?? 365 * 24 * 3_600_000, csr.spec.expirationSeconds, this.caNotAfter);
      const pem = issueCertificate({ request: req, usages: csr.spec.usages ?? [], caCert: this.opts.caCert, caKey: this.opts.caKey, notBefore, notAfter });
      csr.status.certificate = Buffer.from(pem).toString('base64');
    }
    try {
      await this.opts.client.resourceFor<CertificateSigningRequest>(CSR_RESOURCE).updateSubresource(csr.metadata.name ?? '', 'status', csr);
    } catch (err) {
      // A newer version comes through the informer; a deleted request needs nothing.
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
    this.log(`csrsigning: ${problem ? `refused ${csr.metadata.name ?? ''}: ${problem}` : `issued ${csr.metadata.name ?? ''} (${csr.spec.signerName})`}`);
  }
}
