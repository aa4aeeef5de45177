// One worker per pod serialises its whole lifecycle. Each sync observes the
// runtime (the pod's sandboxes and containers, found through the index by the
// pod uid), asks the pure planner (pod-plan.ts) what to do, has the executor
// (pod-actions.ts) do it, and reports status. Because a sync only acts on the
// difference between spec and runtime, a restarted kubelet re-adopts running
// containers without touching them. Termination (pod-termination.ts) keeps the
// pod in the API until the runtime really shows nothing of it.
import { pullCredentials } from './pull-secrets.js';
import { Keyring } from '../runtime/images/index.js';
import type { ClusterDNSSettings } from './pod-dns.js';
import type { Container, Pod, PodStatus, Service } from '../api/core.js';
import { isNotFound, isConflict } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';
import type { EventRecorder } from '../client/events.js';
import { isNotFoundError, type ContainerStatus as RtStatus, type PodSandboxConfig, type PodSandboxStatus, type RuntimeService } from '../runtime/cri.js';
import type { ImageService } from '../runtime/images/index.js';
import { Backoff } from './backoff.js';
import { logDirectory, sandboxConfig } from './container-config.js';
import { startContainerAttempt, type StartContext, type Waiting } from './container-start.js';
import { ContainerStatuses } from './container-statuses.js';
import { apiTime } from './labels.js';
import type { KubeletMetrics } from './metrics.js';
import { describeFailures, executePlan, type ActionResult } from './pod-actions.js';
import { groupByName, liveSandbox, planPod, type ObservedPod, type PodAction, type PodPlan, type ProbeFailure } from './pod-plan.js';
import { computeConditions, computePhase, sameStatus, stampTransitions } from './pod-status.js';
import { terminatePod, terminationGrace } from './pod-termination.js';
import { PodProbes, type ProbeKind } from './probes.js';
import type { RuntimeIndex } from './runtime-index.js';
import { refreshProjectedVolumes, setupVolumes, teardownVolumes, VolumeError, volumesNeedPodIP, type VolumeContext } from './volumes.js';
import type { TokenManager } from './token-manager.js';
import type { WatchedObjects } from './watched-objects.js';
import { terminationFile } from './termination-message.js';
import { rmSync } from 'node:fs';

export { containerHash } from './container-hash.js';
export { containerResources, logDirectory, podResources } from './container-config.js';

export interface WorkerDeps {
  runtime: RuntimeService;
  images: ImageService;
  client: RestClient;
  events: EventRecorder;
  nodeName: string;
  hostIP: string;
  rootDir: string;
  /** The local-path provisioner's directory, when it runs on this node. */
  localPathDir?: string;
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
  /** --cluster-dns, --cluster-domain, --resolv-conf: what pods' resolv.conf is made from. */
  dns?: ClusterDNSSettings;
  /** The kubelet's service-account token cache (projected volumes). */
  tokens?: TokenManager;
  /** The kubelet's ConfigMap/Secret watches (volumes, env); absent: a GET per read. */
  objects?: WatchedObjects;
  /** Registry credentials of the node (--image-credentials-file), after the pod's pull secrets. */
  nodeKeyring?: () => Keyring;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);
/** First retry of a failed teardown after this long, doubling up to the back-off max. */
const TEARDOWN_RETRY_MS = 1000;

/** How often a running pod's projected volumes are rewritten (upstream's volume manager resyncs about each minute). */
const PROJECTED_REFRESH_MS = 60_000;

export class PodWorker {
  pod: Pod;
  /** Gone from its source (deleted from the API or its file removed): tear down. */
  private removed = false;
  private busy = false;
  private again = false;
  private done = false;
  private readonly waiting = new Map<string, Waiting>();
  private readonly backoff: Backoff;
  private readonly pullBackoff: Backoff;
  /** Containers the kubelet killed (probe, spec change): restarted regardless of exit code. */
  private readonly kubeletKilled = new Set<string>();
  /** Running containers whose liveness/startup probe failed: the next plan kills them. */
  private readonly probeFailures = new Map<string, ProbeFailure>();
  private readonly statuses: ContainerStatuses;
  private readonly probes: PodProbes;
  private lastStatus: PodStatus | undefined;
  private podIP = '';
  private timer: NodeJS.Timeout | undefined;
  private finalPhase = false;
  private readonly createdAt = Date.now();
  private reportedRunning = false;
  private idleWaiters: (() => void)[] = [];
  /** End of the grace period, fixed when termination starts. */
  private terminationDeadline: number | undefined;
  private teardownFailures = 0;
  /** When the projected volumes were last written (0: never): they are refreshed each minute while the pod runs. */
  private projectedRefreshedAt = 0;

  private volumeContext(): VolumeContext {
    const d = this.d;
    return { pod: this.pod, rootDir: d.rootDir, client: d.client, podIP: this.podIP, hostIP: d.hostIP, nodeName: d.nodeName, ...(d.localPathDir ? { localPathDir: d.localPathDir } : {}), ...(d.tokens ? { tokens: d.tokens } : {}), ...(d.objects ? { objects: d.objects.forPod(this.uid) } : {}) };
  }

  constructor(
    pod: Pod,
    private readonly d: WorkerDeps,
  ) {
    this.pod = pod;
    this.backoff = new Backoff(d.backoffBaseMs, d.backoffMaxMs);
    this.pullBackoff = new Backoff(d.backoffBaseMs, d.backoffMaxMs);
    this.lastStatus = TERMINAL.has(pod.status?.phase ?? '') ? pod.status : undefined;
    if (this.lastStatus) this.finalPhase = true;
    this.statuses = new ContainerStatuses({
      rootDir: d.rootDir,
      logDir: d.logDir,
      pod: () => this.pod,
      probes: () => this.probes,
      waiting: this.waiting,
      backoff: this.backoff,
      event: (t, r, m) => this.event(t, r, m),
    });
    this.probes = new PodProbes(d.runtime, () => this.podIP, {
      onChange: () => this.kick(),
      onFailure: (id, kind, msg) => this.probeFailed(id, kind, msg),
      onUnhealthy: (_id, _kind, msg) => this.event('Warning', 'Unhealthy', `Readiness probe failed: ${msg}`),
    });
  }

  get uid(): string {
    return this.pod.metadata.uid!;
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

  /** The eviction manager's decision: kill within `gracePeriodSeconds`, end Failed/Evicted; resolves once the status is out. */
  evict(gracePeriodSeconds: number, message: string): Promise<void> {
    if (this.finalPhase || this.done) return Promise.resolve();
    return new Promise((resolve) => {
      this.eviction = { gracePeriodSeconds, message, resolve };
      this.kick();
    });
  }
  private eviction: { gracePeriodSeconds: number; message: string; resolve: () => void } | undefined;

  /** Kill every running container, free the pod's volumes (emptyDir space is what disk pressure wants back), report Evicted. */
  private async evicted(observed: ObservedPod, e: { gracePeriodSeconds: number; message: string; resolve: () => void }): Promise<void> {
    const actions: PodAction[] = observed.containers
      .filter((st) => st.state === 'CONTAINER_RUNNING' || st.state === 'CONTAINER_UNKNOWN')
      .map((st) => ({ type: 'killContainer', containerId: st.id, name: st.metadata.name, reason: 'Evicted', message: `Stopping container ${st.metadata.name}`, gracePeriodSeconds: e.gracePeriodSeconds }));
    this.event('Warning', 'Evicted', e.message);
    const results = await this.execute({ actions, waits: [] }, undefined);
    this.report(results);
    if (results.some((r) => !r.ok)) return this.later(TEARDOWN_RETRY_MS);
    this.eviction = undefined;
    await teardownVolumes(this.d.rootDir, this.uid).catch((err: Error) => this.d.log(`pod ${this.pod.metadata?.name}: volumes after eviction: ${err.message}`));
    const after = await this.observe();
    try {
      await this.pushComputed(liveSandbox(after)?.id, groupByName(after.containers), { reason: 'Evicted', message: e.message });
    } finally {
      e.resolve();
    }
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
    this.probes.close();
  }

  private later(ms: number): void {
    // Detached (kubelet stopping) while a sync was running: no new timer (a teardown retry's can be minutes long).
    if (this.done) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.max(10, ms));
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.d.events.event({ apiVersion: 'v1', kind: 'Pod', metadata: this.pod.metadata }, type, reason, message);
  }

  private terminating(): boolean {
    return this.removed || !!this.pod.metadata?.deletionTimestamp;
  }

  /** A liveness/startup probe failed: the next plan kills (and per restartPolicy restarts) the container. */
  private probeFailed(id: string, kind: ProbeKind, message: string): void {
    if (kind === 'readiness') return;
    this.event('Warning', 'Unhealthy', `${kind === 'liveness' ? 'Liveness' : 'Startup'} probe failed: ${message}`);
    this.probeFailures.set(id, kind);
    this.kick();
  }

  // ------------------------------------------------------------------ observe

  /** What the runtime shows of this pod. Ids the runtime no longer knows leave the index; any other failure fails the sync. */
  private async observe(): Promise<ObservedPod> {
    const sandboxes: PodSandboxStatus[] = [];
    for (const id of this.d.index.sandboxIds(this.uid)) {
      try {
        sandboxes.push(await this.d.runtime.podSandboxStatus(id));
      } catch (e) {
        if (!isNotFoundError(e)) throw e;
        this.d.index.removeSandbox(this.uid, id);
      }
    }
    const containers: RtStatus[] = [];
    for (const id of this.d.index.containerIds(this.uid)) {
      try {
        containers.push(await this.d.runtime.containerStatus(id));
      } catch (e) {
        if (!isNotFoundError(e)) throw e;
        this.d.index.removeContainer(this.uid, id);
      }
    }
    return { sandboxes, containers };
  }

  // ------------------------------------------------------------------ sync

  private async sync(): Promise<void> {
    if (this.terminating()) return this.terminate();
    const observed = await this.observe();
    const byName = groupByName(observed.containers);
    for (const [name, all] of byName) this.backoff.forgetIfRanLong(name, all[0]);
    // Probe failures of containers no longer running are spent.
    for (const id of this.probeFailures.keys()) if (!observed.containers.some((c) => c.id === id && c.state === 'CONTAINER_RUNNING')) this.probeFailures.delete(id);
    const now = Date.now();
    const startedAt = Date.parse(this.lastStatus?.startTime ?? this.pod.status?.startTime ?? '') || this.createdAt;
    const plan = planPod({
      pod: this.pod,
      observed,
      now,
      backoff: this.backoff.windows,
      pullBackoff: this.pullBackoff.windows,
      probeFailures: this.probeFailures,
      kubeletKilled: this.kubeletKilled,
      finished: this.finalPhase,
      startedAt,
    });
    if (this.finalPhase) {
      // A finished pod keeps its containers (for logs) but not its sandbox.
      const results = await this.execute(plan, undefined);
      this.report(results);
      if (results.some((r) => !r.ok)) this.later(TEARDOWN_RETRY_MS);
      this.probes.stop();
      return this.pushStatus(this.lastStatus!);
    }
    if (this.eviction) return this.evicted(observed, this.eviction);
    if (plan.outcome?.reason === 'DeadlineExceeded') {
      const results = await this.execute(plan, undefined);
      this.report(results);
      if (results.some((r) => !r.ok)) this.later(TEARDOWN_RETRY_MS);
      this.event('Normal', 'DeadlineExceeded', plan.outcome.message!);
      const after = await this.observe();
      return this.pushComputed(liveSandbox(after)?.id, groupByName(after.containers), { reason: 'DeadlineExceeded', message: plan.outcome.message! });
    }
    this.noteWaits(plan);
    if (observed.sandboxes.length && plan.actions.some((a) => a.type === 'createSandbox')) this.event('Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    if (plan.wakeAt !== undefined) this.later(plan.wakeAt - now);

    let sbConfigAttempt = observed.sandboxes.length;
    let volumes: Map<string, string> | undefined;
    const live = liveSandbox(observed);
    // Volumes need no sandbox (upstream mounts them before making it): set up while it starts,
    // unless one shows the pod's IP, which only the sandbox gives.
    let earlyVolumes: Promise<Map<string, string>> | undefined;
    const exec = await executePlan(this.d.runtime, plan.actions, live?.id, {
      createSandbox: async (a) => {
        sbConfigAttempt = a.attempt;
        if (!volumesNeedPodIP(this.pod)) {
          earlyVolumes = setupVolumes(this.volumeContext());
          earlyVolumes.catch(() => {}); // its error is prepare's, below
        }
        let id: string;
        try {
          id = await this.d.runtime.runPodSandbox(sandboxConfig(this.pod, this.d, a.attempt));
        } catch (e) {
          await earlyVolumes?.catch(() => {}); // nothing of this sync runs on after it returns
          throw e;
        }
        this.d.index.addSandbox(this.uid, id);
        return id;
      },
      prepare: async (sbId) => {
        if (!this.podIP) this.podIP = this.pod.spec!.hostNetwork ? this.d.hostIP : (await this.d.runtime.podSandboxStatus(sbId)).network.ip || '';
        volumes = await (earlyVolumes ?? setupVolumes(this.volumeContext()));
        this.projectedRefreshedAt = Date.now();
      },
      startContainer: async (a, sbId) => {
        const spec = [...(this.pod.spec!.initContainers ?? []), ...this.pod.spec!.containers, ...(this.pod.spec!.ephemeralContainers ?? [])].find((c) => c.name === a.name)!;
        if (a.restart) this.backoff.arm(a.name, Date.now());
        await startContainerAttempt(this.startContext(sbId, sandboxConfig(this.pod, this.d, sbConfigAttempt), volumes!), spec, a.kind, a.attempt, a.pidTargetContainerId);
      },
      beforeKill: (a) => {
        this.event('Normal', 'Killing', a.message);
        if (a.reason === 'LivenessProbe' || a.reason === 'StartupProbe' || a.reason === 'SpecChanged') this.kubeletKilled.add(a.containerId);
      },
      removed: (a) => this.containerRemoved(a.containerId, a.name, a.attempt),
      sandboxRemoved: (a) => this.d.index.removeSandbox(this.uid, a.sandboxId),
    });
    await earlyVolumes?.catch(() => {}); // a plan that started no container never awaited them
    if (live && !volumes && this.projectedRefreshedAt && Date.now() - this.projectedRefreshedAt > PROJECTED_REFRESH_MS && this.pod.spec?.volumes?.some((v) => v.projected)) {
      // Tokens near expiry are replaced (token-manager.ts decides), ConfigMap changes are picked up.
      this.projectedRefreshedAt = Date.now();
      await refreshProjectedVolumes(this.volumeContext()).catch((e: unknown) => this.d.log(`pod ${this.pod.metadata?.namespace}/${this.pod.metadata?.name}: refreshing projected volumes: ${(e as Error).message}`));
    }
    if (exec.prepareError) {
      const e = exec.prepareError;
      if (!(e instanceof VolumeError) && !isNotFound(e)) throw e;
      this.event('Warning', 'FailedMount', `MountVolume.SetUp failed: ${e.message}`);
      this.later(2000);
    }
    for (const r of exec.results) {
      if (r.ok || ('skipped' in r && r.skipped)) continue;
      const a = r.action;
      if (a.type === 'createSandbox') {
        this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${r.error.message}`);
        this.later(this.d.backoffBaseMs);
        return this.pushComputed(undefined, new Map());
      }
      if (a.type === 'resumeContainer') {
        // A container created but never started that will not start: removed, so the next plan makes a new attempt.
        this.d.log(`pod ${this.pod.metadata?.name}: start of ${a.name} failed: ${r.error.message}`);
        await this.d.runtime.removeContainer(a.containerId);
        this.d.index.removeContainer(this.uid, a.containerId);
        this.later(this.d.backoffBaseMs);
        continue;
      }
      this.d.log(`pod ${this.pod.metadata?.namespace}/${this.pod.metadata?.name}: ${describeFailures([r]).join('')}`);
      if (a.type === 'killContainer') this.event('Warning', 'FailedKillPod', `error killing pod: ${describeFailures([r]).join('')}`);
      this.later(TEARDOWN_RETRY_MS);
    }
    const after = await this.observe();
    const states = groupByName(after.containers);
    const running: { id: string; spec: Container }[] = [];
    for (const c of this.pod.spec!.containers) {
      const cur = states.get(c.name)?.[0];
      if (cur?.state === 'CONTAINER_RUNNING') running.push({ id: cur.id, spec: c });
    }
    this.probes.sync(running);
    await this.pushComputed(exec.sandboxId, states);
  }

  /** What starting a container attempt needs from this worker. */
  private startContext(sandboxId: string, sbConfig: PodSandboxConfig, volumes: Map<string, string>): StartContext {
    const d = this.d;
    return {
      pod: this.pod, podIP: this.podIP, hostIP: d.hostIP, nodeName: d.nodeName, rootDir: d.rootDir, services: d.services(this.pod.metadata.namespace!), client: d.client,
      images: d.images, seccompDefault: !!d.seccompDefault, volumes, runtime: d.runtime, ...(d.objects ? { objects: d.objects.forPod(this.uid) } : {}), sandboxId, sandboxConfig: sbConfig,
      pullBackoff: this.pullBackoff, backoffBaseMs: d.backoffBaseMs, waiting: this.waiting,
      event: (t, r, m) => this.event(t, r, m),
      created: (id) => d.index.addContainer(this.uid, id),
      retryIn: (ms) => this.later(ms),
      pullCredentials: (image) => pullCredentials(d.client, this.pod, image, d.nodeKeyring?.() ?? new Keyring(),
        (m) => (m.startsWith('Unable') ? this.event('Warning', 'FailedToRetrieveImagePullSecret', m) : d.log(m))),
    };
  }

  /** Carry out a plan that starts nothing (finished pods, the active deadline). */
  private async execute(plan: PodPlan, live: string | undefined): Promise<ActionResult[]> {
    const exec = await executePlan(this.d.runtime, plan.actions, live, {
      createSandbox: () => Promise.reject(new Error('no sandbox is made for a pod that is over')),
      startContainer: () => Promise.reject(new Error('no container starts in a pod that is over')),
      beforeKill: (a) => this.event('Normal', 'Killing', a.message),
      removed: (a) => this.containerRemoved(a.containerId, a.name, a.attempt),
      sandboxRemoved: (a) => this.d.index.removeSandbox(this.uid, a.sandboxId),
    });
    return exec.results;
  }

  private report(results: ActionResult[]): void {
    for (const f of describeFailures(results)) this.d.log(`pod ${this.pod.metadata?.namespace}/${this.pod.metadata?.name}: ${f}`);
  }

  /** Waiting reasons and back-off events from the plan's waits. */
  private noteWaits(plan: PodPlan): void {
    const m = this.pod.metadata;
    for (const w of plan.waits) {
      // An image pull back-off's waiting reason was set when the pull failed.
      if (w.reason !== 'CrashLoopBackOff') continue;
      const b = this.backoff.get(w.name)!;
      this.waiting.set(w.name, { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(b.delayMs / 1000)}s restarting failed container=${w.name} pod=${m.name}_${m.namespace}(${this.uid})` });
      if (this.backoff.firstReport(w.name)) this.event('Warning', 'BackOff', 'Back-off restarting failed container');
    }
  }

  /** A container attempt was removed: its termination message and file go with it. */
  private containerRemoved(id: string, name: string, attempt: number): void {
    this.statuses.forget(id);
    rmSync(terminationFile(this.d.rootDir, this.uid, name, attempt), { force: true });
    this.kubeletKilled.delete(id);
    this.d.index.removeContainer(this.uid, id);
  }

  // ------------------------------------------------------------------ status

  private async pushComputed(sbId: string | undefined, states: Map<string, RtStatus[]>, failed?: { reason: string; message: string }): Promise<void> {
    const spec = this.pod.spec!;
    const initStatuses = (spec.initContainers ?? []).map((c) => this.statuses.of(c, states.get(c.name), 'init', false));
    const initPending = initStatuses.some((s) => s.state?.terminated?.exitCode !== 0);
    const statuses = spec.containers.map((c) => this.statuses.of(c, states.get(c.name), 'app', initPending));
    const ephemeralStatuses = (spec.ephemeralContainers ?? []).map((c) => this.statuses.of(c, states.get(c.name), 'ephemeral', false));
    const phase = failed ? 'Failed' : computePhase(spec, initStatuses, statuses);
    const prev = this.lastStatus ?? this.pod.status;
    const status: PodStatus = {
      phase,
      conditions: stampTransitions(
        [
          ...computeConditions(spec, phase, !!sbId, initStatuses, statuses),
          // As upstream's PodDisruptionConditions: the kubelet says it ended the pod.
          ...(failed?.reason === 'Evicted' ? [{ type: 'DisruptionTarget', status: 'True' as const, reason: 'TerminationByKubelet', message: failed.message }] : []),
        ],
        prev?.conditions,
      ),
      hostIP: this.d.hostIP,
      hostIPs: [{ ip: this.d.hostIP }],
      ...(this.podIP ? { podIP: this.podIP, podIPs: [{ ip: this.podIP }] } : {}),
      startTime: prev?.startTime ?? apiTime(this.createdAt),
      ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: statuses,
      ...(ephemeralStatuses.length ? { ephemeralContainerStatuses: ephemeralStatuses } : {}),
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

  /**
   * Kill and remove everything of the pod; only when the runtime shows nothing of it any more is
   * the API object deleted (grace 0). A failure is an event (FailedKillPod) and part of the pod's
   * status, and the teardown is tried again with back-off: the pod stays Terminating meanwhile.
   */
  private async terminate(): Promise<void> {
    this.probes.stop();
    clearTimeout(this.timer);
    this.terminationDeadline ??= Date.now() + terminationGrace(this.pod, this.removed) * 1000;
    const res = await terminatePod({
      runtime: this.d.runtime,
      pod: this.pod,
      podIP: this.podIP,
      deadline: this.terminationDeadline,
      observe: () => this.observe(),
      event: (t, r, m) => this.event(t, r, m),
      containerRemoved: (id) => this.d.index.removeContainer(this.uid, id),
      sandboxRemoved: (id) => this.d.index.removeSandbox(this.uid, id),
    });
    if (!res.gone || res.failures.length) {
      const delay = Math.min(TEARDOWN_RETRY_MS * 2 ** this.teardownFailures, Math.max(TEARDOWN_RETRY_MS, this.d.backoffMaxMs));
      this.teardownFailures++;
      const message = `error killing pod: ${res.failures.length ? res.failures.join(', ') : 'containers are still present in the runtime'}`;
      this.d.log(`pod ${this.pod.metadata?.namespace}/${this.pod.metadata?.name}: ${message}; retrying in ${delay}ms`);
      this.event('Warning', 'FailedKillPod', message);
      const base = this.lastStatus ?? this.pod.status ?? {};
      // Shown in the pod's status too (phase unchanged): why it is still Terminating.
      if (!this.removed) await this.pushStatus({ ...base, reason: 'FailedKillPod', message });
      this.later(delay);
      return;
    }
    this.d.index.forget(this.uid);
    await teardownVolumes(this.d.rootDir, this.uid);
    this.d.tokens?.deletePod(this.uid);
    this.d.objects?.release(this.uid);
    rmSync(logDirectory(this.d.logDir, this.pod), { recursive: true, force: true });
    const m = this.pod.metadata;
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
