// The networking.k8s.io/v1 types: Ingress, IngressClass and NetworkPolicy (field names and
// shapes as k8s.io/api/networking/v1). NetworkPolicies are stored, not enforced: as
// kube-apiserver without a network plugin that acts on them.

import type { IntOrString, LabelSelector, Protocol, TypedList, TypedLocalObjectReference, TypedObject } from './core.js';

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** ServiceBackendPort: the port of the referenced Service, by name or number (exactly one). */
export interface ServiceBackendPort {
  name?: string;
  number?: number;
}

export interface IngressServiceBackend {
  name: string;
  port?: ServiceBackendPort;
}

/** Where traffic goes: a Service, or a typed object of the Ingress's namespace (exactly one). */
export interface IngressBackend {
  service?: IngressServiceBackend;
  resource?: TypedLocalObjectReference;
}

export interface HTTPIngressPath {
  /** Matched against the request path; must begin with "/" (Exact and Prefix always). */
  path?: string;
  /** How `path` is matched: Exact, Prefix or ImplementationSpecific. Required. */
  pathType: PathType;
  backend: IngressBackend;
}

export interface HTTPIngressRuleValue {
  paths: HTTPIngressPath[];
}

export interface IngressRule {
  /** A DNS name (a leading "*." wildcard allowed), not an IP; empty means every host. */
  host?: string;
  http?: HTTPIngressRuleValue;
}

export interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}

export interface IngressSpec {
  /** The IngressClass that implements this Ingress; set by DefaultIngressClass when omitted. */
  ingressClassName?: string;
  defaultBackend?: IngressBackend;
  tls?: IngressTLS[];
  rules?: IngressRule[];
}

export interface IngressPortStatus {
  port: number;
  protocol: Protocol;
  error?: string;
}

export interface IngressLoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ports?: IngressPortStatus[];
}

export interface IngressLoadBalancerStatus {
  ingress?: IngressLoadBalancerIngress[];
}

export interface IngressStatus {
  loadBalancer?: IngressLoadBalancerStatus;
}

export interface Ingress extends TypedObject {
  spec?: IngressSpec;
  status?: IngressStatus;
}
export type IngressList = TypedList<Ingress>;

export interface IngressClassParametersReference {
  apiGroup?: string;
  kind: string;
  name: string;
  /** "Cluster" (the default) or "Namespace". */
  scope?: string;
  /** Set exactly when scope is "Namespace". */
  namespace?: string;
}

export interface IngressClassSpec {
  /** The controller that implements the class, a domain-prefixed path (example.com/ingress). Immutable. */
  controller?: string;
  parameters?: IngressClassParametersReference;
}

export interface IngressClass extends TypedObject {
  spec?: IngressClassSpec;
}
export type IngressClassList = TypedList<IngressClass>;

/** The annotation that makes an IngressClass the default for Ingresses that name none. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The deprecated annotation an Ingress may name its class with (must match ingressClassName). */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicyPort {
  /** TCP (the default), UDP or SCTP. */
  protocol?: Protocol;
  port?: IntOrString;
  /** With a numeric port: the last port of a range. */
  endPort?: number;
}

export interface IPBlock {
  cidr: string;
  /** CIDRs inside `cidr` to leave out. */
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyIngressRule {
  ports?: NetworkPolicyPort[];
  from?: NetworkPolicyPeer[];
}

export interface NetworkPolicyEgressRule {
  ports?: NetworkPolicyPort[];
  to?: NetworkPolicyPeer[];
}

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
  /** Defaults to ["Ingress"], plus "Egress" when egress rules are given. */
  policyTypes?: PolicyType[];
}

export interface NetworkPolicy extends TypedObject {
  spec?: NetworkPolicySpec;
}
export type NetworkPolicyList = TypedList<NetworkPolicy>;
