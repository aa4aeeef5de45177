// The pod a Job creates from its template (upstream job controller + GetPodFromTemplate): owned by
// the Job (controller: true), carrying the job-tracking finalizer so the controller counts it before
// it can vanish, and for Indexed jobs the completion index as annotation and label, the hostname
// <job>-<index>, and JOB_COMPLETION_INDEX in every container through the downward API.

import type { Job } from '../api/batch.js';
import type { Container, Pod } from '../api/core.js';
import type { OwnerReference } from '../api/meta.js';
import { JOB_COMPLETION_INDEX, JOB_COMPLETION_INDEX_ENV, JOB_TRACKING_FINALIZER } from './job-logic.js';

export function jobOwnerRef(job: Job): OwnerReference {
  return { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata?.name ?? '', uid: job.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function withIndexEnv(c: Container): Container {
  if (c.env?.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return c;
  return { ...c, env: [...(c.env ?? []), { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } }] };
}

export function podForJob(job: Job, index?: number): Pod {
  const tmpl = structuredClone(job.spec?.template ?? {});
  const name = job.metadata?.name ?? '';
  const labels = { ...(tmpl.metadata?.labels ?? {}) };
  const annotations = { ...(tmpl.metadata?.annotations ?? {}) };
  const spec = tmpl.spec ?? { containers: [] };
  if (index !== undefined) {
    annotations[JOB_COMPLETION_INDEX] = String(index);
    labels[JOB_COMPLETION_INDEX] = String(index);
    // Upstream: the hostname is <job>-<index> unless the template sets one.
    spec.hostname ??= `${name}-${index}`;
    spec.containers = spec.containers.map(withIndexEnv);
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(withIndexEnv);
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index !== undefined ? `${name}-${index}-` : `${name}-`,
      namespace: job.metadata?.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [jobOwnerRef(job)],
      finalizers: [JOB_TRACKING_FINALIZER],
    },
    spec,
  };
}
