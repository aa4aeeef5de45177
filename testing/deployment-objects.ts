// Deployments and ReplicaSets for the table-driven tests of the Deployment controller's decisions.

import type { Deployment, ReplicaSet } from '../api/apps.js';

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export function deployment(replicas: number, surge: number | string = '25%', unavailable: number | string = '25%', extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 1, annotations: {} },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v2' }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
      ...extra,
    },
  };
}

export function rs(name: string, replicas: number, available: number, opts: { revision?: number; created?: number; image?: string; actual?: number; maxReplicas?: number; desired?: number } = {}): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (opts.revision !== undefined) annotations[REVISION_ANNOTATION] = String(opts.revision);
  if (opts.maxReplicas !== undefined) annotations['deployment.kubernetes.io/max-replicas'] = String(opts.maxReplicas);
  if (opts.desired !== undefined) annotations['deployment.kubernetes.io/desired-replicas'] = String(opts.desired);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'ns', uid: `${name}-uid`, generation: 1, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, opts.created ?? 0)).toISOString(), annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': name } }, spec: { containers: [{ name: 'c', image: opts.image ?? name }] } },
    },
    status: { replicas: opts.actual ?? replicas, availableReplicas: available, readyReplicas: available, observedGeneration: 1 },
  };
}

