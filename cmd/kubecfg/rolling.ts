// `kubecfg rollingupdate RC --image IMG`, as kubectl rolling-update did it with
// maxSurge 1 and maxUnavailable 0: the old controller's pods, template and
// selector get a "deployment" label first, a new controller <rc>-<hash> is
// created at 0, then step by step the new one is scaled up by one, its pods
// must all be Ready (for the RC's minReadySeconds) before the old one is scaled
// down by one, so as many pods as wanted serve all along. "Update succeeded" is
// printed only when every new pod is Ready. When a step makes no progress for
// --timeout (5m), the update is rolled back (the old controller scaled back up,
// the new one scaled to 0 and deleted) and the command fails, saying which new
// pods were not Ready and why. An update interrupted otherwise (Ctrl-C, a lost
// connection) resumes with the same command.

import type { PodTemplateSpec, ReplicationController } from '../../api/core.js';
import { isNotFound } from '../../client/errors.js';
import { formatDuration, parseDuration, UsageError } from './args.js';
import { addDeploymentKey, DEPLOYMENT_LABEL, DESIRED_ANNOTATION, NAME_ANNOTATION, NEXT_ANNOTATION, rcs, resolveRc, sleep, templateHash } from './classic.js';
import type { Ctx } from './context.js';
import { isPodAvailable, notReadyReason, podsOf } from './rc-pods.js';

/** A step of the update made no progress in time. */
class NotReadyInTime extends Error {}

const POLL_MS = 500;

/** Wait until the controller has at least `want` available pods; NotReadyInTime with the reasons when it does not. */
async function waitAvailable(ctx: Ctx, name: string, want: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rc = await rcs(ctx).get(name);
    const pods = await podsOf(ctx, rc);
    const mrs = rc.spec?.minReadySeconds ?? 0;
    const ready = pods.filter((p) => isPodAvailable(p, mrs));
    if (ready.length >= want) return;
    if (Date.now() > deadline) {
      const waiting = pods.filter((p) => !p.metadata.deletionTimestamp && !isPodAvailable(p, mrs));
      const why = waiting.slice(0, 3).map((p) => `${p.metadata.name}: ${notReadyReason(p)}`);
      const detail = why.length ? `; not ready: ${why.join('; ')}${waiting.length > 3 ? '; ...' : ''}` : `; ${pods.length} pods exist`;
      throw new NotReadyInTime(`timed out after ${formatDuration(timeoutMs)} waiting for ${want} Ready pod${want === 1 ? '' : 's'} of ${name} (${ready.length} Ready${detail})`);
    }
    await sleep(POLL_MS, ctx.io.signal);
  }
}

/** Undo: the old controller back to the size it had, the new one scaled to 0 and deleted. */
async function rollBack(ctx: Ctx, oldName: string, newName: string, desired: number): Promise<string> {
  const client = rcs(ctx);
  ctx.io.stdout.write(`Rolling back: scaling ${oldName} up to ${desired}, ${newName} down to 0\n`);
  await client.scale(oldName, desired);
  await client.scale(newName, 0);
  await client.delete(newName, { propagationPolicy: 'Background' }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  await client.patch(oldName, { metadata: { annotations: { [NEXT_ANNOTATION]: null, [DESIRED_ANNOTATION]: null } } }, 'merge');
  return `rolled back: ${oldName} scaled back to ${desired}, ${newName} deleted`;
}

export async function rollingUpdateCommand(ctx: Ctx): Promise<number> {
  const [name] = ctx.args;
  const image = ctx.flags.str('image');
  if (!name || !image) throw new UsageError('usage: kubecfg rollingupdate <rc> --image <image> [-u <period>] [--timeout <duration>]');
  const period = parseDuration(ctx.flags.str('update-period') ?? '1m');
  const timeout = parseDuration(ctx.flags.str('timeout') ?? '5m');
  const client = rcs(ctx);
  let old = await resolveRc(ctx, name);
  const oldName = old.metadata.name!;
  const base = old.metadata.annotations?.[NAME_ANNOTATION] ?? oldName;
  const containers = old.spec?.template?.spec?.containers ?? [];
  if (containers.length !== 1) throw new UsageError(`--image needs a controller with exactly one container; "${oldName}" has ${containers.length}`);

  old = await addDeploymentKey(ctx, old);

  const template = JSON.parse(JSON.stringify(old.spec?.template ?? {})) as PodTemplateSpec;
  template.spec!.containers[0].image = image;
  const newHash = templateHash(template);
  if (newHash === templateHash(old.spec?.template)) throw new UsageError(`"${oldName}" already runs ${image}`);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [DEPLOYMENT_LABEL]: newHash } };
  const newName = `${base}-${newHash}`;
  const desired = Number(old.metadata.annotations?.[DESIRED_ANNOTATION] ?? old.spec?.replicas ?? 1);

  let next: ReplicationController;
  try {
    next = await client.get(newName); // resuming an interrupted update
    ctx.io.stdout.write(`Continuing update with existing controller ${newName}.\n`);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    next = await client.create({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: {
        name: newName,
        ...(old.metadata.labels ? { labels: old.metadata.labels } : {}),
        annotations: { [NAME_ANNOTATION]: base, [DESIRED_ANNOTATION]: String(desired) },
      },
      spec: { replicas: 0, selector: { ...old.spec?.selector, [DEPLOYMENT_LABEL]: newHash }, template, ...(old.spec?.minReadySeconds ? { minReadySeconds: old.spec.minReadySeconds } : {}) },
    });
    ctx.io.stdout.write(`Created ${newName}\n`);
  }
  await client.patch(oldName, { metadata: { annotations: { [NEXT_ANNOTATION]: newName, [DESIRED_ANNOTATION]: String(desired) } } }, 'merge');

  let up = next.spec?.replicas ?? 0;
  let down = old.spec?.replicas ?? 0;
  ctx.io.stdout.write(`Scaling up ${newName} from ${up} to ${desired}, scaling down ${oldName} from ${down} to 0 (keep ${desired} pods available, don't exceed ${desired + 1} pods)\n`);
  try {
    while (up < desired || down > 0) {
      // maxUnavailable 0: an old pod goes only once the new ones stand in for it.
      if (up < desired) {
        up++;
        ctx.io.stdout.write(`Scaling ${newName} up to ${up}\n`);
        await client.scale(newName, up);
        await waitAvailable(ctx, newName, up, timeout);
        await sleep(period, ctx.io.signal);
      } else await waitAvailable(ctx, newName, up, timeout);
      if (down > 0) {
        down--;
        ctx.io.stdout.write(`Scaling ${oldName} down to ${down}\n`);
        await client.scale(oldName, down);
        if (up < desired || down > 0) await sleep(period, ctx.io.signal);
      }
    }
    await waitAvailable(ctx, newName, desired, timeout);
  } catch (err) {
    if (!(err instanceof NotReadyInTime)) throw err;
    const undone = await rollBack(ctx, oldName, newName, desired);
    throw new Error(`rolling update of ${oldName} to ${image} failed: ${err.message}; ${undone}`);
  }
  ctx.io.stdout.write(`Update succeeded: ${desired} of ${desired} pods of ${newName} are Ready. Deleting ${oldName}\n`);
  await client.delete(oldName, { propagationPolicy: 'Background' });
  await client.patch(newName, { metadata: { annotations: { [DESIRED_ANNOTATION]: null } } }, 'merge');
  ctx.io.stdout.write(`replicationcontroller/${oldName} rolling updated to "${newName}"\n`);
  return 0;
}
