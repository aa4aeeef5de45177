// The storage.k8s.io/v1 StorageClass (field names and shapes as k8s.io/api/storage/v1).

import type { TypedList, TypedObject } from './core.js';

export interface TopologySelectorTerm {
  matchLabelExpressions?: { key: string; values: string[] }[];
}

export interface StorageClass extends TypedObject {
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: 'Retain' | 'Delete';
  mountOptions?: string[];
  allowVolumeExpansion?: boolean;
  volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  allowedTopologies?: TopologySelectorTerm[];}
export type StorageClassList = TypedList<StorageClass>;

/** The annotation that makes a StorageClass the default for claims that name none. */
export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
