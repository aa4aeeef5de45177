// core/v1 LimitRange, ResourceQuota and PodTemplate (field names and shapes as
// k8s.io/api/core/v1): the kinds a namespace's administrator sets its bounds with,
// and the stored pod template.

import type { PodTemplateSpec, ResourceList, TypedList, TypedObject } from './core.js';

/** Pod, Container or PersistentVolumeClaim (or a fully qualified extension type). */
export type LimitType = string;

/** The bounds of one type of object in a namespace. */
export interface LimitRangeItem {
  /** Type of resource that this limit applies to. */
  type: LimitType;
  /** Max usage constraints on this kind by resource name. */
  max?: ResourceList;
  /** Min usage constraints on this kind by resource name. */
  min?: ResourceList;
  /** Default resource limit a container gets when it sets none. */
  default?: ResourceList;
  /** Default resource request a container gets when it sets none. */
  defaultRequest?: ResourceList;
  /** The most a limit may be over its request for a resource (limit/request). */
  maxLimitRequestRatio?: ResourceList;
}

export interface LimitRangeSpec {
  /** Limits is the list of LimitRangeItem objects that are enforced. */
  limits: LimitRangeItem[];
}

/** LimitRange sets resource usage limits for each kind of resource in a Namespace. */
export interface LimitRange extends TypedObject {
  /** Spec defines the limits enforced. */
  spec?: LimitRangeSpec;
}
export type LimitRangeList = TypedList<LimitRange>;

/** A scope's operator on a ScopeSelector. */
export type ScopeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface ScopedResourceSelectorRequirement {
  /** The name of the scope that the selector applies to. */
  scopeName: string;
  operator: ScopeSelectorOperator;
  values?: string[];
}

export interface ScopeSelector {
  /** A list of scope selector requirements by scope of the resources. */
  matchExpressions?: ScopedResourceSelectorRequirement[];
}

export interface ResourceQuotaSpec {
  /** The desired hard limits for each named resource. */
  hard?: ResourceList;
  /** Filters every object the quota tracks: Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass, CrossNamespacePodAffinity. */
  scopes?: string[];
  /** Scopes by expressions, ANDed with `scopes`. */
  scopeSelector?: ScopeSelector;
}

export interface ResourceQuotaStatus {
  /** Hard is the set of enforced hard limits for each named resource. */
  hard?: ResourceList;
  /** Used is the current observed total usage of the resource in the namespace. */
  used?: ResourceList;
}

/** ResourceQuota sets aggregate quota restrictions enforced per namespace. */
export interface ResourceQuota extends TypedObject {
  spec?: ResourceQuotaSpec;
  status?: ResourceQuotaStatus;
}
export type ResourceQuotaList = TypedList<ResourceQuota>;

/** PodTemplate describes a template for creating copies of a predefined pod. */
export interface PodTemplate extends TypedObject {
  /** Template defines the pods that will be created from this pod template. */
  template?: PodTemplateSpec;
}
export type PodTemplateList = TypedList<PodTemplate>;
