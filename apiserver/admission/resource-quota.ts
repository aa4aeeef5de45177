// ResourceQuota admission, as upstream's plugin: an object created in a namespace with
// quotas (or a service or claim updated to use more) is charged to every quota that
// tracks it. A quota not yet computed by the resourcequota controller (no status.hard)
// does not apply; one whose usage of a resource is unknown refuses. The charge is a
// compare-and-swap of the quota's status.used on its resourceVersion, re-checked against
// the fresh quota on conflict, so concurrent creates cannot overshoot; within this
// apiserver the charges of one namespace also queue behind each other, so a burst does
// not spend its retries on conflicts with itself. Deletes release nothing here: the
// controller recomputes usage from what exists.

import type { ResourceList } from '../../api/core.js';
import type { KubeObject } from '../../api/meta.js';
import type { ResourceQuota } from '../../api/quota.js';
import { matchingResources, podConstraintViolation, quotaMatches, usageOf, withoutZeros } from '../../api/quota-usage.js';
import { add, lessThanOrEqual, mask, prettyPrint, subtract } from '../../api/resource-list.js';
import { resourceForKind } from '../../api/resources.js';
import { forbiddenError } from '../auth/authorizer.js';
import type { Registry } from '../registry/generic.js';
import type { RequestContext } from '../registry/strategy.js';

/** Admission after the kind's own preparation; `valid` says whether the object passes validation. */
export type ValidatingAdmission = (kind: string, obj: KubeObject, ctx: RequestContext, old: KubeObject | undefined, valid: () => boolean) => Promise<void>;

/** Kinds whose updates can change their usage (upstream's evaluators that handle updates). */
const UPDATE_CHARGED = new Set(['Service', 'PersistentVolumeClaim']);
/** Never counted (upstream's ignored resources for quota). */
const IGNORED = new Set(['Event', 'LimitRange', 'Namespace', 'Binding', 'ComponentStatus', 'TokenReview', 'SubjectAccessReview', 'SelfSubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectRulesReview']);

/** The quotas a change is charged to, with the usage to add; throws upstream's 403s. */
export function planCharge(
  quotas: ResourceQuota[],
  resource: string,
  group: string,
  obj: KubeObject,
  old: KubeObject | undefined,
  forbid: (why: string) => Error,
): { charged: ResourceQuota[]; delta: ResourceList } | undefined {
  const interesting: ResourceQuota[] = [];
  for (const q of quotas) {
    if (!quotaMatches(q, resource, group, obj)) continue;
    const restricted = matchingResources(resource, group, Object.keys(q.status?.hard ?? {}));
    if (resource === 'pods' && group === '') {
      const missing = podConstraintViolation(obj, restricted);
      if (missing) throw forbid(`failed quota: ${q.metadata.name}: must specify ${missing}`);
    }
    const used = q.status?.used ?? {};
    if (restricted.some((r) => !Object.hasOwn(used, r))) throw forbid(`status unknown for quota: ${q.metadata.name}, resources: ${[...restricted].sort().join(',')}`);
    interesting.push(q);
  }
  if (interesting.length === 0) return undefined;
  let delta = usageOf(resource, group, obj);
  const negative = Object.entries(delta).filter(([, v]) => String(v).startsWith('-')).map(([k]) => k);
  if (negative.length) throw forbid(`quota usage is negative for resource(s): ${negative.sort().join(',')}`);
  if (old) {
    const prev = usageOf(resource, group, old);
    // SubtractWithNonNegativeResult: a smaller use is not a refund here (the controller recomputes).
    delta = Object.fromEntries(Object.entries(subtract(delta, mask(prev, Object.keys(delta)))).filter(([, v]) => !String(v).startsWith('-')));
  }
  delta = withoutZeros(delta);
  if (Object.keys(delta).length === 0) return undefined;
  for (const q of interesting) checkOne(q, delta, forbid);
  return { charged: interesting, delta };
}

/** The quota's new usage with `delta`, or upstream's `exceeded quota` 403. */
export function checkOne(q: ResourceQuota, delta: ResourceList, forbid: (why: string) => Error): ResourceList {
  const hard = q.status?.hard ?? {};
  const used = q.status?.used ?? {};
  const requested = mask(delta, Object.keys(hard));
  const newUsage = add(used, requested);
  const { ok, exceeded } = lessThanOrEqual(mask(newUsage, Object.keys(requested)), hard);
  if (!ok) {
    throw forbid(`exceeded quota: ${q.metadata.name}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(mask(used, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}`);
  }
  return newUsage;
}

export class ResourceQuotaAdmission {
  /** Per namespace: the tail of the charges queued in this apiserver. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly quotas: () => Registry | undefined) {}

  readonly admit: ValidatingAdmission = async (kind, obj, ctx, old, valid) => {
    if (ctx.subresource || IGNORED.has(kind)) return;
    if (old && !UPDATE_CHARGED.has(kind)) return;
    const ns = obj.metadata?.namespace;
    const reg = this.quotas();
    if (!ns || !reg) return;
    // The fast path: a namespace without quotas is one look into the watch cache.
    if ((await reg.listOwnWrites(ns)).length === 0) return;
    const info = resourceForKind(kind);
    if (!info?.namespaced) return;
    if (!valid()) return; // the registry refuses it next; nothing to charge
    const forbid = (why: string) => forbiddenError(info.group, info.resource, obj.metadata?.name ?? '', why);
    await this.serialized(ns, async () => {
      const current = (await reg.listOwnWrites(ns)) as ResourceQuota[];
      const plan = planCharge(current, info.resource, info.group, obj, old, forbid);
      if (!plan || ctx.dryRun) return;
      const qctx: RequestContext = { namespace: ns, fieldManager: 'kube-apiserver', dryRun: false };
      for (const q of plan.charged) {
        // The swap re-reads the quota (from etcd after a conflict) and checks again before writing.
        await reg.guaranteedUpdate(qctx, q.metadata.name!, (fresh) => {
          const quota = fresh as unknown as ResourceQuota;
          quota.status = { ...(quota.status ?? {}), used: checkOne(quota, plan.delta, forbid) };
          delete quota.metadata.resourceVersion; // unpinned: a lost swap is retried on the fresh quota
          return fresh;
        }, { subresource: 'status' });
      }
    });
  };

  /** Runs `fn` after the namespace's earlier charges (each charge is a read, check and swap). */
  private async serialized<T>(ns: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(ns) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(ns, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(ns) === tail) this.tails.delete(ns);
    }
  }
}
