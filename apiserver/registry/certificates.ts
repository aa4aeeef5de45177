// Registry hooks of CertificateSigningRequests, as upstream's csr strategies and the
// certificate admission plugins:
// - create: spec.username/uid/groups/extra are the requester's (whatever was sent), status empty;
//   kubernetes.io/kube-apiserver-client may not be asked for system:masters (CertificateSubjectRestriction);
// - update of the object: metadata only (spec and status stay as stored);
// - /status: everything but the Approved/Denied conditions, which stay as stored; changing the
//   certificate needs `sign` on the signer (CertificateSigning);
// - /approval: the conditions only; needs `approve` on the signer (CertificateApproval).
// Condition timestamps are filled in as upstream's populateConditionTimestamps.

import type { CertificateSigningRequest, CertificateSigningRequestCondition } from '../../api/certificates.js';
import { SIGNER } from '../../api/certificates.js';
import type { ResourceInfo } from '../../api/resources.js';
import { nowRFC3339 } from '../../api/managed-fields.js';
import { parseCSR } from '../../api/x509-csr.js';
import { badRequest } from '../errors.js';
import { forbiddenError } from '../auth/authorizer.js';
import type { UserInfo } from '../auth/user.js';
import type { EscalationHolder } from './rbac.js';
import { defaultStrategy, type RequestContext, type Strategy } from './strategy.js';

const GROUP = 'certificates.k8s.io';
const RESOURCE = 'certificatesigningrequests';
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A []byte field must be standard base64, as Go's JSON decoder reads it: else 400 like a decode error. */
function checkBase64(v: unknown, field: string): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string' || v.length % 4 !== 0 || !B64.test(v)) {
    const at = typeof v === 'string' ? Math.max(0, [...v].findIndex((c) => !/[A-Za-z0-9+/=]/.test(c))) : 0;
    throw badRequest(`CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: ${field}: illegal base64 data at input byte ${at}`);
  }
}

/** Whether `user` holds `verb` on the signer (its exact name, else `<domain>/*`), as upstream's isAuthorizedForSignerName. */
function allowedForSigner(holder: EscalationHolder, user: UserInfo, verb: string, signerName: string): boolean {
  const authz = holder.deps?.authorizer;
  if (!authz) return true; // no authorizer wired (bare test apiservers): nothing to check against
  const ask = (name: string) =>
    authz.authorize({ user, verb, resourceRequest: true, path: '', apiGroup: GROUP, apiVersion: '*', resource: 'signers', subresource: '', namespace: '', name }).decision === 'allow';
  return ask(signerName) || ask(`${signerName.split('/')[0]}/*`);
}

/** lastUpdateTime now where unset; lastTransitionTime kept from the same type at the same status, else now. */
function populateTimestamps(next: CertificateSigningRequest, old?: CertificateSigningRequest): void {
  const conds = next.status?.conditions;
  if (!Array.isArray(conds)) return;
  const now = nowRFC3339();
  for (const c of conds) {
    if (!c || typeof c !== 'object') continue;
    c.lastUpdateTime ||= now;
    if (!c.lastTransitionTime) {
      const prev = old?.status?.conditions?.find((o) => o.type === c.type);
      c.lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    }
  }
}

const conditionsOf = (csr: CertificateSigningRequest): CertificateSigningRequestCondition[] => (Array.isArray(csr.status?.conditions) ? csr.status.conditions : []);

export function csrStrategy(info: ResourceInfo, holder: EscalationHolder): Strategy<CertificateSigningRequest> {
  return defaultStrategy<CertificateSigningRequest>(info, {
    prepareForCreate(obj, ctx: RequestContext) {
      obj.spec ??= {} as CertificateSigningRequest['spec'];
      const spec = obj.spec;
      checkBase64(spec.request, 'spec.request');
      // Who asked is the apiserver's to say.
      delete spec.username;
      delete spec.uid;
      delete spec.groups;
      delete spec.extra;
      const u = ctx.user;
      if (u) {
        spec.username = u.username;
        if (u.uid) spec.uid = u.uid;
        spec.groups = [...u.groups];
        if (u.extra && Object.keys(u.extra).length) spec.extra = structuredClone(u.extra);
      }
      delete obj.status;
      if (spec.signerName === SIGNER.apiserverClient && typeof spec.request === 'string') {
        let orgs: string[] = [];
        try {
          orgs = parseCSR(Buffer.from(spec.request, 'base64')).organization;
        } catch {
          // validation reports an unparsable request
        }
        if (orgs.includes('system:masters')) {
          throw forbiddenError(GROUP, RESOURCE, obj.metadata.name ?? '', `use of ${SIGNER.apiserverClient} signer with system:masters group is not allowed`);
        }
      }
    },
    prepareForUpdate(obj, old) {
      obj.spec = structuredClone(old.spec);
      if (old.status === undefined) delete obj.status;
      else obj.status = structuredClone(old.status);
    },
    prepareForStatusUpdate(next, old, subresource, ctx) {
      if (next.status !== undefined && (typeof next.status !== 'object' || next.status === null)) next.status = {};
      checkBase64(next.status?.certificate, 'status.certificate');
      const signer = old.spec?.signerName ?? '';
      const name = old.metadata.name ?? '';
      if (subresource === 'approval') {
        const conditions = next.status?.conditions;
        next.status = structuredClone(old.status ?? {});
        if (conditions === undefined) delete next.status.conditions;
        else next.status.conditions = conditions;
        if (ctx.user && !allowedForSigner(holder, ctx.user, 'approve', signer)) {
          throw forbiddenError(GROUP, RESOURCE, name, `user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
        }
      } else {
        // The Approved/Denied conditions stay as stored: approval is /approval's alone.
        const keep = (c: CertificateSigningRequestCondition) => c?.type === 'Approved' || c?.type === 'Denied';
        const others = conditionsOf(next).filter((c) => !keep(c));
        const kept = conditionsOf(old).filter(keep);
        next.status ??= {};
        if (kept.length || others.length) next.status.conditions = [...kept, ...others];
        else delete next.status.conditions;
        if ((next.status.certificate ?? '') !== (old.status?.certificate ?? '') && ctx.user && !allowedForSigner(holder, ctx.user, 'sign', signer)) {
          throw forbiddenError(GROUP, RESOURCE, name, `user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
        }
      }
      populateTimestamps(next, old);
    },
  });
}
