// `kubecfg create|apply|delete|describe`.

import type { Event } from '../../api/core.js';
import type { KubeObject } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { ApiError, isNotFound } from '../../client/errors.js';
import type { DeleteOptions } from '../../client/rest.js';
import { UsageError } from './args.js';
import { errorText, rcFor, refName, resourceOfObject, type Ctx } from './context.js';
import { describeObject } from './describe.js';
import { outputFormat, parseTargets, printObjects } from './get.js';
import { readManifests } from './objects.js';

async function manifests(ctx: Ctx): Promise<KubeObject[]> {
  const files = ctx.flags.all('filename');
  if (files.length === 0) throw new UsageError('must specify one of -f and -k');
  return (await readManifests(files, ctx.io.stdin, ctx.flags.bool('recursive'))).map((s) => s.object);
}

/** The namespace an object from a file goes to; a -n that contradicts the file is an error, as in kubectl. */
function namespaceFor(ctx: Ctx, info: ResourceInfo, obj: KubeObject): string | undefined {
  if (!info.namespaced) return undefined;
  const own = obj.metadata.namespace;
  if (own && ctx.flags.has('namespace') && own !== ctx.namespace) {
    throw new UsageError(`the namespace from the provided object "${own}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${own}' to perform this operation.`);
  }
  return own ?? ctx.namespace;
}

/** Run fn on each object, printing errors as they come; the exit code is 1 if any failed. */
async function eachObject(ctx: Ctx, objs: KubeObject[], fn: (obj: KubeObject, info: ResourceInfo, ns: string | undefined) => Promise<void>): Promise<number> {
  let rc = 0;
  for (const obj of objs) {
    try {
      const info = resourceOfObject(obj);
      await fn(obj, info, namespaceFor(ctx, info, obj));
    } catch (err) {
      ctx.io.stderr.write(errorText(err) + '\n');
      rc = 1;
    }
  }
  return rc;
}

export async function createCommand(ctx: Ctx): Promise<number> {
  const fmt = ctx.flags.has('output') || ctx.flags.bool('json') || ctx.flags.bool('yaml') ? outputFormat(ctx) : undefined;
  return eachObject(ctx, await manifests(ctx), async (obj, info, ns) => {
    const created = await rcFor(ctx, info, ns).create(obj);
    if (fmt === 'json' || fmt === 'yaml' || fmt === 'name') printObjects(ctx, fmt, [{ info, obj: created }], true);
    else ctx.io.stdout.write(`${refName(info, created.metadata.name ?? '')} created\n`);
  });
}

export async function applyCommand(ctx: Ctx): Promise<number> {
  const fieldManager = ctx.flags.str('field-manager') ?? 'kubecfg';
  const force = ctx.flags.bool('force-conflicts');
  const fmt = ctx.flags.has('output') || ctx.flags.bool('json') || ctx.flags.bool('yaml') ? outputFormat(ctx) : undefined;
  return eachObject(ctx, await manifests(ctx), async (obj, info, ns) => {
    if (!obj.metadata.name) throw new UsageError(`${info.kind}: apply needs metadata.name (generateName is not enough)`);
    const body = { ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } };
    const applied = await rcFor(ctx, info, ns).apply(body, { fieldManager, force });
    if (fmt === 'json' || fmt === 'yaml' || fmt === 'name') printObjects(ctx, fmt, [{ info, obj: applied }], true);
    else ctx.io.stdout.write(`${refName(info, applied.metadata.name ?? '')} serverside-applied\n`);
  });
}

export function deleteOptions(ctx: Ctx): DeleteOptions {
  const o: DeleteOptions = {};
  const grace = ctx.flags.int('grace-period');
  if (grace !== undefined && grace >= 0) o.gracePeriodSeconds = grace;
  if (ctx.flags.bool('now')) o.gracePeriodSeconds = 1;
  if (ctx.flags.bool('force') && o.gracePeriodSeconds === undefined) o.gracePeriodSeconds = 0;
  const cascade = (ctx.flags.str('cascade') ?? 'background').toLowerCase();
  const policy = ({ background: 'Background', true: 'Background', foreground: 'Foreground', orphan: 'Orphan', false: 'Orphan' } as const)[cascade as 'background'];
  if (!policy) throw new UsageError(`invalid --cascade "${cascade}": use background, foreground or orphan`);
  o.propagationPolicy = policy;
  return o;
}

export async function deleteCommand(ctx: Ctx): Promise<number> {
  const opts = deleteOptions(ctx);
  const ignoreNotFound = ctx.flags.bool('ignore-not-found');
  const del = async (info: ResourceInfo, ns: string | undefined, name: string): Promise<void> => {
    try {
      await rcFor(ctx, info, ns).delete(name, opts);
      ctx.io.stdout.write(`${info.singular} "${name}" deleted\n`);
    } catch (err) {
      if (ignoreNotFound && isNotFound(err)) return;
      throw err;
    }
  };
  if (ctx.flags.all('filename').length) {
    return eachObject(ctx, await manifests(ctx), (obj, info, ns) => del(info, ns, obj.metadata.name ?? ''));
  }
  const targets = parseTargets(ctx.args);
  const selector = ctx.flags.str('selector');
  const fieldSelector = ctx.flags.str('field-selector');
  let code = 0;
  for (const { info, names } of targets) {
    let victims: { ns: string | undefined; name: string }[] = names.map((name) => ({ ns: undefined, name }));
    if (names.length === 0) {
      if (!selector && !fieldSelector && !ctx.flags.bool('all')) throw new UsageError('resource(s) were provided, but no name was specified (use a name, -l, or --all)');
      const list = await rcFor(ctx, info, undefined, true).listAll({ ...(selector ? { labelSelector: selector } : {}), ...(fieldSelector ? { fieldSelector } : {}) });
      victims = list.items.map((o) => ({ ns: o.metadata.namespace, name: o.metadata.name ?? '' }));
      if (victims.length === 0) ctx.io.stderr.write('No resources found\n');
    }
    for (const v of victims) {
      try {
        await del(info, v.ns, v.name);
      } catch (err) {
        ctx.io.stderr.write(errorText(err) + '\n');
        code = 1;
      }
    }
  }
  return code;
}

/** The object's events: a field-selected list, or (if the server does not index those fields) a filtered one. */
export async function eventsFor(ctx: Ctx, obj: KubeObject, kind: string): Promise<Event[]> {
  const ns = obj.metadata.namespace ?? 'default';
  const events = ctx.client.events(ns);
  const name = obj.metadata.name ?? '';
  const matches = (e: Event): boolean =>
    e.involvedObject?.name === name && (!e.involvedObject.kind || e.involvedObject.kind === kind) && (!obj.metadata.uid || !e.involvedObject.uid || e.involvedObject.uid === obj.metadata.uid);
  try {
    const fs = `involvedObject.name=${name},involvedObject.namespace=${ns},involvedObject.kind=${kind}`;
    return (await events.list({ fieldSelector: fs })).items.filter(matches);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 400) throw err;
    return (await events.list()).items.filter(matches);
  }
}

export async function describeCommand(ctx: Ctx): Promise<number> {
  const targets = parseTargets(ctx.args);
  const selector = ctx.flags.str('selector');
  let code = 0;
  let first = true;
  for (const { info, names } of targets) {
    const rc = rcFor(ctx, info, undefined, names.length === 0);
    let objs: KubeObject[] = [];
    if (names.length === 0) objs = (await rc.listAll(selector ? { labelSelector: selector } : {})).items;
    for (const n of names) {
      try {
        objs.push(await rc.get(n));
      } catch (err) {
        ctx.io.stderr.write(errorText(err) + '\n');
        code = 1;
      }
    }
    for (const obj of objs) {
      if (!first) ctx.io.stdout.write('\n\n');
      first = false;
      let events: Event[] | undefined;
      try {
        events = await eventsFor(ctx, obj, info.kind);
      } catch {
        events = undefined; // events are a courtesy; the object itself was described
      }
      ctx.io.stdout.write(describeObject(obj, events));
    }
  }
  return code;
}
