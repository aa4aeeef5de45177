// pods/<name>/eviction and the PodDisruptionBudget registry hooks, as upstream's
// EvictionREST (pkg/registry/core/pod/storage/eviction.go): a pod that cannot count
// towards a budget (terminal, pending, already being deleted) or that no budget
// selects is deleted at once; otherwise its one budget must allow a disruption,
// which is taken from status.disruptionsAllowed and recorded in status.disruptedPods
// (so the disruption controller does not count the pod while it goes) before the pod
// gets its DisruptionTarget condition and is deleted with the eviction's options.

import type { Pod, TypedObject } from '../../api/core.js';
import type { KubeObject, StatusCause } from '../../api/meta.js';
import { DISRUPTION_ALLOWED, DISRUPTION_BUDGET_CAUSE, INSUFFICIENT_PODS, type Eviction, type PodDisruptionBudget } from '../../api/policy.js';
import type { ResourceInfo } from '../../api/resources.js';
import { labelSelectorMatcher } from '../../api/selectors.js';
import { validateEviction } from '../../api/validation-policy.js';
import { ApiError, badRequest, forbidden, invalid } from '../errors.js';
import type { Registries } from './index.js';
import { defaultStrategy, type DeleteOptions, type RequestContext, type Strategy } from './strategy.js';

/** Upstream's MaxDisruptedPodSize: more unconfirmed evictions than this and the budget refuses. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

/** PodDisruptionBudget: generation tracks spec, a create starts from the zero status. */
export function podDisruptionBudgetStrategy(info: ResourceInfo): Strategy<TypedObject & { status?: unknown }> {
  return defaultStrategy<TypedObject & { status?: unknown }>(info, {
    tracksGeneration: true,
    prepareForCreate(obj) {
      obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    },
  });
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** canIgnorePDB: pods that never count towards a budget. */
function canIgnorePDB(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!p.metadata.deletionTimestamp;
}

/** shouldEnforceResourceVersion: a live pod is deleted only as it was judged (it may become ready meanwhile). */
function shouldEnforceResourceVersion(p: Pod): boolean {
  const phase = p.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || p.metadata.deletionTimestamp);
}

function tooManyRequests(cause: string): ApiError {
  const causes: StatusCause[] = [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }];
  return new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { causes });
}

/**
 * checkAndDecrement's decision on the budget as read: the error refusing the eviction, or the
 * budget's new status (one disruption fewer, the pod recorded as disrupted).
 */
export function takeDisruption(pdb: PodDisruptionBudget, podName: string, now: Date): PodDisruptionBudget {
  const st = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  const name = pdb.metadata.name ?? '';
  if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
  const target = { resource: 'poddisruptionbudget', group: 'policy', name };
  if (st.disruptionsAllowed < 0) throw forbidden(target, 'pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) throw forbidden(target, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (st.disruptionsAllowed === 0) throw tooManyRequests(`The disruption budget ${name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`);
  const next: PodDisruptionBudget = { ...pdb, status: { ...st, disruptionsAllowed: st.disruptionsAllowed - 1, disruptedPods: { ...st.disruptedPods, [podName]: now.toISOString().replace(/\.\d+Z$/, 'Z') } } };
  if (next.status!.disruptionsAllowed === 0) {
    const conds = (st.conditions ?? []).filter((c) => c.type !== DISRUPTION_ALLOWED);
    const old = st.conditions?.find((c) => c.type === DISRUPTION_ALLOWED);
    conds.push({
      type: DISRUPTION_ALLOWED,
      status: 'False',
      reason: INSUFFICIENT_PODS,
      message: '',
      observedGeneration: st.observedGeneration,
      lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : next.status!.disruptedPods![podName],
    });
    next.status!.conditions = conds;
  }
  return next;
}

/** The budgets selecting a pod (policy/v1: an empty selector selects every pod of the namespace, a missing one none). */
export function budgetsFor(pod: Pod, pdbs: PodDisruptionBudget[]): PodDisruptionBudget[] {
  return pdbs.filter((b) => {
    try {
      return labelSelectorMatcher(b.spec?.selector).matches(pod.metadata.labels ?? {});
    } catch {
      return false;
    }
  });
}

function deleteOptionsOf(ev: Eviction): DeleteOptions {
  const d = ev.deleteOptions ?? {};
  const o: DeleteOptions = {};
  if (typeof d.gracePeriodSeconds === 'number') o.gracePeriodSeconds = Math.max(0, d.gracePeriodSeconds);
  if (d.propagationPolicy) o.propagationPolicy = d.propagationPolicy as DeleteOptions['propagationPolicy'];
  if (typeof d.orphanDependents === 'boolean') o.orphanDependents = d.orphanDependents;
  if (d.preconditions && (d.preconditions.uid || d.preconditions.resourceVersion)) o.preconditions = { ...d.preconditions };
  return o;
}

/** POST pods/<name>/eviction. Resolves once the pod's deletion has been written (or checked, on a dry run). */
export async function evictPod(reg: Registries, ctx: RequestContext, name: string, body: unknown): Promise<void> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of an eviction must be an Eviction object');
  const ev = body as Eviction;
  if (ev.kind !== undefined && ev.kind !== 'Eviction') throw badRequest(`expected Eviction in the request body, got ${String(ev.kind)}`);
  if (ev.metadata?.name !== undefined && ev.metadata.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const causes = validateEviction(ev);
  if (causes.length) throw invalid({ resource: 'evictions', kind: 'Eviction', group: 'policy', name }, causes);
  const dryRun = ctx.dryRun || (ev.deleteOptions?.dryRun ?? []).includes('All');
  const c: RequestContext = { ...ctx, dryRun };
  const pods = reg.byResource.get('pods')!;
  const pdbReg = reg.get('policy', 'poddisruptionbudgets')!;
  const opts = deleteOptionsOf(ev);
  const pod = (await pods.get(ctx.namespace, name)) as Pod;
  const enforceRV = shouldEnforceResourceVersion(pod) && !opts.preconditions?.resourceVersion;

  const deleteNow = async (withCondition: boolean) => {
    let rv = pod.metadata.resourceVersion;
    if (withCondition && !dryRun) rv = (await addDisruptionCondition(reg, c, pod)) ?? rv;
    const o = enforceRV ? { ...opts, preconditions: { ...opts.preconditions, resourceVersion: rv } } : opts;
    await pods.delete(c, name, o);
  };
  if (canIgnorePDB(pod)) return deleteNow(false);
  const all = (await pdbReg.list(ctx.namespace)).items as PodDisruptionBudget[];
  const pdbs = budgetsFor(pod, all);
  if (pdbs.length > 1) throw new ApiError(500, 'InternalError', 'Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  if (pdbs.length === 0) return deleteNow(true);
  const pdb = pdbs[0];
  if (!isReady(pod)) {
    const policy = pdb.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
    const st = pdb.status;
    // An unready pod does not count as healthy: taking it leaves the budget as it is.
    if (policy === 'AlwaysAllow' || (st && st.currentHealthy >= st.desiredHealthy && st.desiredHealthy > 0)) return deleteNow(true);
  }
  if (dryRun) takeDisruption(pdb, name, new Date());
  else await pdbReg.guaranteedUpdate({ ...c, dryRun: false }, pdb.metadata.name!, (cur) => takeDisruption(cur, name, new Date()) as unknown as KubeObject, { subresource: 'status' });
  await deleteNow(true);
}

/** The DisruptionTarget condition (EvictionByEvictionAPI) on the pod before it is deleted; the new resourceVersion. */
async function addDisruptionCondition(reg: Registries, ctx: RequestContext, pod: Pod): Promise<string | undefined> {
  const pods = reg.byResource.get('pods')!;
  const { object } = await pods.guaranteedUpdate(ctx, pod.metadata.name!, (cur) => {
    const p = cur as Pod;
    const conds = p.status?.conditions ?? [];
    const old = conds.find((x) => x.type === 'DisruptionTarget');
    if (old?.status === 'True') return cur;
    const cond = { type: 'DisruptionTarget', status: 'True' as const, reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    p.status = { ...p.status, conditions: [...conds.filter((x) => x.type !== 'DisruptionTarget'), cond] };
    // Decided on this version of the pod: a change since (it became ready, say) fails the write.
    p.metadata.resourceVersion = pod.metadata.resourceVersion;
    return p as unknown as KubeObject;
  }, { subresource: 'status' });
  return object.metadata.resourceVersion;
}
