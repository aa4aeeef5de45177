// One worker per pod serialises its whole lifecycle: sandbox, volumes, image
// pulls, init containers in order, then containers, restarts with back-off
// per restartPolicy, probes, status, and graceful termination. A sync is
// idempotent: it reads the runtime's state (labelled with the pod uid) and
// acts on the difference, which is also how a restarted kubelet re-adopts
// running containers without touching them.
import type { Container, ContainerStatus, Pod, PodStatus, Service } from '../api/core.js';
import { milliValue } from '../api/quantity.js';
import { isNotFound, isConflict } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';
import type { EventRecorder } from '../client/events.js';
import type { ContainerStatus as RtStatus, PodSandboxStatus, LinuxResources, PodSandboxConfig, RuntimeService } from '../runtime/cri.js';
import type { ImageService } from '../runtime/images/index.js';
import { buildEnv, EnvError } from './env.js';
import { ensureImage, ImagePullError } from './images.js';
import { apiTime, L_CONTAINER_HASH, CONTAINER_ID_PREFIX, L_CONTAINER_KIND, L_CONTAINER_NAME, L_POD_NAME, L_POD_NAMESPACE, L_POD_UID } from './labels.js';
import type { KubeletMetrics } from './metrics.js';
import { computeConditions, computePhase, sameStatus, stampTransitions } from './pod-status.js';
import { PodProbes, runHandler, type ProbeKind } from './probes.js';
import type { RuntimeIndex } from './runtime-index.js';
import { containerMounts, setupVolumes, teardownVolumes, VolumeError } from './volumes.js';
import { containerSecurityContext, ContainerConfigError, effectiveSecurityContext, sandboxSecurity, verifyRunAsNonRoot } from './security-context.js';
import { terminationFile, terminationMessage, terminationMount } from './termination-message.js';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** A container's spec fingerprint; a running container whose spec changed is restarted. */
export function containerHash(c: Container): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 16);
}

export interface WorkerDeps {
  runtime: RuntimeService;
  images: ImageService;
  client: RestClient;
  events: EventRecorder;
  nodeName: string;
  hostIP: string;
  rootDir: string;
  logDir: string;
  backoffBaseMs: number;
  backoffMaxMs: number;
  services(namespace: string): Service[];
  index: RuntimeIndex;
  metrics: KubeletMetrics;
  log(m: string): void;
  /** The API object status goes to: the pod itself, or the mirror pod of a static pod. */
  statusTarget(pod: Pod): { namespace: string; name: string } | undefined;
  /** The worker finished tearing its pod down. */
  onDone(uid: string): void;
  /** --seccomp-default: RuntimeDefault for containers that name no profile (default false, as Kubernetes). */
  seccompDefault?: boolean;
  /** --pod-pids-limit: pids.max of each pod's cgroup (0 or less: unlimited). */
  podPidsLimit?: number;
}

interface Waiting {
  reason: string;
  message: string;
}

interface BackoffEntry {
  delayMs: number;
  /** No new attempt before this time. */
  until: number;
  /** The BackOff event for this step was recorded. */
  reported?: boolean;
}

export function logDirectory(logDir: string, pod: Pod): string {
  const m = pod.metadata!;
  return join(logDir, `${m.namespace}_${m.name}_${m.uid}`);
}

function cpuShares(milli: number): number {
  return Math.max(2, Math.floor((milli * 1024) / 1000));
}

/** requests/limits → cgroup settings, as kubelet's ResourceConfigForPod per container. */
export function containerResources(c: Container): LinuxResources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const out: LinuxResources = {};
  const cpuReq = req.cpu ?? lim.cpu;
  out.cpuShares = cpuReq !== undefined ? cpuShares(milliValue(cpuReq)) : 2;
  if (lim.cpu !== undefined) {
    out.cpuPeriod = 100000;
    out.cpuQuota = Math.max(1000, Math.floor((milliValue(lim.cpu) * 100000) / 1000));
  }
  if (lim.memory !== undefined) out.memoryLimitBytes = Math.floor(milliValue(lim.memory) / 1000);
  return out;
}

/** Pod-level cgroup limits: only when every container has the limit (else the pod is unbounded), as kubelet. */
export function podResources(spec: NonNullable<Pod['spec']>): LinuxResources | undefined {
  const cs = spec.containers;
  const out: LinuxResources = {};
  if (cs.every((c) => c.resources?.limits?.memory !== undefined)) out.memoryLimitBytes = cs.reduce((n, c) => n + Math.floor(milliValue(c.resources!.limits!.memory!) / 1000), 0);
  if (cs.every((c) => c.resources?.limits?.cpu !== undefined)) {
    out.cpuPeriod = 100000;
    out.cpuQuota = cs.reduce((n, c) => n + Math.floor((milliValue(c.resources!.limits!.cpu!) * 100000) / 1000), 0);
  }
  return Object.keys(out).length ? out : undefined;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

export class PodWorker {
  pod: Pod;
  /** Gone from its source (deleted from the API or its file removed): tear down. */
  private removed = false;
  private busy = false;
  private again = false;
  private done = false;
  private readonly waiting = new Map<string, Waiting>();
  private readonly backoff = new Map<string, BackoffEntry>();
  private readonly pullBackoff = new Map<string, BackoffEntry>();
  /** Containers killed by a failed liveness/startup probe: restarted regardless of exit code. */
  private readonly probeKilled = new Set<string>();
  private readonly oomReported = new Set<string>();
  private readonly terminationMessages = new Map<string, string>();
  private readonly probes: PodProbes;
  private lastStatus: PodStatus | undefined;
  private podIP = '';
  private timer: NodeJS.Timeout | undefined;
  private finalPhase = false;
  private readonly createdAt = Date.now();
  private reportedRunning = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    pod: Pod,
    private readonly d: WorkerDeps,
  ) {
    this.pod = pod;
    this.lastStatus = TERMINAL.has(pod.status?.phase ?? '') ? pod.status : undefined;
    if (this.lastStatus) this.finalPhase = true;
    this.probes = new PodProbes(d.runtime, () => this.podIP, {
      onChange: () => this.kick(),
      onFailure: (id, kind, msg) => void this.probeFailed(id, kind, msg),
      onUnhealthy: (_id, _kind, msg) => this.event('Warning', 'Unhealthy', `Readiness probe failed: ${msg}`),
    });
  }

  get uid(): string {
    return this.pod.metadata!.uid!;
  }

  /** Finished (or rejected) pods hold no resources on the node. */
  get active(): boolean {
    return !this.finalPhase && !this.done;
  }

  /** Gone from its source (e.g. force-deleted): still tearing down, but no longer counted against the node. */
  get removedFromSource(): boolean {
    return this.removed;
  }

  /** Refused by node admission: the pod ends Failed without running anything. */
  reject(reason: string, message: string): void {
    this.finalPhase = true;
    this.lastStatus = { ...(this.pod.status ?? {}), phase: 'Failed', reason, message, hostIP: this.d.hostIP, hostIPs: [{ ip: this.d.hostIP }], startTime: apiTime(this.createdAt) };
    this.event('Warning', reason, message);
    this.kick();
  }

  update(pod: Pod): void {
    this.pod = pod;
    this.kick();
  }

  remove(): void {
    this.removed = true;
    this.kick();
  }

  /** Ask for a sync; syncs never overlap, requests during one coalesce into one more. */
  kick(): void {
    if (this.done) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    void (async () => {
      do {
        this.again = false;
        try {
          await this.sync();
        } catch (e) {
          this.d.log(`pod ${this.pod.metadata?.namespace}/${this.pod.metadata?.name}: sync failed: ${(e as Error).message}`);
          this.later(1000);
        }
      } while (this.again && !this.done);
      this.busy = false;
      for (const w of this.idleWaiters.splice(0)) w();
    })();
  }

  /** Resolves when no sync is running (for stop()). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stop timers and probes, leave containers running (kubelet shutdown). */
  detach(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.probes.stop();
  }

  private later(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.max(10, ms));
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.d.events.event({ apiVersion: 'v1', kind: 'Pod', metadata: this.pod.metadata }, type, reason, message);
  }

  private terminating(): boolean {
    return this.removed || !!this.pod.metadata?.deletionTimestamp;
  }

  private async probeFailed(id: string, kind: ProbeKind, message: string): Promise<void> {
    const st = await this.d.runtime.containerStatus(id).catch(() => undefined);
    if (!st) return;
    const name = st.labels[L_CONTAINER_NAME] ?? st.metadata.name;
    this.event('Warning', 'Unhealthy', `${kind === 'liveness' ? 'Liveness' : 'Startup'} probe failed: ${message}`);
    this.event('Normal', 'Killing', `Container ${name} failed ${kind} probe, will be restarted`);
    this.probeKilled.add(id);
    const spec = this.pod.spec!.containers.find((c) => c.name === name);
    const grace = spec?.livenessProbe?.terminationGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    await this.d.runtime.stopContainer(id, grace).catch(() => undefined);
    this.kick();
  }

  // ------------------------------------------------------------------ sync

  private async sync(): Promise<void> {
    if (this.terminating()) return this.terminate();
    const rt = this.d.runtime;
    const uid = this.uid;
    const spec = this.pod.spec!;
    const sandboxes = await this.sandboxes();
    let ready = sandboxes.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => b.createdAt - a.createdAt)[0];
    if (this.finalPhase) {
      // A finished pod keeps its containers (for logs) but not its sandbox.
      for (const s of sandboxes) if (s.state === 'SANDBOX_READY') await rt.stopPodSandbox(s.id);
      this.probes.stop();
      return this.pushStatus(this.lastStatus!);
    }
    const deadline = spec.activeDeadlineSeconds;
    const started = Date.parse(this.lastStatus?.startTime ?? this.pod.status?.startTime ?? '') || this.createdAt;
    if (deadline !== undefined && Date.now() - started >= deadline * 1000) {
      // Past activeDeadlineSeconds: kill everything, the pod fails (DeadlineExceeded).
      for (const c of [...(await this.containerStates(undefined)).values()].flat()) if (c.state === 'CONTAINER_RUNNING') await rt.stopContainer(c.id, spec.terminationGracePeriodSeconds ?? 30).catch(() => undefined);
      const message = `Pod was active on the node longer than the specified deadline`;
      this.event('Normal', 'DeadlineExceeded', message);
      await this.pushComputed(ready?.id, await this.containerStates(undefined), { reason: 'DeadlineExceeded', message });
      return;
    }
    if (deadline !== undefined) this.later(started + deadline * 1000 - Date.now());
    const sbConfig = this.sandboxConfig(sandboxes.length);
    if (!ready) {
      // No live sandbox: a new one, and the containers of the old ones are dead with it.
      for (const s of sandboxes) await rt.stopPodSandbox(s.id).catch(() => undefined);
      try {
        const id = await rt.runPodSandbox(sbConfig);
        this.d.index.addSandbox(uid, id);
        ready = await rt.podSandboxStatus(id);
      } catch (e) {
        this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
        this.later(this.d.backoffBaseMs);
        return this.pushComputed(undefined, new Map());
      }
    }
    const sbId = ready!.id;
    if (!this.podIP) this.podIP = spec.hostNetwork ? this.d.hostIP : (await rt.podSandboxStatus(sbId)).network.ip || '';

    let volumes: Map<string, string>;
    try {
      volumes = await setupVolumes({ pod: this.pod, rootDir: this.d.rootDir, client: this.d.client, podIP: this.podIP, hostIP: this.d.hostIP, nodeName: this.d.nodeName });
    } catch (e) {
      if (!(e instanceof VolumeError) && !isNotFound(e)) throw e;
      this.event('Warning', 'FailedMount', `MountVolume.SetUp failed: ${(e as Error).message}`);
      this.later(2000);
      return this.pushComputed(sbId, await this.containerStates(sbId));
    }

    let states = await this.containerStates(sbId);
    // Sandboxes other than the live one that no container of this pod uses any more (e.g. one
    // made by a kubelet killed mid-start): removed, so exactly one sandbox per pod is left.
    const used = new Set([...states.values()].flat().map((st) => st.podSandboxId));
    for (const s of sandboxes) {
      if (s.id === sbId || used.has(s.id)) continue;
      await rt.removePodSandbox(s.id).catch(() => undefined);
      this.d.index.removeSandbox(uid, s.id);
    }
    let next = Infinity;
    const now = Date.now();

    // Init containers, in order; each must succeed before the next starts.
    let initDone = true;
    for (const c of spec.initContainers ?? []) {
      const cur = states.get(c.name)?.[0];
      if (cur?.state === 'CONTAINER_EXITED' && cur.exitCode === 0) continue;
      initDone = false;
      if (cur?.state === 'CONTAINER_CREATED') {
        await this.resumeCreated(cur);
        break;
      }
      if (cur?.state === 'CONTAINER_RUNNING') break;
      if (cur?.state === 'CONTAINER_EXITED' && spec.restartPolicy === 'Never') break; // the pod failed
      const wait = this.backoffWait(c.name, cur, now);
      if (wait > 0) {
        next = Math.min(next, wait);
        break;
      }
      await this.startContainer(sbId, sbConfig, c, 'init', cur ? (cur.metadata.attempt ?? 0) + 1 : 0, volumes);
      break;
    }
    if (initDone) {
      for (const c of spec.containers) {
        let cur = states.get(c.name)?.[0];
        if (cur?.state === 'CONTAINER_CREATED') {
          await this.resumeCreated(cur);
          continue;
        }
        if (cur?.state === 'CONTAINER_RUNNING') {
          const h = cur.labels[L_CONTAINER_HASH];
          if (!h || h === containerHash(c)) continue;
          // The spec changed in a way the runtime cannot apply in place (e.g. a new image): restart it.
          this.event('Normal', 'Killing', `Container ${c.name} definition changed, will be restarted`);
          await rt.stopContainer(cur.id, spec.terminationGracePeriodSeconds ?? 30).catch(() => undefined);
          this.probeKilled.add(cur.id);
          cur = await rt.containerStatus(cur.id);
        }
        if (cur?.state === 'CONTAINER_EXITED') {
          const killedByProbe = this.probeKilled.has(cur.id);
          const restart = spec.restartPolicy === 'Always' || (spec.restartPolicy === 'OnFailure' && (cur.exitCode !== 0 || killedByProbe)) || (killedByProbe && spec.restartPolicy !== 'Never');
          if (!restart) continue;
          const wait = this.backoffWait(c.name, cur, now);
          if (wait > 0) {
            next = Math.min(next, wait);
            continue;
          }
        }
        const pw = this.pullBackoff.get(c.name);
        if (pw && pw.until > now) {
          next = Math.min(next, pw.until - now);
          continue;
        }
        await this.startContainer(sbId, sbConfig, c, 'app', cur ? (cur.metadata.attempt ?? 0) + 1 : 0, volumes);
      }
    }
    states = await this.containerStates(sbId);
    const running: { id: string; spec: Container }[] = [];
    for (const c of spec.containers) {
      const cur = states.get(c.name)?.[0];
      if (cur?.state === 'CONTAINER_RUNNING') running.push({ id: cur.id, spec: c });
    }
    this.probes.sync(running);
    if (next !== Infinity) this.later(next);
    await this.pushComputed(sbId, states);
  }

  /** A container created but never started (a start that failed or was cut short by a kubelet crash):
   *  start it now; if that fails, remove it so the next sync makes a new attempt. */
  private async resumeCreated(cur: RtStatus): Promise<void> {
    try {
      await this.d.runtime.startContainer(cur.id);
    } catch (e) {
      this.d.log(`pod ${this.pod.metadata?.name}: start of ${cur.metadata.name} failed: ${(e as Error).message}`);
      await this.d.runtime.removeContainer(cur.id).catch(() => undefined);
      this.d.index.removeContainer(this.uid, cur.id);
      this.later(this.d.backoffBaseMs);
    }
  }

  /** ms to wait before the next attempt of a container that exited (0: go). Arms the next back-off step. */
  private backoffWait(name: string, cur: RtStatus | undefined, now: number): number {
    if (!cur || cur.state !== 'CONTAINER_EXITED') return 0;
    const b = this.backoff.get(name);
    // Ran long enough (10 min) to forget the back-off, as Kubernetes.
    if (b && cur.finishedAt - cur.startedAt > 10 * 60_000) this.backoff.delete(name);
    const e = this.backoff.get(name);
    if (e && now < e.until) {
      this.waiting.set(name, { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(e.delayMs / 1000)}s restarting failed container=${name} pod=${this.pod.metadata!.name}_${this.pod.metadata!.namespace}(${this.uid})` });
      if (!e.reported) {
        e.reported = true;
        this.event('Warning', 'BackOff', 'Back-off restarting failed container');
      }
      return e.until - now;
    }
    const delay = e ? Math.min(e.delayMs * 2, this.d.backoffMaxMs) : this.d.backoffBaseMs;
    this.backoff.set(name, { delayMs: delay, until: now + delay });
    return 0;
  }

  private sandboxConfig(attempt: number): PodSandboxConfig {
    const m = this.pod.metadata!;
    const spec = this.pod.spec!;
    const ports = [...(spec.containers ?? [])].flatMap((c) => c.ports ?? []).filter((p) => p.hostPort);
    const { pidsLimit, ...sandboxFields } = sandboxSecurity(this.pod, this.d.podPidsLimit ?? 0);
    const resources = podResources(spec) || pidsLimit ? { ...(podResources(spec) ?? {}), ...(pidsLimit ? { pidsLimit } : {}) } : undefined;
    return {
      metadata: { name: m.name!, namespace: m.namespace!, uid: m.uid!, attempt },
      hostname: spec.hostname ?? m.name!,
      logDirectory: logDirectory(this.d.logDir, this.pod),
      portMappings: ports.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort!, protocol: p.protocol ?? 'TCP', ...(p.hostIP ? { hostIp: p.hostIP } : {}) })),
      hostNetwork: !!spec.hostNetwork,
      ...sandboxFields,
      ...(spec.hostAliases ? { hostAliases: spec.hostAliases.map((h) => ({ ip: h.ip, hostnames: h.hostnames ?? [] })) } : {}),
      ...(spec.dnsConfig ? { dnsConfig: { servers: spec.dnsConfig.nameservers ?? [], searches: spec.dnsConfig.searches ?? [], options: (spec.dnsConfig.options ?? []).map((o) => (o.value ? `${o.name}:${o.value}` : o.name)) } } : {}),
      labels: { [L_POD_UID]: m.uid!, [L_POD_NAME]: m.name!, [L_POD_NAMESPACE]: m.namespace! },
      privileged: [...spec.containers, ...(spec.initContainers ?? [])].some((c) => c.securityContext?.privileged),
      ...(resources ? { resources } : {}),
    };
  }

  /** This pod's sandboxes (from the index; ids whose sandbox is gone are dropped). */
  private async sandboxes(): Promise<PodSandboxStatus[]> {
    const out: PodSandboxStatus[] = [];
    for (const id of this.d.index.sandboxIds(this.uid)) {
      const s = await this.d.runtime.podSandboxStatus(id).catch(() => undefined);
      if (s) out.push(s);
      else this.d.index.removeSandbox(this.uid, id);
    }
    return out;
  }

  /** Per container name, its runtime statuses, newest attempt first. */
  private async containerStates(_sbId: string | undefined): Promise<Map<string, RtStatus[]>> {
    const out = new Map<string, RtStatus[]>();
    for (const id of this.d.index.containerIds(this.uid)) {
      const st = await this.d.runtime.containerStatus(id).catch(() => undefined);
      if (!st) {
        this.d.index.removeContainer(this.uid, id);
        continue;
      }
      if (_sbId && st.state === 'CONTAINER_CREATED' && st.podSandboxId !== _sbId) {
        // Created in a sandbox that is not the live one and never started: it never will be.
        await this.d.runtime.removeContainer(id).catch(() => undefined);
        this.d.index.removeContainer(this.uid, id);
        continue;
      }
      const name = st.labels[L_CONTAINER_NAME] ?? st.metadata.name;
      const arr = out.get(name) ?? [];
      arr.push(st);
      out.set(name, arr);
    }
    for (const arr of out.values()) arr.sort((a, b) => (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0) || b.createdAt - a.createdAt);
    return out;
  }

  private async startContainer(sbId: string, sbConfig: PodSandboxConfig, c: Container, kind: 'init' | 'app', attempt: number, volumes: Map<string, string>): Promise<void> {
    const rt = this.d.runtime;
    // Image.
    let imageId: string;
    try {
      const img = await ensureImage(this.d.images, c);
      imageId = img.id;
      this.pullBackoff.delete(c.name);
      if (img.pulled) this.event('Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${img.durationMs}ms`);
      else this.event('Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
    } catch (e) {
      if (!(e instanceof ImagePullError)) throw e;
      const prev = this.pullBackoff.get(c.name);
      const delay = prev ? Math.min(prev.delayMs * 2, this.d.backoffMaxMs) : this.d.backoffBaseMs;
      this.pullBackoff.set(c.name, { delayMs: delay, until: Date.now() + delay });
      this.waiting.set(c.name, { reason: prev && e.reason === 'ErrImagePull' ? 'ImagePullBackOff' : e.reason, message: prev ? `Back-off pulling image "${c.image}"` : e.message });
      this.event('Warning', 'Failed', e.message);
      if (prev) this.event('Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
      this.later(delay);
      return;
    }
    // Config.
    let id: string;
    try {
      const env = await buildEnv({ pod: this.pod, podIP: this.podIP, hostIP: this.d.hostIP, nodeName: this.d.nodeName, services: this.d.services(this.pod.metadata!.namespace!), client: this.d.client }, c);
      const securityContext = containerSecurityContext(this.pod, c, { seccompDefault: !!this.d.seccompDefault, seccompRoot: join(this.d.rootDir, 'seccomp') });
      // The image's user matters only to runAsNonRoot without a runAsUser (no image read otherwise).
      const needUser = securityContext.runAsUser === undefined && effectiveSecurityContext(this.pod, c).runAsNonRoot === true;
      const nonRoot = verifyRunAsNonRoot(this.pod, c, needUser ? (await this.d.images.resolve(imageId)).config.User : undefined);
      if (nonRoot) throw new ContainerConfigError(nonRoot);
      const mounts = [...containerMounts(this.pod, c, volumes, env.env), ...terminationMount(this.d.rootDir, this.uid, c, attempt)];
      id = await rt.createContainer(
        sbId,
        {
          metadata: { name: c.name, attempt },
          image: imageId,
          ...(env.command ? { command: env.command } : {}),
          ...(env.args ? { args: env.args } : {}),
          env: env.env,
          ...(c.workingDir ? { workingDir: c.workingDir } : {}),
          mounts,
          logPath: `${c.name}/${attempt}.log`,
          stdin: !!c.stdin,
          stdinOnce: !!c.stdinOnce,
          tty: !!c.tty,
          labels: { [L_POD_UID]: this.uid, [L_POD_NAME]: this.pod.metadata!.name!, [L_POD_NAMESPACE]: this.pod.metadata!.namespace!, [L_CONTAINER_NAME]: c.name, [L_CONTAINER_KIND]: kind, [L_CONTAINER_HASH]: containerHash(c) },
          annotations: { 'io.kubernetes.container.image': c.image ?? '' },
          securityContext,
          resources: containerResources(c),
        },
        sbConfig,
      );
      this.d.index.addContainer(this.uid, id);
    } catch (e) {
      const reason = e instanceof EnvError || e instanceof VolumeError || e instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError';
      this.waiting.set(c.name, { reason, message: (e as Error).message });
      this.event('Warning', 'Failed', `Error: ${(e as Error).message}`);
      this.later(this.d.backoffBaseMs);
      return;
    }
    this.waiting.delete(c.name);
    this.event('Normal', 'Created', `Created container ${c.name}`);
    try {
      await rt.startContainer(id);
      this.event('Normal', 'Started', `Started container ${c.name}`);
      const post = c.lifecycle?.postStart;
      if (post && !post.sleep) {
        const r = await runHandler(rt, id, c, post, this.podIP, 30);
        if (!r.ok) {
          // As Kubernetes: a failed postStart hook kills the container (restartPolicy decides what next).
          this.event('Warning', 'FailedPostStartHook', `PostStartHook failed: ${r.message}`);
          await rt.stopContainer(id, this.pod.spec?.terminationGracePeriodSeconds ?? 30).catch(() => undefined);
        }
      }
    } catch (e) {
      this.event('Warning', 'Failed', `Error: failed to start container "${c.name}": ${(e as Error).message}`);
    }
    // Keep the newest attempt and the one before it (lastState, logs --previous); older ones go.
    const mine = (await this.containerStates(sbId)).get(c.name) ?? [];
    for (const old of mine.slice(2)) {
      await rt.removeContainer(old.id).catch(() => undefined);
      this.terminationMessages.delete(old.id);
      rmSync(terminationFile(this.d.rootDir, this.uid, c.name, old.metadata.attempt ?? 0), { force: true });
      this.d.index.removeContainer(this.uid, old.id);
    }
  }

  // ------------------------------------------------------------------ status

  /** An exited attempt's termination message; read once per container (it cannot change any more). */
  private terminationMessageOf(c: Container, s: RtStatus): string {
    let m = this.terminationMessages.get(s.id);
    if (m === undefined) {
      const attempt = s.metadata.attempt ?? 0;
      m = terminationMessage(this.d.rootDir, this.uid, c, attempt, s.exitCode, join(logDirectory(this.d.logDir, this.pod), c.name, `${attempt}.log`));
      this.terminationMessages.set(s.id, m);
    }
    return m;
  }

  private toApiStatus(c: Container, states: RtStatus[] | undefined, kind: 'init' | 'app', initPending: boolean): ContainerStatus {
    const cur = states?.[0];
    const prev = states?.[1];
    const term = (s: RtStatus) => {
      const message = s.message || this.terminationMessageOf(c, s);
      return {
      terminated: {
        exitCode: s.exitCode,
        reason: s.reason || (s.exitCode === 0 ? 'Completed' : 'Error'),
        ...(message ? { message } : {}),
        startedAt: apiTime(s.startedAt || s.createdAt),
        finishedAt: apiTime(s.finishedAt),
        containerID: CONTAINER_ID_PREFIX + s.id,
      },
    };
    };
    const base: ContainerStatus = { name: c.name, ready: false, restartCount: cur?.metadata.attempt ?? 0, image: c.image ?? '', imageID: cur?.imageRef ?? '', started: false, state: {}, lastState: {} };
    if (cur) base.containerID = CONTAINER_ID_PREFIX + cur.id;
    const w = this.waiting.get(c.name);
    if (!cur) {
      base.state = { waiting: w ?? { reason: initPending && kind === 'app' ? 'PodInitializing' : 'ContainerCreating' } };
      return base;
    }
    if (prev && prev.state === 'CONTAINER_EXITED') base.lastState = term(prev);
    if (cur.state === 'CONTAINER_RUNNING') {
      base.state = { running: { startedAt: apiTime(cur.startedAt) } };
      base.started = kind === 'app' ? (c.startupProbe ? this.probes.started(cur.id) : true) : true;
      base.ready = kind === 'app' && base.started && (c.readinessProbe ? this.probes.ready(cur.id) : true);
    } else if (cur.state === 'CONTAINER_EXITED') {
      if (cur.reason === 'OOMKilled' && !this.oomReported.has(cur.id)) {
        this.oomReported.add(cur.id);
        this.event('Warning', 'OOMKilling', `Container ${c.name} was killed: out of memory`);
      }
      // In back-off: waiting, with the exit as lastState (Kubernetes' CrashLoopBackOff shape).
      if (w && w.reason === 'CrashLoopBackOff' && this.backoff.get(c.name) && Date.now() < this.backoff.get(c.name)!.until) {
        base.state = { waiting: w };
        base.lastState = term(cur);
      } else base.state = term(cur);
    } else base.state = { waiting: w ?? { reason: 'ContainerCreating' } };
    return base;
  }

  private async pushComputed(sbId: string | undefined, states: Map<string, RtStatus[]>, failed?: { reason: string; message: string }): Promise<void> {
    const spec = this.pod.spec!;
    const initStatuses = (spec.initContainers ?? []).map((c) => this.toApiStatus(c, states.get(c.name), 'init', false));
    const initPending = initStatuses.some((s) => s.state?.terminated?.exitCode !== 0);
    const statuses = spec.containers.map((c) => this.toApiStatus(c, states.get(c.name), 'app', initPending));
    const phase = failed ? 'Failed' : computePhase(spec, initStatuses, statuses);
    const prev = this.lastStatus ?? this.pod.status;
    const status: PodStatus = {
      phase,
      conditions: stampTransitions(computeConditions(spec, phase, !!sbId, initStatuses, statuses), prev?.conditions),
      hostIP: this.d.hostIP,
      hostIPs: [{ ip: this.d.hostIP }],
      ...(this.podIP ? { podIP: this.podIP, podIPs: [{ ip: this.podIP }] } : {}),
      startTime: prev?.startTime ?? apiTime(this.createdAt),
      ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: statuses,
      qosClass: this.pod.status?.qosClass ?? 'BestEffort',
      ...(failed ? failed : {}),
    };
    if (phase === 'Running' && !this.reportedRunning) {
      this.reportedRunning = true;
      const created = Date.parse(this.pod.metadata?.creationTimestamp ?? '') || this.createdAt;
      this.d.metrics.podStartDuration.observe((Date.now() - created) / 1000);
    }
    if (TERMINAL.has(phase)) {
      this.finalPhase = true;
      this.probes.stop();
      this.lastStatus = status;
      await this.pushStatus(status);
      // Tear the sandbox down now that nothing will run in it again.
      this.kick();
      return;
    }
    await this.pushStatus(status);
    // Poll while something is in flux (containers starting, probes running); the PLEG kicks on exits.
  }

  private async pushStatus(status: PodStatus): Promise<void> {
    const target = this.d.statusTarget(this.pod);
    if (!target) return;
    const sent = this.sent;
    if (sameStatus(sent, status)) return;
    try {
      // Merge patch of the status subresource: the kubelet owns these fields wholesale.
      await this.d.client.pods(target.namespace).patch(target.name, { status: { ...status, ...(status.podIP ? {} : { podIP: null, podIPs: null }) } }, 'merge', { subresource: 'status' });
      this.sent = status;
      this.lastStatus = status;
    } catch (e) {
      if (isNotFound(e)) return; // deleted under us, or a mirror pod not there yet
      if (isConflict(e)) return this.later(500); // try again shortly
      throw e;
    }
  }
  private sent: PodStatus | undefined;

  /** The status target was re-created (a new mirror pod): send the status again. */
  resetSent(): void {
    this.sent = undefined;
  }

  // ------------------------------------------------------------------ termination

  private async terminate(): Promise<void> {
    const rt = this.d.runtime;
    const spec = this.pod.spec!;
    this.probes.stop();
    clearTimeout(this.timer);
    const grace = this.removed && !this.pod.metadata?.deletionTimestamp ? spec.terminationGracePeriodSeconds ?? 30 : this.pod.metadata?.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    const deadline = Date.now() + grace * 1000;
    const running = [...(await this.containerStates(undefined)).values()].flat().filter((c) => c.state === 'CONTAINER_RUNNING');
    await Promise.all(
      running.map(async (c) => {
        const name = c.labels[L_CONTAINER_NAME] ?? c.metadata.name;
        const cs = spec.containers.find((x) => x.name === name) ?? spec.initContainers?.find((x) => x.name === name);
        const pre = cs?.lifecycle?.preStop;
        if (pre && cs) {
          if (pre.sleep) await new Promise((r) => setTimeout(r, Math.min(pre.sleep!.seconds * 1000, Math.max(0, deadline - Date.now()))));
          else await runHandler(rt, c.id, cs, pre, this.podIP, Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
        }
        this.event('Normal', 'Killing', `Stopping container ${name}`);
        await rt.stopContainer(c.id, Math.max(0, Math.ceil((deadline - Date.now()) / 1000))).catch(() => undefined);
      }),
    );
    for (const s of await this.sandboxes()) {
      await rt.stopPodSandbox(s.id).catch(() => undefined);
      await rt.removePodSandbox(s.id).catch(() => undefined);
    }
    for (const id of this.d.index.containerIds(this.uid)) await rt.removeContainer(id).catch(() => undefined);
    this.d.index.forget(this.uid);
    await teardownVolumes(this.d.rootDir, this.uid);
    rmSync(logDirectory(this.d.logDir, this.pod), { recursive: true, force: true });
    const m = this.pod.metadata!;
    const target = this.d.statusTarget(this.pod);
    if (m.deletionTimestamp && target && !this.removed) {
      try {
        await this.d.client.pods(m.namespace).delete(m.name!, { gracePeriodSeconds: 0, preconditions: { uid: m.uid! } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
    this.done = true;
    this.d.onDone(this.uid);
  }
}
