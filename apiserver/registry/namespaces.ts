// Namespaces: the gate that refuses objects in missing or terminating namespaces,
// two-phase deletion (Terminating until the namespace controller empties it and
// calls /finalize), and the namespaces that may never be deleted.

import type { Namespace } from '../../api/core.js';
import type { ResourceInfo } from '../../api/resources.js';
import { StorageError } from '../storage/interface.js';
import { ApiError, forbidden, fromStorage } from '../errors.js';
import type { NamespaceGate, Registry } from './generic.js';
import type { DeleteOptions, RequestContext, Strategy } from './strategy.js';
import { defaultStrategy } from './strategy.js';

export const PROTECTED_NAMESPACES = ['default', 'kube-system', 'kube-public'];

export function namespaceStrategy(info: ResourceInfo): Strategy<Namespace> {
  return defaultStrategy<Namespace>(info, {
    prepareForCreate(ns) {
      ns.status = { phase: 'Active' };
      ns.spec = { finalizers: ['kubernetes'] };
      // Kubernetes labels every namespace with its own name.
      ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name ?? '' };
    },
    prepareForUpdate(ns, old) {
      // spec.finalizers changes only through /finalize.
      ns.spec = structuredClone(old.spec);
      ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name ?? '' };
    },
  });
}

export class NamespaceRegistryGate implements NamespaceGate {
  constructor(private readonly namespaces: Registry) {}

  async check(namespace: string): Promise<void> {
    let ns: Namespace;
    try {
      // The watch cache first (cheap); a miss may just be a namespace created a moment ago.
      ns = await this.namespaces.get(undefined, namespace, '0');
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
      ns = await this.namespaces.get(undefined, namespace);
    }
    if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
      const e = forbidden({ resource: 'namespaces', name: namespace }, `unable to create new content in namespace ${namespace} because it is being terminated`);
      throw new ApiError(403, 'Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`, {
        ...e.details,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }
}

/** DELETE namespaces/<name>: mark Terminating while finalizers remain; remove once none do. */
export async function deleteNamespace(reg: Registry, ctx: RequestContext, name: string, opts: DeleteOptions) {
  if (PROTECTED_NAMESPACES.includes(name)) {
    throw forbidden({ resource: 'namespaces', name }, 'this namespace may not be deleted');
  }
  let current: Namespace;
  try {
    current = await reg.get(undefined, name);
  } catch (err) {
    throw err instanceof StorageError ? fromStorage(err, reg.target(name)) : err;
  }
  if (!current.spec?.finalizers?.length) return reg.delete(ctx, name, opts);
  const res = await reg.guaranteedUpdate(ctx, name, (cur) => {
    const ns: Namespace = cur;
    ns.metadata.deletionTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    ns.metadata.deletionGracePeriodSeconds ??= 0;
    ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
    return cur;
  }, { subresource: 'finalize' });
  return { object: res.object, finished: false };
}

/** PUT namespaces/<name>/finalize: replace spec.finalizers; a terminating namespace left with none is removed. */
export async function finalizeNamespace(reg: Registry, ctx: RequestContext, name: string, body: Namespace) {
  const wanted = body?.spec?.finalizers ?? [];
  const res = await reg.guaranteedUpdate(ctx, name, (cur) => {
    const ns: Namespace = cur;
    if (body?.metadata?.resourceVersion) ns.metadata.resourceVersion = body.metadata.resourceVersion;
    else delete ns.metadata.resourceVersion;
    ns.spec = { ...(ns.spec ?? {}), finalizers: [...wanted] };
    return cur;
  }, { subresource: 'finalize' });
  const ns: Namespace = res.object;
  if (ns.metadata.deletionTimestamp && !ns.spec?.finalizers?.length && !ns.metadata.finalizers?.length) {
    try {
      return (await reg.delete(ctx, name, {})).object;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
  return res.object;
}


