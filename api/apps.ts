// The apps/v1 types: Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision
// (field names and shapes as k8s.io/api/apps/v1).

import type { ConditionStatus, IntOrString, LabelSelector, PersistentVolumeClaim, PodTemplateSpec, TypedList, TypedObject } from './core.js';
import type { Int64, RawExtension, Time } from './meta.js';

export interface WorkloadCondition {
  type: string;
  status: ConditionStatus;
  lastUpdateTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

// ---------------------------------------------------------------- ReplicaSet

/** The desired state of a ReplicaSet: how many copies of which pod template, chosen by which selector. */
export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector: LabelSelector;
  template?: PodTemplateSpec;
}

/** The observed state of a ReplicaSet, written by its controller. */
export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  terminatingReplicas?: number;
  observedGeneration?: Int64;
  conditions?: WorkloadCondition[];
}

export interface ReplicaSet extends TypedObject {
  /** The desired state of the ReplicaSet, set by its user. */
  spec?: ReplicaSetSpec;
  /** The observed state of the ReplicaSet, written by the system; read-only to users (except through the status subresource). */
  status?: ReplicaSetStatus;}
export type ReplicaSetList = TypedList<ReplicaSet>;

// ---------------------------------------------------------------- Deployment

/** How fast a rolling update replaces old pods with new ones. */
export interface RollingUpdateDeployment {
  /** How many of the desired pods may be unavailable during the update: a number or a percentage (rounded down); 25% by default. Cannot be 0 when maxSurge is 0. */
  maxUnavailable?: IntOrString;
  /** How many pods may exist above the desired count during the update: a number or a percentage (rounded up); 25% by default. Cannot be 0 when maxUnavailable is 0. */
  maxSurge?: IntOrString;
}

/** How a Deployment replaces its pods when the template changes. */
export interface DeploymentStrategy {
  /** RollingUpdate (the default) replaces pods gradually; Recreate removes all old pods before making new ones. */
  type?: 'Recreate' | 'RollingUpdate';
  /** The pace of a RollingUpdate; only with type RollingUpdate. */
  rollingUpdate?: RollingUpdateDeployment;
}

/** The desired state of a Deployment: a pod template, how many copies, and how to roll out changes. */
export interface DeploymentSpec {
  /** How many pods are wanted; 1 by default. */
  replicas?: number;
  /** Which pods belong to the Deployment; must match the template's labels and cannot be changed. */
  selector: LabelSelector;
  /** The pod every replica is made from; a change to it starts a rollout. */
  template: PodTemplateSpec;
  /** How old pods are replaced by new ones during a rollout. */
  strategy?: DeploymentStrategy;
  /** Seconds a new pod must be ready, without a container crashing, before it counts as available; 0 by default. */
  minReadySeconds?: number;
  /** How many old ReplicaSets to keep for rollbacks; 10 by default. */
  revisionHistoryLimit?: number;
  /** While true, template changes do not start a rollout. */
  paused?: boolean;
  /** Seconds a rollout may go without progress before it is reported as failed (ProgressDeadlineExceeded); 600 by default. */
  progressDeadlineSeconds?: number;
}

/** The observed state of a Deployment, written by its controller. */
export interface DeploymentStatus {
  /** The generation of the spec the controller last acted on. */
  observedGeneration?: Int64;
  /** Pods of all its ReplicaSets that are not terminating. */
  replicas?: number;
  /** Pods made from the current template. */
  updatedReplicas?: number;
  /** Pods whose Ready condition is true. */
  readyReplicas?: number;
  /** Pods ready for at least minReadySeconds. */
  availableReplicas?: number;
  /** Pods still needed to reach 100% availability. */
  unavailableReplicas?: number;
  /** Pods being deleted. */
  terminatingReplicas?: number;
  /** Progressing, Available and ReplicaFailure conditions. */
  conditions?: WorkloadCondition[];
  /** Counts hash collisions of the template, to name new ReplicaSets apart. */
  collisionCount?: number;
}

export interface Deployment extends TypedObject {
  /** The desired state of the Deployment, set by its user. */
  spec?: DeploymentSpec;
  /** The observed state of the Deployment, written by the system; read-only to users (except through the status subresource). */
  status?: DeploymentStatus;}
export type DeploymentList = TypedList<Deployment>;

// ---------------------------------------------------------------- DaemonSet

export interface RollingUpdateDaemonSet {
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
}

export interface DaemonSetUpdateStrategy {
  type?: 'RollingUpdate' | 'OnDelete';
  rollingUpdate?: RollingUpdateDaemonSet;
}

export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: DaemonSetUpdateStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: Int64;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: WorkloadCondition[];
}

export interface DaemonSet extends TypedObject {
  /** The desired state of the DaemonSet, set by its user. */
  spec?: DaemonSetSpec;
  /** The observed state of the DaemonSet, written by the system; read-only to users (except through the status subresource). */
  status?: DaemonSetStatus;}
export type DaemonSetList = TypedList<DaemonSet>;

// ---------------------------------------------------------------- StatefulSet

export interface RollingUpdateStatefulSetStrategy {
  partition?: number;
  maxUnavailable?: IntOrString;
}

export interface StatefulSetUpdateStrategy {
  type?: 'RollingUpdate' | 'OnDelete';
  rollingUpdate?: RollingUpdateStatefulSetStrategy;
}

export interface StatefulSetPersistentVolumeClaimRetentionPolicy {
  whenDeleted?: 'Retain' | 'Delete';
  whenScaled?: 'Retain' | 'Delete';
}

export interface StatefulSetSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  volumeClaimTemplates?: PersistentVolumeClaim[];
  serviceName?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: StatefulSetUpdateStrategy;
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: StatefulSetPersistentVolumeClaimRetentionPolicy;
  ordinals?: { start?: number };
}

export interface StatefulSetStatus {
  observedGeneration?: Int64;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: WorkloadCondition[];
  availableReplicas?: number;
}

export interface StatefulSet extends TypedObject {
  /** The desired state of the StatefulSet, set by its user. */
  spec?: StatefulSetSpec;
  /** The observed state of the StatefulSet, written by the system; read-only to users (except through the status subresource). */
  status?: StatefulSetStatus;}
export type StatefulSetList = TypedList<StatefulSet>;

// ---------------------------------------------------------------- ControllerRevision

export interface ControllerRevision extends TypedObject {
  /** The stored state (for DaemonSets and StatefulSets: a patch holding spec.template). */
  data?: RawExtension;
  revision: Int64;}
export type ControllerRevisionList = TypedList<ControllerRevision>;
