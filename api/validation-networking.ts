// Validation of networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy, with
// upstream's field paths and wording (pkg/apis/networking/validation, as of 1.32).

import { isIP } from 'node:net';
import { fieldErr, type FieldError } from './field-errors.js';
import {
  domainPrefixedPathProblems,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidCIDR,
  isValidIP,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
} from './names.js';
import {
  INGRESS_CLASS_ANNOTATION,
  type IngressBackend,
  type IngressClass,
  type Ingress,
  type IngressRule,
  type IPBlock,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
} from './networking.js';
import { validateLabelSelector } from './validation-label-selector.js';
import type { TypedLocalObjectReference } from './core.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const MAX_CONTROLLER_LEN = 250;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

/** A Go-rendered value in an Invalid message (%#v of a slice), for the few messages that print one. */
const invalidRendered = (field: string, rendered: string, detail: string): FieldError => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${rendered}: ${detail}` });

// ---------------------------------------------------------------- Ingress

function validateTypedRef(ref: TypedLocalObjectReference, fp: string): FieldError[] {
  const errs: FieldError[] = [];
  if (ref.apiGroup !== undefined && ref.apiGroup !== null) for (const m of isDNS1123Subdomain(ref.apiGroup)) errs.push(fieldErr.invalid(`${fp}.apiGroup`, ref.apiGroup, m));
  for (const k of ['kind', 'name'] as const) {
    const v = ref[k] ?? '';
    if (v === '') errs.push(fieldErr.required(`${fp}.${k}`));
    else for (const m of isValidPathSegmentName(v)) errs.push(fieldErr.invalid(`${fp}.${k}`, v, m));
  }
  return errs;
}

function validateBackend(b: IngressBackend, fp: string): FieldError[] {
  const errs: FieldError[] = [];
  const hasResource = b.resource !== undefined && b.resource !== null;
  const svc = b.service;
  if (hasResource && svc) return [fieldErr.invalid(fp, '', 'cannot set both resource and service backends')];
  if (hasResource) return validateTypedRef(b.resource!, `${fp}.resource`);
  if (!svc) return [fieldErr.invalid(fp, '', 'resource or service backend is required')];
  const name = svc.name ?? '';
  if (name === '') errs.push(fieldErr.required(`${fp}.service.name`));
  else for (const m of isDNS1035Label(name)) errs.push(fieldErr.invalid(`${fp}.service.name`, name, m)); // ValidateServiceName
  const portName = svc.port?.name ?? '';
  const portNumber = svc.port?.number ?? 0;
  if (portName !== '' && portNumber !== 0) errs.push(fieldErr.invalid(fp, '', 'cannot set both port name & port number'));
  else if (portName !== '') for (const m of isValidPortName(portName)) errs.push(fieldErr.invalid(`${fp}.service.port.name`, portName, m));
  else if (portNumber !== 0) for (const m of isValidPortNum(portNumber)) errs.push(fieldErr.invalid(`${fp}.service.port.number`, portNumber, m));
  else errs.push(fieldErr.required(fp, 'port name or number is required'));
  return errs;
}

function validateRules(rules: IngressRule[], fp: string): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const r = rule ?? {};
    const host = r.host ?? '';
    if (host !== '') {
      if (isIP(host)) errs.push(fieldErr.invalid(`${fp}[${i}].host`, host, 'must be a DNS name, not an IP address'));
      const check = host.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
      for (const m of check(host)) errs.push(fieldErr.invalid(`${fp}[${i}].host`, host, m));
    }
    if (!r.http) return;
    const hp = `${fp}[${i}].http`;
    const paths = r.http.paths ?? [];
    if (paths.length === 0) errs.push(fieldErr.required(`${hp}.paths`));
    paths.forEach((p0, j) => {
      const p = p0 ?? { pathType: undefined, backend: {} };
      const pp = `${hp}.paths[${j}]`;
      if (p.pathType === undefined || p.pathType === null) {
        errs.push(fieldErr.required(`${pp}.pathType`, 'pathType must be specified'));
        return; // upstream stops here: the backend is not looked at
      }
      const path = p.path ?? '';
      if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
        if (!path.startsWith('/')) errs.push(fieldErr.invalid(`${pp}.path`, path, 'must be an absolute path'));
        for (const seq of INVALID_PATH_SEQUENCES) if (path.includes(seq)) errs.push(fieldErr.invalid(`${pp}.path`, path, `must not contain '${seq}'`));
        for (const suf of INVALID_PATH_SUFFIXES) if (path.endsWith(suf)) errs.push(fieldErr.invalid(`${pp}.path`, path, `cannot end with '${suf}'`));
      } else if (p.pathType === 'ImplementationSpecific') {
        if (path !== '' && !path.startsWith('/')) errs.push(fieldErr.invalid(`${pp}.path`, path, 'must be an absolute path'));
      } else {
        errs.push(fieldErr.notSupported(`${pp}.pathType`, p.pathType, PATH_TYPES));
      }
      errs.push(...validateBackend(p.backend ?? {}, `${pp}.backend`));
    });
  });
  return errs;
}

/** ValidateIngressSpec (create and update; metadata is checked for every kind). */
export function validateIngress(ing: Ingress): FieldError[] {
  const spec = ing.spec ?? {};
  const errs: FieldError[] = [];
  const rules = spec.rules;
  if ((rules?.length ?? 0) === 0 && !spec.defaultBackend) {
    // Upstream prints the Go value of the (empty) rules slice.
    errs.push(invalidRendered('spec', rules ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)', 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  if (rules?.length) errs.push(...validateRules(rules, 'spec.rules'));
  (spec.tls ?? []).forEach((t0, i) => {
    const t = t0 ?? {};
    (t.hosts ?? []).forEach((h, j) => {
      const check = h.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
      for (const m of check(h)) errs.push(fieldErr.invalid(`spec.tls[${i}].hosts[${j}]`, h, m));
    });
    if (t.secretName) for (const m of isDNS1123Subdomain(t.secretName)) errs.push(fieldErr.invalid(`spec.tls[${i}].secretName`, t.secretName, m));
  });
  if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(fieldErr.invalid('spec.ingressClassName', spec.ingressClassName, m));
  }
  return errs;
}

/** ValidateIngressCreate's extra: the deprecated class annotation must agree with ingressClassName. */
export function validateIngressCreate(ing: Ingress): FieldError[] {
  const ann = ing.metadata.annotations;
  const cls = ing.spec?.ingressClassName;
  if (!ann || !Object.hasOwn(ann, INGRESS_CLASS_ANNOTATION) || cls === undefined || cls === null) return [];
  const v = ann[INGRESS_CLASS_ANNOTATION];
  return v === cls ? [] : [fieldErr.invalid(`annotations.${INGRESS_CLASS_ANNOTATION}`, v, 'must match `ingressClassName` when both are specified')];
}

/** ValidateIngressLoadBalancerStatus. */
export function validateIngressStatus(ing: Ingress): FieldError[] {
  const errs: FieldError[] = [];
  (ing.status?.loadBalancer?.ingress ?? []).forEach((e0, i) => {
    const e = e0 ?? {};
    const fp = `status.loadBalancer.ingress[${i}]`;
    if (e.ip) for (const m of isValidIP(e.ip)) errs.push(fieldErr.invalid(`${fp}.ip`, e.ip, m));
    if (e.hostname) {
      for (const m of isDNS1123Subdomain(e.hostname)) errs.push(fieldErr.invalid(`${fp}.hostname`, e.hostname, m));
      if (isIP(e.hostname)) errs.push(fieldErr.invalid(`${fp}.hostname`, e.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

// ---------------------------------------------------------------- IngressClass

export function validateIngressClass(ic: IngressClass): FieldError[] {
  const spec = ic.spec ?? {};
  const errs: FieldError[] = [];
  const controller = spec.controller ?? '';
  if (controller === '') errs.push(fieldErr.required('spec.controller'));
  else {
    if (controller.length > MAX_CONTROLLER_LEN) errs.push(fieldErr.tooLong('spec.controller', MAX_CONTROLLER_LEN));
    for (const p of domainPrefixedPathProblems(controller)) errs.push(fieldErr.invalid('spec.controller', p.value, p.message));
  }
  const params = spec.parameters;
  if (!params) return errs;
  const fp = 'spec.parameters';
  errs.push(...validateTypedRef(params, fp));
  if (params.scope === undefined || params.scope === null) {
    errs.push(fieldErr.required(`${fp}.scope`));
    return errs;
  }
  if (params.scope !== 'Cluster' && params.scope !== 'Namespace') errs.push(fieldErr.notSupported(`${fp}.scope`, params.scope, ['Cluster', 'Namespace']));
  else if (params.scope === 'Namespace') {
    if (params.namespace === undefined || params.namespace === null) errs.push(fieldErr.required(`${fp}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else for (const m of isDNS1123Label(params.namespace)) errs.push(fieldErr.invalid(`${fp}.namespace`, params.namespace, m));
  } else if (params.namespace !== undefined && params.namespace !== null) {
    errs.push(fieldErr.forbidden(`${fp}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export function validateIngressClassUpdate(ic: IngressClass, old: IngressClass): FieldError[] {
  const c = ic.spec?.controller ?? '';
  return c === (old.spec?.controller ?? '') ? [] : [fieldErr.invalid('spec.controller', c, 'field is immutable')];
}

// ---------------------------------------------------------------- NetworkPolicy

function validatePort(port: NetworkPolicyPort, fp: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && port.protocol !== null && !PROTOCOLS.includes(port.protocol)) errs.push(fieldErr.notSupported(`${fp}.protocol`, port.protocol, PROTOCOLS));
  const hasEnd = port.endPort !== undefined && port.endPort !== null;
  if (port.port === undefined || port.port === null) {
    if (hasEnd) errs.push(fieldErr.invalid(`${fp}.endPort`, port.endPort, 'may not be specified when `port` is not specified'));
  } else if (typeof port.port === 'number') {
    for (const m of isValidPortNum(port.port)) errs.push(fieldErr.invalid(`${fp}.port`, port.port, m));
    if (hasEnd) {
      if (port.endPort! < port.port) errs.push(fieldErr.invalid(`${fp}.endPort`, port.endPort, 'must be greater than or equal to `port`'));
      for (const m of isValidPortNum(port.endPort!)) errs.push(fieldErr.invalid(`${fp}.endPort`, port.endPort, m));
    }
  } else {
    if (hasEnd) errs.push(fieldErr.invalid(`${fp}.endPort`, port.endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of isValidPortName(port.port)) errs.push(fieldErr.invalid(`${fp}.port`, port.port, m));
  }
  return errs;
}

/** An IPv4 or IPv6 CIDR as its address bits (BigInt) and prefix length, or undefined when not a CIDR. */
function parseCIDR(v: string): { bits: bigint; width: number; prefix: number } | undefined {
  if (isValidCIDR(v).length) return undefined;
  const [addr, len] = v.split('/');
  const prefix = Number(len);
  if (isIP(addr) === 4) return { bits: addr.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n), width: 32, prefix };
  // Expand "::" and any embedded IPv4 tail into eight 16-bit groups.
  let a = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const o = v4[1].split('.').map(Number);
    a = a.slice(0, -v4[1].length) + `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return { bits: groups.reduce((x, g) => (x << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128, prefix };
}

function validateIPBlock(b: IPBlock, fp: string): FieldError[] {
  const cidr = b.cidr ?? '';
  if (cidr === '') return [fieldErr.required(`${fp}.cidr`)];
  const outer = parseCIDR(cidr);
  if (!outer) return [fieldErr.invalid(`${fp}.cidr`, cidr, 'not a valid CIDR')];
  const errs: FieldError[] = [];
  for (const [i, ex] of (b.except ?? []).entries()) {
    const inner = parseCIDR(ex ?? '');
    if (!inner) {
      errs.push(fieldErr.invalid(`${fp}.except[${i}]`, ex, 'not a valid CIDR'));
      return errs; // upstream stops at the first unparsable except
    }
    // Contains(except's IP) in the same family, and a strictly longer prefix.
    const shift = BigInt(outer.width - outer.prefix);
    const inside = inner.width === outer.width && inner.bits >> shift === outer.bits >> shift;
    if (!inside || outer.prefix >= inner.prefix) errs.push(fieldErr.invalid(`${fp}.except[${i}]`, ex, 'must be a strict subset of `cidr`'));
  }
  return errs;
}

function validatePeer(peer: NetworkPolicyPeer, fp: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (peer.podSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.podSelector, `${fp}.podSelector`));
  }
  if (peer.namespaceSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${fp}.namespaceSelector`));
  }
  if (peer.ipBlock) {
    n++;
    errs.push(...validateIPBlock(peer.ipBlock, `${fp}.ipBlock`));
  }
  if (n === 0) errs.push(fieldErr.required(fp, 'must specify a peer'));
  else if (n > 1 && peer.ipBlock) errs.push(fieldErr.forbidden(fp, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** ValidateNetworkPolicySpec. */
export function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  const spec = np.spec ?? { podSelector: {} };
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  (spec.ingress ?? []).forEach((r0, i) => {
    const r = r0 ?? {};
    (r.ports ?? []).forEach((p, j) => errs.push(...validatePort(p ?? {}, `spec.ingress[${i}].ports[${j}]`)));
    (r.from ?? []).forEach((p, j) => errs.push(...validatePeer(p ?? {}, `spec.ingress[${i}].from[${j}]`)));
  });
  (spec.egress ?? []).forEach((r0, i) => {
    const r = r0 ?? {};
    (r.ports ?? []).forEach((p, j) => errs.push(...validatePort(p ?? {}, `spec.egress[${i}].ports[${j}]`)));
    (r.to ?? []).forEach((p, j) => errs.push(...validatePeer(p ?? {}, `spec.egress[${i}].to[${j}]`)));
  });
  const types = spec.policyTypes ?? [];
  if (types.length > POLICY_TYPES.length) {
    // Upstream prints the address of the slice (&[]...); its elements say the same here.
    errs.push(invalidRendered('spec.policyTypes', `&[]networking.PolicyType{${types.map((t) => JSON.stringify(t)).join(', ')}}`, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(fieldErr.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  return errs;
}
