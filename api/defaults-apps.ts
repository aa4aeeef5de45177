// Defaulting of the apps/v1 kinds, as k8s.io/kubernetes/pkg/apis/apps/v1's
// SetDefaults_* functions (with the feature gates of 1.32: StatefulSetAutoDeletePVC
// on, MaxUnavailableStatefulSet off). apps/v1 does not default the selector or the
// object's labels from the template (extensions/v1beta1 did). Pod templates get the
// pod spec defaults of defaults.ts. In place and idempotent, like defaults.ts.

import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from './apps.js';
import type { PersistentVolumeClaim, PodTemplateSpec } from './core.js';
import { defaultPodSpec } from './defaults.js';

/** The template's pod spec defaults (a template without a spec is left for validation to refuse). */
function defaultTemplate(t: PodTemplateSpec | undefined): void {
  if (!t || typeof t !== 'object' || !t.spec || typeof t.spec !== 'object') return;
  defaultPodSpec(t.spec);
}

export function defaultDeployment(d: Deployment): void {
  if (!d.spec || typeof d.spec !== 'object') return;
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(spec.template);
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  if (!rs.spec || typeof rs.spec !== 'object') return;
  rs.spec.replicas ??= 1;
  defaultTemplate(rs.spec.template);
}

export function defaultDaemonSet(ds: DaemonSet): void {
  if (!ds.spec || typeof ds.spec !== 'object') return;
  const spec = ds.spec;
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ??= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultTemplate(spec.template);
}

export function defaultStatefulSet(ss: StatefulSet): void {
  if (!ss.spec || typeof ss.spec !== 'object') return;
  const spec = ss.spec;
  spec.podManagementPolicy ??= 'OrderedReady';
  if (spec.updateStrategy?.type === undefined) {
    spec.updateStrategy = { ...spec.updateStrategy, type: 'RollingUpdate' };
    // Only an unset type brings a rollingUpdate block with it (upstream's order).
    spec.updateStrategy.rollingUpdate ??= {};
  }
  if (spec.updateStrategy.type === 'RollingUpdate' && spec.updateStrategy.rollingUpdate) {
    spec.updateStrategy.rollingUpdate.partition ??= 0;
  }
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  for (const pvc of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) defaultClaimTemplate(pvc);
  defaultTemplate(spec.template);
}

/** SetDefaults_PersistentVolumeClaim and _Spec, as the StatefulSet's object defaulter applies them to its claim templates. */
function defaultClaimTemplate(pvc: PersistentVolumeClaim): void {
  if (!pvc || typeof pvc !== 'object') return;
  if (pvc.spec && typeof pvc.spec === 'object') pvc.spec.volumeMode ??= 'Filesystem';
  pvc.status ??= {};
  pvc.status.phase ??= 'Pending';
}
