// The CSR approving controller (upstream's csrapproving): a pending
// kubernetes.io/kube-apiserver-client-kubelet request shaped as a node client certificate is
// approved when a SubjectAccessReview says its requester may create
// certificatesigningrequests/selfnodeclient (a node renewing its own) or /nodeclient (a bootstrap
// token holder: the binding `hyperkube token create` makes). tskube also approves
// kubernetes.io/kubelet-serving requests whose requester is the node they name and whose SANs are
// that node's name and addresses (k3s and kubeadm users expect it; upstream approves none);
// --kubelet-serving-auto-approve=false turns that off. Anything else is left for a person.

import type { CertificateSigningRequest } from '../api/certificates.js';
import { SIGNER } from '../api/certificates.js';
import type { Node } from '../api/core.js';
import { parseCSR, type CertificateRequest } from '../api/x509-csr.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { objectKey } from '../client/store.js';
import { isNodeClientCert, isSelfNodeClientCert, kubeletServingApproval } from './csr-checks.js';
import { CSR_RESOURCE } from './csr-signing.js';
import { QueueController } from './queue-controller.js';

export interface CSRApprovingOptions {
  client: RestClient;
  /** Approve kubelet-serving requests of the node they name (tskube's choice; default true). */
  kubeletServing?: boolean;
  log?: (m: string) => void;
  csrInformer?: Informer<CertificateSigningRequest>;
  nodeInformer?: Informer<Node>;
}

/** A node's addresses may lag its serving request by a status update: look again for this long. */
const SERVING_RETRY_MS = 2000;
const SERVING_RETRIES = 30;

export class CSRApprovingController extends QueueController {
  readonly csrs: Informer<CertificateSigningRequest>;
  readonly nodes: Informer<Node>;
  private readonly retries = new Map<string, number>();

  constructor(private readonly opts: CSRApprovingOptions) {
    super('csrapproving', opts.log);
    this.csrs = opts.csrInformer ?? this.keep(new Informer<CertificateSigningRequest>(opts.client, opts.client.resourceFor<CertificateSigningRequest>(CSR_RESOURCE)));
    this.nodes = opts.nodeInformer ?? this.keep(new Informer<Node>(opts.client, opts.client.nodes()));
    this.csrs.on('add', (c) => this.queue.add(objectKey(c)));
    this.csrs.on('update', (_o, c) => this.queue.add(objectKey(c)));
    this.csrs.on('delete', (c) => this.retries.delete(objectKey(c)));
  }

  async start(): Promise<this> {
    await this.runWorkers([this.csrs, this.nodes], 1, 'csrapproving');
    return this;
  }

  /** Whether the requester may create certificatesigningrequests/<sub> (a SubjectAccessReview, as upstream). */
  private async allowed(csr: CertificateSigningRequest, subresource: string): Promise<boolean> {
    const s = csr.spec;
    const res = await this.opts.client.request<{ status?: { allowed?: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: s.username, uid: s.uid, groups: s.groups, extra: s.extra, resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource } },
      },
    });
    return res.status?.allowed === true;
  }

  /** The approval message, or undefined to leave the request alone. */
  private async decide(key: string, csr: CertificateSigningRequest, req: CertificateRequest): Promise<string | undefined> {
    if (csr.spec.signerName === SIGNER.kubeletClient) {
      if (isSelfNodeClientCert(csr, req) && (await this.allowed(csr, 'selfnodeclient'))) return 'Auto approving self kubelet client certificate after SubjectAccessReview.';
      if (isNodeClientCert(csr, req) && (await this.allowed(csr, 'nodeclient'))) return 'Auto approving kubelet client certificate after SubjectAccessReview.';
      return undefined;
    }
    if (csr.spec.signerName === SIGNER.kubeletServing && this.opts.kubeletServing !== false) {
      const name = req.commonName.replace(/^system:node:/, '');
      const verdict = kubeletServingApproval(csr, req, this.nodes.store.get(name));
      if (!verdict.problem) return 'Auto approving kubelet serving certificate: requested by the node it names, for its own name and addresses.';
      const n = this.retries.get(key) ?? 0;
      if (verdict.retry && n < SERVING_RETRIES) {
        this.retries.set(key, n + 1);
        this.queue.addAfter(key, SERVING_RETRY_MS);
      } else {
        this.log(`csrapproving: not approving ${csr.metadata.name ?? ''}: ${verdict.problem}`);
      }
    }
    return undefined;
  }

  async sync(key: string): Promise<void> {
    const cached = this.csrs.store.get(key);
    if (!cached) return;
    const types = new Set((cached.status?.conditions ?? []).map((c) => c.type));
    if (types.has('Approved') || types.has('Denied') || cached.status?.certificate) return;
    let req: CertificateRequest;
    try {
      req = parseCSR(Buffer.from(cached.spec?.request ?? '', 'base64'));
    } catch {
      return; // not ours to judge: the apiserver validated it, a signer will say Failed
    }
    const message = await this.decide(key, cached, req);
    if (!message) return;
    const csr = structuredClone(cached);
    csr.status ??= {};
    csr.status.conditions = [...(csr.status.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message }];
    try {
      await this.opts.client.resourceFor<CertificateSigningRequest>(CSR_RESOURCE).updateSubresource(csr.metadata.name ?? '', 'approval', csr);
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
    this.retries.delete(key);
    this.log(`csrapproving: approved ${csr.metadata.name ?? ''} (${csr.spec.signerName})`);
  }
}
