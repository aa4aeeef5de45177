// The scale subresource (autoscaling/v1 Scale) of replication controllers and of
// the apps/v1 Deployments, ReplicaSets and StatefulSets.

import type { KubeObject } from '../../api/meta.js';
import { labelSelectorMatcher, selectorFromSet } from '../../api/selectors.js';
import { badRequest, conflict } from '../errors.js';
import type { Registry } from './generic.js';
import type { RequestContext } from './strategy.js';
import type { ResourceInfo } from '../../api/resources.js';
import { customScaleOf, setCustomReplicas } from './custom-scale.js';

export interface Scale extends KubeObject {
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

/**
 * Scale.status.selector: the label selector as a string (an RC's selector is a label
 * map; the apps kinds' is a LabelSelector, "" when it does not convert).
 */
function selectorString(kind: string | undefined, selector: unknown): string {
  if (kind === 'ReplicationController') return selectorFromSet(selector as Record<string, string> | undefined).toString();
  if (!selector || typeof selector !== 'object') return '';
  try {
    return labelSelectorMatcher(selector).toString();
  } catch {
    return '';
  }
}

export function scaleOf(rc: KubeObject, kind = rc.kind, custom?: ResourceInfo): Scale {
  if (custom?.custom?.scale) return customScaleOf(rc, custom.custom.scale);
  const spec = (rc.spec ?? {}) as { replicas?: number; selector?: unknown };
  const status = (rc.status ?? {}) as { replicas?: number };
  const m = rc.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: {
      replicas: status.replicas ?? 0,
      selector: selectorString(kind, spec.selector),
    },
  };
}

/** Writes a Scale back: only spec.replicas changes; resourceVersion in the Scale is a precondition. */
export async function updateScale(
  reg: Registry,
  ctx: RequestContext,
  name: string,
  compute: (current: Scale) => Scale | Promise<Scale>,
): Promise<Scale> {
  const res = await reg.guaranteedUpdate(ctx, name, async (cur) => {
    const next = await compute(scaleOf(cur, reg.info.kind, reg.info));
    const replicas = next?.spec?.replicas;
    // int32, as autoscaling/v1 Scale.spec.replicas (the decode check normally refuses larger ones first).
    if (replicas === undefined || !Number.isInteger(replicas) || replicas < 0 || replicas > 2147483647) {
      throw badRequest('spec.replicas must be a non-negative integer');
    }
    if (next.metadata?.name && next.metadata.name !== name) throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    const rv = next.metadata?.resourceVersion;
    if (rv && rv !== cur.metadata.resourceVersion) {
      throw conflict(reg.target(name), 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const customScale = reg.info.custom?.scale;
    if (customScale) setCustomReplicas(cur, customScale, replicas);
    else (cur.spec as { replicas?: number }).replicas = replicas;
    if (!rv) delete cur.metadata.resourceVersion;
    return cur;
  });
  return scaleOf(res.object, reg.info.kind, reg.info);
}
