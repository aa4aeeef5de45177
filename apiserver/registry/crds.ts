// CustomResourceDefinitions' registry hooks (upstream's customresourcedefinition strategy and
// REST): status reset on create with the storage version recorded in status.storedVersions,
// a new storage version added there on update, generation on spec changes; and DELETE, which
// marks the CRD Terminating and adds the customresourcecleanup finalizer, so its custom
// resources are deleted (by the CRD controller) before it goes.

import type { CustomResourceDefinition, CustomResourceDefinitionCondition } from '../../api/apiextensions.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { Registry } from './generic.js';
import { defaultStrategy, type DeleteOptions, type RequestContext, type Strategy } from './strategy.js';
import { nowSeconds } from './generic.js';

export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

function storageVersionOf(crd: CustomResourceDefinition): string | undefined {
  return (Array.isArray(crd.spec?.versions) ? crd.spec.versions : []).find((v) => v?.storage === true)?.name;
}

export function crdStrategy(info: ResourceInfo): Strategy<CustomResourceDefinition> {
  return defaultStrategy<CustomResourceDefinition>(info, {
    tracksGeneration: true,
    prepareForCreate(crd) {
      const sv = storageVersionOf(crd);
      crd.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: sv ? [sv] : [] };
    },
    prepareForUpdate(crd) {
      const sv = storageVersionOf(crd);
      const stored = crd.status?.storedVersions ?? [];
      if (sv && !stored.includes(sv)) crd.status = { ...(crd.status ?? {}), storedVersions: [...stored, sv] };
    },
  });
}

/** Sets (or replaces) the condition of its type; lastTransitionTime moves only when the status does. */
export function setCondition(conds: CustomResourceDefinitionCondition[], c: CustomResourceDefinitionCondition): CustomResourceDefinitionCondition[] {
  const old = conds.find((x) => x.type === c.type);
  const next = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : nowSeconds() };
  return old ? conds.map((x) => (x.type === c.type ? next : x)) : [...conds, next];
}

/** DELETE customresourcedefinitions/<name>: the first request marks it; the finalizer does the rest. */
export async function deleteCRD(reg: Registry, ctx: RequestContext, name: string, opts: DeleteOptions) {
  const current = (await reg.get(undefined, name)) as unknown as CustomResourceDefinition;
  if (current.metadata.deletionTimestamp) return reg.delete(ctx, name, opts);
  if (opts.preconditions?.uid && opts.preconditions.uid !== current.metadata.uid) return reg.delete(ctx, name, opts);
  const res = await reg.guaranteedUpdate(ctx, name, (cur) => {
    const crd = cur as unknown as CustomResourceDefinition;
    crd.metadata.deletionTimestamp ??= nowSeconds();
    crd.metadata.deletionGracePeriodSeconds ??= 0;
    if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) crd.metadata.finalizers = [...(crd.metadata.finalizers ?? []), CLEANUP_FINALIZER];
    crd.status = {
      ...(crd.status ?? {}),
      conditions: setCondition(crd.status?.conditions ?? [], {
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionPending',
        message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
      }),
    };
    return cur;
  }, { subresource: 'finalize' });
  return { object: res.object, finished: false };
}
