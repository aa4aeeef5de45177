// Pod Security Admission: a namespace's pod-security.kubernetes.io labels (or the cluster
// default) decide the level pods there must meet. Enforce refuses a pod (403); warn answers
// Warning headers; workload resources (pod templates) only ever get warnings, as upstream.

import type { KubeObject } from '../../api/meta.js';
import { checkPod, describeViolations, policyOf, type Level } from '../../api/pod-security.js';
import type { PodSpec } from '../../api/core.js';
import { forbiddenError } from '../auth/authorizer.js';
import type { Registry } from '../registry/generic.js';
import type { RequestContext } from '../registry/strategy.js';

/** The pod template of a workload kind, if it has one. */
function templateOf(kind: string, obj: KubeObject): { metadata?: { annotations?: Record<string, string> }; spec?: PodSpec } | undefined {
  const spec = obj.spec as { template?: unknown; jobTemplate?: { spec?: { template?: unknown } } } | undefined;
  if (!spec || typeof spec !== 'object') return undefined;
  const t = kind === 'CronJob' ? spec.jobTemplate?.spec?.template : spec.template;
  return t && typeof t === 'object' ? (t) : undefined;
}

const WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'ReplicationController', 'Job', 'CronJob']);

export type Admission = (kind: string, obj: KubeObject, ctx: RequestContext, old?: KubeObject) => Promise<void>;

export function podSecurityAdmission(namespaces: Registry, defaultLevel: Level): Admission {
  const labelsOf = async (ns: string): Promise<Record<string, string> | undefined> => {
    try {
      return (await namespaces.get(undefined, ns)).metadata.labels;
    } catch {
      return undefined; // the namespace gate answers a missing namespace
    }
  };
  return async (kind, obj, ctx, old) => {
    const isPod = kind === 'Pod';
    if (!isPod && !WORKLOADS.has(kind)) return;
    if (isPod && old) return; // pod updates cannot change what these checks look at (spec is immutable but images)
    const ns = obj.metadata?.namespace;
    if (!ns) return;
    const labels = await labelsOf(ns);
    const pod = isPod ? (obj as { metadata?: { annotations?: Record<string, string> }; spec?: PodSpec }) : templateOf(kind, obj);
    if (!pod) return;
    const enforce = policyOf(labels, 'enforce', defaultLevel);
    const enforced = checkPod(enforce.level, pod);
    if (enforced.length) {
      const text = describeViolations(enforce.level, enforce.version, enforced);
      if (isPod) throw forbiddenError('', 'pods', obj.metadata?.name ?? '', `violates ${text}`);
      (ctx.warnings ??= []).push(`would violate ${text}`);
    }
    const warn = policyOf(labels, 'warn', defaultLevel);
    if (warn.level === enforce.level && warn.version === enforce.version) return;
    const warned = checkPod(warn.level, pod);
    if (warned.length) (ctx.warnings ??= []).push(`would violate ${describeViolations(warn.level, warn.version, warned)}`);
  };
}
