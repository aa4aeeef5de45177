// The certificates.k8s.io/v1 CertificateSigningRequest (field names and shapes as
// k8s.io/api/certificates/v1): a PKCS#10 request for a certificate from a named signer, who
// asked (set by the apiserver), its approval and the issued certificate.

import type { ConditionStatus, TypedList, TypedObject } from './core.js';
import type { Time } from './meta.js';

export interface CertificateSigningRequestSpec {
  /** Base64 of a PEM "CERTIFICATE REQUEST" block. Immutable. */
  request: string;
  /** Which signer is asked: kubernetes.io/kube-apiserver-client-kubelet, kubernetes.io/kubelet-serving, ... Immutable. */
  signerName: string;
  /** The certificate's requested lifetime in seconds (at least 600); the signer may give less. */
  expirationSeconds?: number;
  /** Key usages and extended key usages asked for ("digital signature", "server auth", ...). */
  usages?: string[];
  /** Who created the request: set by the apiserver. */
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** "Approved", "Denied", "Failed" (only ever True), or any other type a signer uses. */
export type CertificateSigningRequestConditionType = string;

export interface CertificateSigningRequestCondition {
  type: CertificateSigningRequestConditionType;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastUpdateTime?: Time;
  lastTransitionTime?: Time;
}

export interface CertificateSigningRequestStatus {
  conditions?: CertificateSigningRequestCondition[];
  /** Base64 of the PEM certificate(s) the signer issued. */
  certificate?: string;
}

export interface CertificateSigningRequest extends TypedObject {
  spec: CertificateSigningRequestSpec;
  status?: CertificateSigningRequestStatus;
}
export type CertificateSigningRequestList = TypedList<CertificateSigningRequest>;

/** The signers of upstream's well-known names. */
export const SIGNER = {
  kubeletClient: 'kubernetes.io/kube-apiserver-client-kubelet',
  kubeletServing: 'kubernetes.io/kubelet-serving',
  apiserverClient: 'kubernetes.io/kube-apiserver-client',
  legacyUnknown: 'kubernetes.io/legacy-unknown',
} as const;

/** Whether a condition of `type` is present with status True. */
export function hasTrueCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** Upstream's IsCertificateRequestApproved: Approved and not Denied. */
export const isApproved = (csr: CertificateSigningRequest): boolean => hasTrueCondition(csr, 'Approved') && !hasTrueCondition(csr, 'Denied');

