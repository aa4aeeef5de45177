// The classic kubecfg verbs: run, resize, stop, rm, list, and the helpers the
// rolling update (rolling.ts) shares with them. stop scales a controller to 0
// and returns only once none of its pods is left running or terminating.
// A rolling update gives the old and new controllers a distinguishing
// "deployment" label; the new controller is named <rc>-<hash> and its
// annotation remembers the name the user knows it by, so `resize web`/`stop web`
// still find it afterwards.

import { createHash } from 'node:crypto';
import type { Pod, ReplicationController, Service, PodTemplateSpec, TypedObject } from '../../api/core.js';
import type { KubeObject } from '../../api/meta.js';
import { isNotFound } from '../../client/errors.js';
import type { ResourceClient } from '../../client/rest.js';
import { formatDuration, parseDuration, UsageError } from './args.js';
import { podsOf } from './rc-pods.js';
import { resolveResource, type Ctx } from './context.js';
import { getCommand, typed } from './get.js';
import { formatColumns, isTable, tableRows, toJson, toYaml } from './printers.js';

export const NAME_ANNOTATION = 'kubecfg.tskube.io/name';
export const NEXT_ANNOTATION = 'kubecfg.tskube.io/next-controller';
export const DESIRED_ANNOTATION = 'kubecfg.tskube.io/desired-replicas';
export const DEPLOYMENT_LABEL = 'deployment';

export function rcs(ctx: Ctx): ResourceClient<ReplicationController> {
  return ctx.client.replicationControllers(ctx.namespace);
}

/** Print objects the classic way: -json / -yaml (or -o), else the server's table. */
export async function show(ctx: Ctx, plural: string, typedObjs: TypedObject[]): Promise<void> {
  const objs = typedObjs as unknown as KubeObject[];
  const info = resolveResource(plural);
  const o = ctx.flags.str('output');
  if (ctx.flags.bool('json') || o === 'json' || ctx.flags.bool('yaml') || o === 'yaml') {
    const json = ctx.flags.bool('json') || o === 'json';
    for (const obj of objs) ctx.io.stdout.write(json ? toJson(typed(info, obj)) : toYaml(typed(info, obj)));
    return;
  }
  const rc = ctx.client.resourceFor(info, ctx.namespace);
  const rows: string[][] = [];
  for (const obj of objs) {
    const t = await rc.getTable(obj.metadata.name ?? '');
    if (!isTable(t)) {
      rows.push(...(rows.length ? [] : [['NAME']]), [obj.metadata.name ?? '']);
      continue;
    }
    rows.push(...tableRows(t, { wide: o === 'wide', header: rows.length === 0 }));
  }
  ctx.io.stdout.write(formatColumns(rows));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Poll until cond holds (or time runs out). */
export async function waitFor(ctx: Ctx, what: string, timeoutMs: number, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
    await sleep(200, ctx.io.signal);
  }
}

/** The RC by name, or the one a rolling update renamed it to (found by its name annotation). */
export async function resolveRc(ctx: Ctx, name: string): Promise<ReplicationController> {
  try {
    return await rcs(ctx).get(name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const list = await rcs(ctx).list();
    const found = list.items
      .filter((rc) => rc.metadata.annotations?.[NAME_ANNOTATION] === name)
      .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
    if (found[0]) return found[0];
    throw err;
  }
}

function parseReplicas(s: string | undefined): number {
  if (s === undefined || !/^\d+$/.test(s)) throw new UsageError(`replicas must be a non-negative integer, got "${s ?? ''}"`);
  return Number(s);
}

export async function runCommand(ctx: Ctx): Promise<number> {
  const [image, replicasArg, name] = ctx.args;
  if (!image || !name) throw new UsageError('usage: kubecfg run <image> <replicas> <name> [-p hostPort:containerPort] [-s [port]]');
  const replicas = parseReplicas(replicasArg);
  const labels = { name };
  const port = ctx.flags.str('port');
  let hostPort: number | undefined;
  let containerPort: number | undefined;
  if (port) {
    const m = /^(?:(\d+):)?(\d+)$/.exec(port);
    if (!m) throw new UsageError(`-p: expected hostPort:containerPort or containerPort, got "${port}"`);
    if (m[1]) hostPort = Number(m[1]);
    containerPort = Number(m[2]);
  }
  const container = {
    name: name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'main',
    image,
    ...(containerPort ? { ports: [{ containerPort, ...(hostPort ? { hostPort } : {}), protocol: 'TCP' as const }] } : {}),
  };
  const rc: ReplicationController = {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name, labels },
    spec: { replicas, selector: labels, template: { metadata: { labels }, spec: { containers: [container] } } },
  };
  const created = await rcs(ctx).create(rc);
  await show(ctx, 'replicationcontrollers', [created]);
  const svcFlag = ctx.flags.str('service');
  if (svcFlag !== undefined && svcFlag !== 'false') {
    const svcPort = /^\d+$/.test(svcFlag) ? Number(svcFlag) : (hostPort ?? containerPort ?? 80);
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { selector: labels, ports: [{ port: svcPort, targetPort: containerPort ?? svcPort, protocol: 'TCP' }] },
    };
    const s = await ctx.client.services(ctx.namespace).create(svc);
    await show(ctx, 'services', [s]);
  }
  return 0;
}

export async function resizeCommand(ctx: Ctx): Promise<number> {
  const [name, n] = ctx.args;
  if (!name) throw new UsageError('usage: kubecfg resize <rc> <replicas>');
  const replicas = parseReplicas(n);
  const rc = await resolveRc(ctx, name);
  await rcs(ctx).scale(rc.metadata.name!, replicas);
  await show(ctx, 'replicationcontrollers', [await rcs(ctx).get(rc.metadata.name!)]);
  return 0;
}

export async function stopCommand(ctx: Ctx): Promise<number> {
  const [name] = ctx.args;
  if (!name) throw new UsageError('usage: kubecfg stop <rc> [--timeout 5m]');
  const rc = await resolveRc(ctx, name);
  const rcName = rc.metadata.name!;
  await rcs(ctx).scale(rcName, 0);
  const timeout = parseDuration(ctx.flags.str('timeout') ?? '5m');
  let last = rc;
  let left: Pod[] = [];
  try {
    // Scaled to 0 is not stopped: the pods' containers run until the kubelet has killed them and
    // the pods are gone (a pod of a node that is down stays Terminating until it is collected).
    await waitFor(ctx, `replicationcontroller "${rcName}" to have no pods`, timeout, async () => {
      last = await rcs(ctx).get(rcName);
      // Pods that finished (Succeeded/Failed, e.g. evicted) run nothing, and the controller never deletes them.
      left = (await podsOf(ctx, last)).filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      return left.length === 0 && (last.status?.replicas ?? 0) === 0 && (last.status?.observedGeneration ?? 0) >= (last.metadata.generation ?? 0);
    });
  } catch (err) {
    if (ctx.io.signal?.aborted || !(err instanceof Error) || !err.message.startsWith('timed out')) throw err;
    const names = left.slice(0, 5).map((p) => `${p.metadata.name} (${p.metadata.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Pending')})`);
    throw new Error(`timed out after ${formatDuration(timeout)} waiting for the pods of replicationcontroller "${rcName}" to go: ${left.length} left: ${names.join(', ')}${left.length > 5 ? ', ...' : ''}`);
  }
  await show(ctx, 'replicationcontrollers', [last]);
  return 0;
}

export async function rmCommand(ctx: Ctx): Promise<number> {
  const [name] = ctx.args;
  if (!name) throw new UsageError('usage: kubecfg rm <rc>');
  const rc = await resolveRc(ctx, name);
  await rcs(ctx).delete(rc.metadata.name!, { propagationPolicy: 'Background' });
  ctx.io.stdout.write(`replicationcontroller "${rc.metadata.name}" deleted\n`);
  return 0;
}

/** A short, stable hash of a pod template (without our deployment label). */
export function templateHash(t: PodTemplateSpec | undefined): string {
  const clone = JSON.parse(JSON.stringify(t ?? {})) as PodTemplateSpec;
  if (clone.metadata?.labels) delete clone.metadata.labels[DEPLOYMENT_LABEL];
  return createHash('sha256').update(stableJson(clone)).digest('hex').slice(0, 10);
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

/** Give the old RC a deployment label in template, pods and selector, so the new RC's pods are not its own. */
export async function addDeploymentKey(ctx: Ctx, old: ReplicationController): Promise<ReplicationController> {
  if (old.spec?.selector?.[DEPLOYMENT_LABEL]) return old;
  const hash = templateHash(old.spec?.template);
  const client = rcs(ctx);
  const name = old.metadata.name!;
  // Merge patches, not updates: the replication manager writes the controller's status all the
  // time, and an update from a copy read a moment ago would fail with a conflict.
  // 1. Template first, so pods it creates from now on carry the label.
  await client.patch(name, { spec: { template: { metadata: { labels: { [DEPLOYMENT_LABEL]: hash } } } } }, 'merge');
  // 2. Existing pods.
  const selector = Object.entries(old.spec?.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await ctx.client.pods(ctx.namespace).list({ labelSelector: selector });
  for (const p of pods.items) {
    if (p.metadata.labels?.[DEPLOYMENT_LABEL] === hash) continue;
    await ctx.client.pods(ctx.namespace).patch(p.metadata.name!, { metadata: { labels: { [DEPLOYMENT_LABEL]: hash } } }, 'merge');
  }
  // 3. Then the selector.
  return client.patch(name, { spec: { selector: { [DEPLOYMENT_LABEL]: hash } } }, 'merge');
}

const LIST_TYPES: Record<string, string> = {
  minions: 'nodes',
  pods: 'pods',
  replicationcontrollers: 'replicationcontrollers',
  services: 'services',
};

export async function listCommand(ctx: Ctx): Promise<number> {
  const [what, ...rest] = ctx.args;
  const plural = what ? LIST_TYPES[what.toLowerCase()] : undefined;
  if (!plural) throw new UsageError('usage: kubecfg list minions|pods|replicationControllers|services');
  return getCommand({ ...ctx, args: [plural, ...rest] });
}
