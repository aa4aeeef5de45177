// Starting one new attempt of a container, as the kubelet's startContainer: the image (with its
// pull back-off), the config, create, start, then the postStart hook. Failures the user must
// see become the container's waiting reason and an event; the caller retries after `retryInMs`.
import type { Container } from '../api/core.js';
import type { RuntimeService } from '../runtime/cri.js';
import { type Backoff } from './backoff.js';
import { containerConfig, type ContainerConfigContext } from './container-config.js';
import { EnvError } from './env.js';
import { ensureImage, ImagePullError } from './images.js';
import type { ContainerKind } from './pod-plan.js';
import { runHandler } from './probes.js';
import { ContainerConfigError } from './security-context.js';
import type { PodSandboxConfig } from '../runtime/cri.js';
import type { RegistryAuth } from '../runtime/images/index.js';
import { VolumeError } from './volumes.js';

export interface Waiting {
  reason: string;
  message: string;
}

export interface StartContext extends ContainerConfigContext {
  runtime: RuntimeService;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  pullBackoff: Backoff;
  backoffBaseMs: number;
  waiting: Map<string, Waiting>;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** A new container id (for the runtime index). */
  created(id: string): void;
  /** Ask for another sync in this many ms. */
  retryIn(ms: number): void;
  /** Registry credentials to try for a pull (pod pull secrets, the node's file). */
  pullCredentials?: (image: string) => Promise<RegistryAuth[]>;
}

/** Make and start attempt `attempt` of c. Resolves also when it could not (reported as waiting/event); throws only on unexpected errors. */
export async function startContainerAttempt(ctx: StartContext, c: Container, kind: ContainerKind, attempt: number, pidTargetContainerId?: string): Promise<void> {
  const rt = ctx.runtime;
  let imageId: string;
  try {
    const img = await ensureImage(ctx.images, c, ctx.pullCredentials);
    imageId = img.id;
    ctx.pullBackoff.delete(c.name);
    if (img.pulled) ctx.event('Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${img.durationMs}ms`);
    else ctx.event('Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
  } catch (e) {
    if (!(e instanceof ImagePullError)) throw e;
    const again = !!ctx.pullBackoff.get(c.name);
    const step = ctx.pullBackoff.arm(c.name, Date.now());
    ctx.waiting.set(c.name, { reason: again && e.reason === 'ErrImagePull' ? 'ImagePullBackOff' : e.reason, message: again ? `Back-off pulling image "${c.image}"` : e.message });
    ctx.event('Warning', 'Failed', e.message);
    if (again) ctx.event('Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
    ctx.retryIn(step.delayMs);
    return;
  }
  let id: string;
  try {
    const config = await containerConfig(ctx, c, kind, attempt, imageId);
    if (pidTargetContainerId) config.pidTargetContainerId = pidTargetContainerId;
    id = await rt.createContainer(ctx.sandboxId, config, ctx.sandboxConfig);
    ctx.created(id);
  } catch (e) {
    const reason = e instanceof EnvError || e instanceof VolumeError || e instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError';
    ctx.waiting.set(c.name, { reason, message: (e as Error).message });
    ctx.event('Warning', 'Failed', `Error: ${(e as Error).message}`);
    ctx.retryIn(ctx.backoffBaseMs);
    return;
  }
  ctx.waiting.delete(c.name);
  ctx.event('Normal', 'Created', `Created container ${c.name}`);
  try {
    await rt.startContainer(id);
  } catch (e) {
    // Left CONTAINER_CREATED: the next plan resumes it (and removes it if that fails too).
    ctx.event('Warning', 'Failed', `Error: failed to start container "${c.name}": ${(e as Error).message}`);
    return;
  }
  ctx.event('Normal', 'Started', `Started container ${c.name}`);
  const post = c.lifecycle?.postStart;
  if (post && !post.sleep) {
    const r = await runHandler(rt, id, c, post, ctx.podIP, 30);
    if (!r.ok) {
      // As Kubernetes: a failed postStart hook kills the container (restartPolicy decides what next).
      ctx.event('Warning', 'FailedPostStartHook', `PostStartHook failed: ${r.message}`);
      await rt.stopContainer(id, ctx.pod.spec?.terminationGracePeriodSeconds ?? 30);
    }
  }
}
