// A recording, in-memory fake of the CRI-shaped RuntimeService for kubelet tests that need no
// root: sandboxes and containers are records with states, every call is recorded, and a test
// can make any method fail (once, n times, or until cleared) or make a container exit.
// Unknown ids throw the runtime's typed NotFoundError, as the real runtime does.
import type { Duplex } from 'node:stream';
import { NotFoundError } from '../runtime/errors.js';
import type {
  AttachRequest, Container, ContainerConfig, ContainerFilter, ContainerStats, ContainerStatus, ExecRequest, ExecSyncResult,
  LinuxResources, PodSandbox, PodSandboxConfig, PodSandboxFilter, PodSandboxStatus, RuntimeService, RuntimeVersion, StreamSession,
} from '../runtime/cri.js';

export interface RecordedCall {
  method: keyof RuntimeService;
  args: unknown[];
  /** The error the call rejected with, if it did. */
  error?: Error;
}

interface Failure {
  error: () => Error;
  /** Calls left to fail; Infinity until cleared. */
  left: number;
  /** Only calls whose first argument is this id. */
  id?: string;
}

let seq = 0;
const newId = () => (++seq).toString(16).padStart(64, '0');

function matches(labels: Record<string, string>, sel: Record<string, string> | undefined): boolean {
  return !sel || Object.entries(sel).every(([k, v]) => labels[k] === v);
}

export class FakeRuntime implements RuntimeService {
  readonly calls: RecordedCall[] = [];
  readonly sandboxes = new Map<string, PodSandboxStatus & { config: PodSandboxConfig }>();
  readonly containers = new Map<string, ContainerStatus>();
  private readonly failures = new Map<string, Failure[]>();
  /** Exit code a container gets when stopped (SIGTERM'd PID 1 of a shell: 143; SIGKILL: 137). */
  stopExitCode = 137;
  private clock = 1_000;

  /** Make `method` reject: `times` calls (default 1; Infinity until clearFailures), optionally only for one id. */
  fail(method: keyof RuntimeService, opts: { times?: number; id?: string; error?: () => Error } = {}): void {
    const list = this.failures.get(method) ?? [];
    list.push({ error: opts.error ?? (() => new Error(`injected ${method} failure`)), left: opts.times ?? 1, ...(opts.id ? { id: opts.id } : {}) });
    this.failures.set(method, list);
  }

  clearFailures(method?: keyof RuntimeService): void {
    if (method) this.failures.delete(method);
    else this.failures.clear();
  }

  /** Calls of one method (in order). */
  callsOf(method: keyof RuntimeService): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** A running container's PID 1 exits on its own. */
  exit(containerId: string, exitCode: number, reason: ContainerStatus['reason'] = exitCode === 0 ? 'Completed' : 'Error'): void {
    const c = this.mustContainer(containerId);
    Object.assign(c, { state: 'CONTAINER_EXITED', exitCode, reason, finishedAt: this.tick(), pid: 0 });
  }

  /** The pause process dies (the sandbox is no longer ready; its containers keep their state). */
  killSandboxProcess(sandboxId: string): void {
    Object.assign(this.mustSandbox(sandboxId), { state: 'SANDBOX_NOTREADY', pid: 0 });
  }

  private tick(): number {
    return (this.clock += 1);
  }

  private record<T>(method: keyof RuntimeService, args: unknown[], body: () => T | Promise<T>): Promise<T> {
    const call: RecordedCall = { method, args };
    this.calls.push(call);
    const list = this.failures.get(method) ?? [];
    const f = list.find((x) => x.left > 0 && (x.id === undefined || x.id === args[0]));
    const run = async (): Promise<T> => {
      if (f) {
        f.left--;
        throw f.error();
      }
      return await body();
    };
    return run().catch((e: Error) => {
      call.error = e;
      throw e;
    });
  }

  private mustSandbox(id: string) {
    const s = this.sandboxes.get(id);
    if (!s) throw new NotFoundError('pod sandbox', id);
    return s;
  }

  private mustContainer(id: string): ContainerStatus {
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError('container', id);
    return c;
  }

  version(): Promise<RuntimeVersion> {
    return this.record('version', [], () => ({ runtimeName: 'fake', runtimeVersion: '0', runtimeApiVersion: 'v1' }));
  }

  runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return this.record('runPodSandbox', [config], () => {
      const id = newId();
      this.sandboxes.set(id, { id, config, metadata: config.metadata, state: 'SANDBOX_READY', createdAt: this.tick(), network: { ip: config.hostNetwork ? '' : `10.99.0.${this.sandboxes.size + 2}` }, hostNetwork: !!config.hostNetwork, pid: 100, labels: { ...(config.labels ?? {}) }, annotations: { ...(config.annotations ?? {}) } });
      return id;
    });
  }

  /** As the real runtime: its containers are stopped through stopContainer (so an injected stop failure fails this too). */
  stopPodSandbox(podSandboxId: string): Promise<void> {
    return this.record('stopPodSandbox', [podSandboxId], async () => {
      const s = this.sandboxes.get(podSandboxId);
      if (!s) return; // idempotent, as the real one
      for (const c of [...this.containers.values()]) if (c.podSandboxId === podSandboxId && c.state === 'CONTAINER_RUNNING') await this.stopContainer(c.id, 0);
      Object.assign(s, { state: 'SANDBOX_NOTREADY', pid: 0 });
    });
  }

  /** Stops first, then removes the sandbox and its containers (unknown id: no error, as the real one). */
  removePodSandbox(podSandboxId: string): Promise<void> {
    return this.record('removePodSandbox', [podSandboxId], async () => {
      if (!this.sandboxes.has(podSandboxId)) return;
      await this.stopPodSandbox(podSandboxId);
      for (const [id, c] of this.containers) if (c.podSandboxId === podSandboxId) this.containers.delete(id);
      this.sandboxes.delete(podSandboxId);
    });
  }

  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    return this.record('podSandboxStatus', [podSandboxId], () => {
      // The stored record keeps the config it was made with; a status does not carry it.
      const st: PodSandboxStatus & { config?: PodSandboxConfig } = structuredClone(this.mustSandbox(podSandboxId));
      delete st.config;
      return st;
    });
  }

  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return this.record('listPodSandbox', [filter], () =>
      [...this.sandboxes.values()]
        .filter((s) => (!filter?.id || s.id === filter.id) && (!filter?.state || s.state === filter.state) && matches(s.labels, filter?.labelSelector))
        .map((s) => ({ id: s.id, metadata: s.metadata, state: s.state, createdAt: s.createdAt, labels: { ...s.labels }, annotations: { ...s.annotations } })),
    );
  }

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return this.record('createContainer', [podSandboxId, config, sandboxConfig], () => {
      if (this.mustSandbox(podSandboxId).state !== 'SANDBOX_READY') throw new Error(`pod sandbox ${podSandboxId} is not ready`);
      const id = newId();
      this.containers.set(id, { id, podSandboxId, metadata: config.metadata, state: 'CONTAINER_CREATED', pid: 0, createdAt: this.tick(), startedAt: 0, finishedAt: 0, exitCode: 0, image: config.image, imageRef: config.image, reason: '', message: '', labels: { ...(config.labels ?? {}) }, annotations: { ...(config.annotations ?? {}) }, mounts: config.mounts ?? [], logPath: config.logPath ?? '' });
      return id;
    });
  }

  startContainer(containerId: string): Promise<void> {
    return this.record('startContainer', [containerId], () => {
      const c = this.mustContainer(containerId);
      if (c.state !== 'CONTAINER_CREATED') throw new Error(`container ${containerId} is ${c.state}, not CONTAINER_CREATED`);
      Object.assign(c, { state: 'CONTAINER_RUNNING', startedAt: this.tick(), pid: 1000 + this.containers.size });
    });
  }

  stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    return this.record('stopContainer', [containerId, timeoutSeconds], () => {
      const c = this.mustContainer(containerId);
      if (c.state !== 'CONTAINER_RUNNING') return;
      Object.assign(c, { state: 'CONTAINER_EXITED', exitCode: this.stopExitCode, reason: 'Error', finishedAt: this.tick(), pid: 0 });
    });
  }

  /** A running container is stopped first, through stopContainer (unknown id: no error, as the real one). */
  removeContainer(containerId: string): Promise<void> {
    return this.record('removeContainer', [containerId], async () => {
      const c = this.containers.get(containerId);
      if (!c) return;
      if (c.state === 'CONTAINER_RUNNING') await this.stopContainer(containerId, 0);
      this.containers.delete(containerId);
    });
  }

  containerStatus(containerId: string): Promise<ContainerStatus> {
    return this.record('containerStatus', [containerId], () => structuredClone(this.mustContainer(containerId)));
  }

  listContainers(filter?: ContainerFilter): Promise<Container[]> {
    return this.record('listContainers', [filter], () =>
      [...this.containers.values()]
        .filter((c) => (!filter?.id || c.id === filter.id) && (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId) && (!filter?.state || c.state === filter.state) && matches(c.labels, filter?.labelSelector))
        .map((c) => ({ id: c.id, podSandboxId: c.podSandboxId, metadata: c.metadata, image: c.image, imageRef: c.imageRef, state: c.state, createdAt: c.createdAt, labels: { ...c.labels }, annotations: { ...c.annotations } })),
    );
  }

  updateContainerResources(containerId: string, resources: LinuxResources): Promise<void> {
    return this.record('updateContainerResources', [containerId, resources], () => void this.mustContainer(containerId));
  }

  containerStats(containerId: string): Promise<ContainerStats> {
    return this.record('containerStats', [containerId], () => {
      this.mustContainer(containerId);
      return { containerId, timestamp: this.clock, cpu: { usageCoreNanoSeconds: 0 }, memory: { workingSetBytes: 0, usageBytes: 0, rssBytes: 0 }, pids: { current: 1 } };
    });
  }

  async listContainerStats(filter?: ContainerFilter): Promise<ContainerStats[]> {
    const cs = await this.listContainers(filter);
    return Promise.all(cs.map((c) => this.containerStats(c.id)));
  }

  pauseContainer(containerId: string): Promise<void> {
    return this.record('pauseContainer', [containerId], () => void this.mustContainer(containerId));
  }

  unpauseContainer(containerId: string): Promise<void> {
    return this.record('unpauseContainer', [containerId], () => void this.mustContainer(containerId));
  }

  /** Exec always "succeeds" with no output (probes and hooks pass) unless a failure is injected. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    return this.record('execSync', [containerId, cmd, timeoutSeconds], () => {
      this.mustContainer(containerId);
      return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0, timedOut: false };
    });
  }

  exec(request: ExecRequest): Promise<StreamSession> {
    return this.record('exec', [request], () => {
      throw new Error('FakeRuntime: exec streams are not faked');
    });
  }

  attach(request: AttachRequest): Promise<StreamSession> {
    return this.record('attach', [request], () => {
      throw new Error('FakeRuntime: attach streams are not faked');
    });
  }

  portForward(podSandboxId: string, port: number): Promise<Duplex> {
    return this.record('portForward', [podSandboxId, port], () => {
      throw new Error('FakeRuntime: port-forward is not faked');
    });
  }
}
