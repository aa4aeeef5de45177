// The runtime: pod sandboxes and containers on namespaces, overlayfs and
// cgroups, behind the CRI-shaped RuntimeService. All state is on disk (see
// state.ts); the processes are owned by tskube-shim daemons, so any number
// of runtime instances (and restarts of Node) see the same truth.
import { spawnCaptured } from './spawner.js';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Duplex } from 'node:stream';
import type {
  AttachRequest,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerReason,
  ContainerStats,
  ContainerStatus,
  ExecRequest,
  ExecSyncResult,
  LinuxResources,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatus,
  RuntimeService,
  RuntimeVersion,
  SeccompProfile,
  StreamSession,
} from './cri.js';
import type { ImageService } from './images/types.js';
import type { PodNetwork, PodNetworkResult, PortMapping as HostPortMapping } from './network/types.js';
import { CAPABILITIES, effectiveCapabilities } from './capabilities.js';
import { detectCgroupDriver, type CgroupDriver } from './cgroups.js';
import { seccompConfig, SeccompProfileError } from './seccomp.js';
import { checkSubPath, checkSysctls, hostPidLimit, InvalidArgumentError } from './pod-security.js';
import { resolveProcess } from './command.js';
import { hostsFile, resolvConf } from './pod-files.js';
import { cmdlineHas, inCgroup, isAlive, readKV, signal } from './proc.js';
import { encodeShimConfig, saveShimConfig, writeShimConfig, type ShimConfig } from './shim-config.js';
import { ensureShim } from './shim-binary.js';
import { asPromise } from './as-promise.js';
import { ensureDir, listIds, readJson, removeDir, writeJsonAtomic, type ContainerRecord, type ProcessSpec, type SandboxRecord } from './state.js';
import { NotFoundError, isNotFoundError } from './errors.js';
import { attachSession, execSession, execSync, portForwardStream } from './streams.js';
import { lookupUser } from './users.js';

export interface RuntimeOptions {
  /** Resolves image refs to layers + config (runtime/images ImageService). */
  images: Pick<ImageService, 'resolve'>;
  /** Pod networking; without it, non-hostNetwork pods get a loopback-only network namespace. */
  network?: PodNetwork;
  /** Default /run/tskube. */
  stateDir?: string;
  /** Container rootfs, upper and work dirs. Default /var/lib/tskube/containers. */
  containersDir?: string;
  /** Parent of every pod cgroup. Default 'tskube'. */
  cgroupRoot?: string;
  cgroups?: CgroupDriver;
  /** Prebuilt shim; default: compiled on first use from runtime/shim/tskube-shim.c. */
  shimPath?: string;
  /** Rotate a container log when it exceeds this size. Default 10 MiB. */
  logMaxBytes?: number;
  /** Rotated files kept (incl. the live one). Default 5. */
  logMaxFiles?: number;
  hostResolvConf?: string;
  /**
   * Pids kept for the host: the cgroup root's pids.max is min(pid_max, threads-max) minus this, so
   * pods together can never take every pid (kubelet --system-reserved-pids). Default 1024.
   */
  reservedPids?: number;
  /** BENCHMARK ONLY: resolve container paths the old, unsafe way, to show what the safe walk costs. */
  benchUnsafePaths?: boolean;
}

/** Default RuntimeOptions.reservedPids. */
export const DEFAULT_RESERVED_PIDS = 1024;

export { InvalidArgumentError };

/** The shim keys naming a profile file and its compiled-program cache. */
function seccompKeys(file: string | undefined): ShimConfig {
  return file ? [['seccomp_profile', file], ['seccomp_cache', file.replace(/\.conf$/, '.bpf')]] : [];
}

export { NotFoundError };

/** The pause process's leaf under the pod cgroup (v2 forbids processes in inner nodes). */
function pauseCgroup(r: SandboxRecord): string {
  return `${r.cgroup}/pause-${r.id.slice(0, 12)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function newId(): string {
  return randomBytes(32).toString('hex');
}

function matchLabels(labels: Record<string, string> | undefined, sel: Record<string, string> | undefined): boolean {
  if (!sel) return true;
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

/** Runs the shim in a launch mode; resolves with the pid it reports ("ok <pid>"). */
async function launch(shim: string, mode: 'start' | 'pause', conf: string): Promise<number> {
  // The launcher exits once the daemonized shim reports; through the spawn helper (see spawner.ts).
  const { error, stdout, stderr } = await spawnCaptured(shim, [mode, conf], { timeoutMs: 60_000 });
  const line = stdout.trim();
  if (line.startsWith('ok ')) return Number(line.slice(3));
  throw new Error(line.startsWith('err ') ? line.slice(4) : `tskube-shim ${mode} failed: ${stderr.trim() || error?.message}`);
}

export class Runtime implements RuntimeService {
  readonly stateDir: string;
  readonly containersDir: string;
  readonly cgroupRoot: string;
  readonly cgroups: CgroupDriver;
  private readonly images: Pick<ImageService, 'resolve'>;
  private readonly network?: PodNetwork;
  private readonly opts: RuntimeOptions;
  /** Sandboxes whose hostPort rules are still being written: their first container's start
   *  waits for them, so the ports work once it is running, and the rules' iptables-restore runs
   *  while the container is created and launched instead of before. */
  private readonly hostPortsPending = new Map<string, Promise<void>>();
  /** Sandboxes whose hostPort rules failed: not ready, so the kubelet replaces them. */
  private readonly hostPortsFailed = new Set<string>();

  constructor(opts: RuntimeOptions) {
    this.opts = opts;
    this.images = opts.images;
    this.network = opts.network;
    this.stateDir = opts.stateDir ?? '/run/tskube';
    this.containersDir = opts.containersDir ?? '/var/lib/tskube/containers';
    this.cgroupRoot = opts.cgroupRoot ?? 'tskube';
    this.cgroups = opts.cgroups ?? detectCgroupDriver();
  }

  private rootReady?: Promise<void>;

  /** The cgroup root, once per instance: its pids.max leaves the host reservedPids pids. */
  private ensureCgroupRoot(): Promise<void> {
    this.rootReady ??= this.cgroups.create(this.cgroupRoot, { pidsLimit: hostPidLimit(this.opts.reservedPids ?? DEFAULT_RESERVED_PIDS) }).catch((e) => {
      this.rootReady = undefined;
      throw e;
    });
    return this.rootReady;
  }

  private shim(): Promise<string> {
    return this.opts.shimPath ? Promise.resolve(this.opts.shimPath) : ensureShim();
  }

  private sbDir(id: string): string {
    return join(this.stateDir, 'sandboxes', id);
  }
  private ctDir(id: string): string {
    return join(this.stateDir, 'containers', id);
  }

  // ------------------------------------------------------------ records

  private sandbox(id: string): SandboxRecord {
    const r = readJson<SandboxRecord>(join(this.sbDir(id), 'sandbox.json'));
    if (!r) throw new NotFoundError('pod sandbox', id);
    return r;
  }

  private container(id: string): ContainerRecord {
    const r = readJson<ContainerRecord>(join(this.ctDir(id), 'container.json'));
    if (!r) throw new NotFoundError('container', id);
    return r;
  }

  private sandboxReady(r: SandboxRecord): boolean {
    return !r.stopped && !this.hostPortsFailed.has(r.id) && isAlive(r.pausePid) && inCgroup(r.pausePid, pauseCgroup(r));
  }

  /** The container's live/exit facts, from the shim's files and /proc. */
  private facts(r: ContainerRecord): Pick<ContainerStatus, 'state' | 'pid' | 'startedAt' | 'finishedAt' | 'exitCode' | 'reason' | 'message'> {
    const dir = this.ctDir(r.id);
    const exit = readKV(join(dir, 'exit'));
    const started = readKV(join(dir, 'started'));
    return this.factsFrom(r, exit, started, true);
  }

  private factsFrom(
    r: ContainerRecord,
    exit: Record<string, string> | null,
    started: Record<string, string> | null,
    recheck: boolean,
  ): Pick<ContainerStatus, 'state' | 'pid' | 'startedAt' | 'finishedAt' | 'exitCode' | 'reason' | 'message'> {
    const startedAt = started ? Math.round(Number(started.started_ns) / 1e6) : 0;
    if (exit) {
      const code = Number(exit.exit_code);
      const reason: ContainerReason = exit.start_error === '1' ? 'ContainerCannotRun' : exit.oom === '1' ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error';
      return { state: 'CONTAINER_EXITED', pid: 0, startedAt, finishedAt: Math.round(Number(exit.finished_ns) / 1e6), exitCode: code, reason, message: exit.message ?? '' };
    }
    if (!started) return { state: 'CONTAINER_CREATED', pid: 0, startedAt: 0, finishedAt: 0, exitCode: 0, reason: '', message: '' };
    const pid = Number(started.pid);
    const monitor = Number(started.monitor_pid);
    // The monitor's command line holds its config path, which holds the container id (guards against pid reuse).
    if ((isAlive(pid) && inCgroup(pid, r.cgroup)) || cmdlineHas(monitor, r.id)) {
      return { state: 'CONTAINER_RUNNING', pid: isAlive(pid) ? pid : 0, startedAt, finishedAt: 0, exitCode: 0, reason: '', message: '' };
    }
    // The monitor may have written the exit file and ended since it was read: read it again.
    if (recheck) return this.factsFrom(r, readKV(join(this.ctDir(r.id), 'exit')), started, false);
    // The monitor was killed before it could record the exit: the code is lost.
    return { state: 'CONTAINER_EXITED', pid: 0, startedAt, finishedAt: startedAt, exitCode: 255, reason: 'Error', message: 'exit status lost: container monitor died' };
  }

  // ------------------------------------------------------------ sandboxes

  version(): Promise<RuntimeVersion> {
    return Promise.resolve({ runtimeName: 'tskube', runtimeVersion: '0.1.0', runtimeApiVersion: 'v1' });
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const shim = await this.shim();
    const sysctls = checkSysctls(config);
    await this.ensureCgroupRoot();
    const id = newId();
    // Async mkdirs and writes on the start path: many pods start at once and share this event loop.
    const dir = this.sbDir(id);
    const hostNetwork = !!config.hostNetwork;
    const hostname = config.hostname || config.metadata.name;
    const cgroup = `${this.cgroupRoot}/${config.cgroupParent ?? `pod${config.metadata.uid}`}`;
    let pausePid = 0;
    let networkUp = false;
    try {
      // Both cgroups (the pause one's mkdir makes the pod's) and the state dir at once: each
      // await is a thread-pool round trip, a few ms apiece on a busy node.
      await Promise.all([mkdir(dir, { recursive: true }), this.cgroups.create(`${cgroup}/pause-${id.slice(0, 12)}`)]);
      if (config.resources) this.cgroups.update(cgroup, config.resources);
      const conf: ShimConfig = [
        ['new_net', hostNetwork ? 0 : 1],
        ['new_ipc', config.hostIPC ? 0 : 1],
        ['new_uts', hostNetwork ? 0 : 1],
        ['new_pid', config.shareProcessNamespace && !config.hostPID ? 1 : 0],
        ...sysctls.map((kv): [string, string] => ['sysctl', kv]),
        ['hostname', hostname],
        ['started', join(dir, 'started')],
        ...this.cgroups.procsFiles(`${cgroup}/pause-${id.slice(0, 12)}`).map((f): [string, string] => ['cgroup', f]),
      ];
      await saveShimConfig(join(dir, 'pause.conf'), conf);
      // The pod network's bookkeeping and hostPort rules run while the pause process starts;
      // the veth goes into its netns once it exists.
      let netnsReady: (path: string) => void = () => {};
      let netnsFailed: (e: Error) => void = () => {};
      let setup: Promise<PodNetworkResult> | undefined;
      if (!hostNetwork && this.network) {
        const ports = (config.portMappings ?? [])
          .filter((p) => p.hostPort)
          .map((p): HostPortMapping => ({ hostPort: p.hostPort!, containerPort: p.containerPort, protocol: p.protocol === 'UDP' ? 'UDP' : 'TCP', hostIP: p.hostIp || undefined }));
        const netnsPath = new Promise<string>((res, rej) => { netnsReady = res; netnsFailed = rej; });
        netnsPath.catch(() => {}); // setup may have failed before it waits for it
        networkUp = true; // from here on a failure tears the network down (teardown of nothing is fine)
        setup = this.network.setup({ sandboxId: id, netnsPath, portMappings: ports, hostNetwork, deferHostPorts: true });
        setup.catch(() => {}); // awaited below
      }
      try {
        pausePid = await launch(shim, 'pause', join(dir, 'pause.conf'));
      } catch (e) {
        netnsFailed(e as Error);
        await setup?.catch(() => {});
        throw e;
      }
      netnsReady(`/proc/${pausePid}/ns/net`);
      let network = { ip: '', gateway: '', prefixLength: 0 };
      if (setup) {
        const res = await setup;
        network = { ip: res.ip, gateway: res.gateway, prefixLength: res.prefixLength };
        if (res.hostPorts) this.trackHostPorts(id, res.hostPorts);
      }
      writeFileSync(join(dir, 'hosts'), hostsFile({ hostname, ip: network.ip, domain: config.hostDomain, aliases: config.hostAliases, hostNetwork }));
      writeFileSync(join(dir, 'resolv.conf'), resolvConf(config.dnsConfig, this.opts.hostResolvConf));
      writeFileSync(join(dir, 'hostname'), `${hostNetwork ? readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() : hostname}\n`);
      const rec: SandboxRecord = { id, config, createdAt: Date.now(), cgroup, pausePid, network, stopped: false };
      writeJsonAtomic(join(dir, 'sandbox.json'), rec);
      return id;
    } catch (e) {
      if (pausePid) signal(pausePid, 'SIGKILL');
      // Best-effort rollback, the creation error is what the caller sees; leftovers have no record
      // and are removed by the orphan sweep (orphans.ts) when a kubelet starts.
      await this.hostPortsPending.get(id)?.catch(() => {});
      this.hostPortsFailed.delete(id);
      if (networkUp) await this.network!.teardown(id).catch(() => {});
      await this.cgroups.remove(`${cgroup}/pause-${id.slice(0, 12)}`).catch(() => {});
      await this.cgroups.removeIfEmpty(cgroup).catch(() => {});
      removeDir(dir);
      throw e;
    }
  }

  private trackHostPorts(id: string, rules: Promise<void>): void {
    const tracked = rules.then(
      () => { this.hostPortsPending.delete(id); },
      async (e: unknown) => {
        this.hostPortsFailed.add(id);
        // Its state (and so its ports) would be in every later rewrite, failing other pods' too: out now.
        await this.network?.teardown(id).catch(() => {});
        this.hostPortsPending.delete(id);
        throw new Error(`pod sandbox ${id}: writing its hostPort rules failed: ${(e as Error).message}`);
      },
    );
    tracked.catch(() => {}); // a start awaits it; with none, the sandbox shows NOTREADY instead
    this.hostPortsPending.set(id, tracked);
  }

  /** Waits for the sandbox's hostPort rules if they are still being written (no-op otherwise). */
  private async hostPortsWritten(sandboxId: string): Promise<void> {
    await this.hostPortsPending.get(sandboxId);
    if (this.hostPortsFailed.has(sandboxId)) throw new Error(`pod sandbox ${sandboxId}: its hostPort rules could not be written`);
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    let r: SandboxRecord;
    try {
      r = this.sandbox(podSandboxId);
    } catch (e) {
      if (isNotFoundError(e)) return; // already gone: idempotent, as CRI
      throw e;
    }
    const ids = listIds(join(this.stateDir, 'containers'), 'container.json');
    await Promise.all(
      ids.map(async (cid) => {
        const c = readJson<ContainerRecord>(join(this.ctDir(cid), 'container.json'));
        if (c?.sandboxId === podSandboxId) await this.stopContainer(cid, 0);
      }),
    );
    if (isAlive(r.pausePid) && inCgroup(r.pausePid, pauseCgroup(r))) {
      signal(r.pausePid, 'SIGKILL');
      for (let i = 0; i < 500 && isAlive(r.pausePid); i++) await sleep(2);
    }
    // Rules still being written finish first, so the teardown's rewrite is the last word.
    await this.hostPortsPending.get(podSandboxId)?.catch(() => {});
    if (this.network && !r.config.hostNetwork) await this.network.teardown(podSandboxId);
    this.hostPortsFailed.delete(podSandboxId);
    if (!r.stopped) writeJsonAtomic(join(this.sbDir(podSandboxId), 'sandbox.json'), { ...r, stopped: true });
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    let r: SandboxRecord;
    try {
      r = this.sandbox(podSandboxId);
    } catch (e) {
      if (isNotFoundError(e)) return; // already gone: idempotent, as CRI
      throw e;
    }
    await this.stopPodSandbox(podSandboxId);
    for (const cid of listIds(join(this.stateDir, 'containers'), 'container.json')) {
      const c = readJson<ContainerRecord>(join(this.ctDir(cid), 'container.json'));
      if (c?.sandboxId === podSandboxId) await this.removeContainer(cid);
    }
    // The pod cgroup is shared by all sandboxes (attempts) of one pod: remove only ours, then it if empty.
    await this.cgroups.remove(pauseCgroup(r));
    await this.cgroups.removeIfEmpty(r.cgroup);
    removeDir(this.sbDir(podSandboxId));
  }

  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    return asPromise(() => {
      const r = this.sandbox(podSandboxId);
      const ready = this.sandboxReady(r);
      return {
        id: r.id,
        metadata: r.config.metadata,
        state: ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
        createdAt: r.createdAt,
        network: r.network,
        hostNetwork: !!r.config.hostNetwork,
        pid: ready ? r.pausePid : 0,
        labels: r.config.labels ?? {},
        annotations: r.config.annotations ?? {},
        logDirectory: r.config.logDirectory,
      };
    });
  }

  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return asPromise(() => {
      const out: PodSandbox[] = [];
      for (const id of listIds(join(this.stateDir, 'sandboxes'), 'sandbox.json')) {
        if (filter?.id && !id.startsWith(filter.id)) continue;
        const r = readJson<SandboxRecord>(join(this.sbDir(id), 'sandbox.json'));
        if (!r) continue;
        const state = this.sandboxReady(r) ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';
        if (filter?.state && filter.state !== state) continue;
        if (!matchLabels(r.config.labels, filter?.labelSelector)) continue;
        out.push({ id, metadata: r.config.metadata, state, createdAt: r.createdAt, labels: r.config.labels ?? {}, annotations: r.config.annotations ?? {} });
      }
      return out;
    });
  }

  // ------------------------------------------------------------ containers

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    const sb = this.sandbox(podSandboxId);
    const sbConfig = sandboxConfig ?? sb.config;
    const image = await this.images.resolve(config.image);
    const id = newId();
    const dir = this.ctDir(id);
    const rootDir = join(this.containersDir, id);
    try {
      await Promise.all([dir, ...['rootfs', 'upper', 'work'].map((d) => join(rootDir, d))].map((d) => mkdir(d, { recursive: true })));
      const sc = config.securityContext ?? {};
      const privileged = !!sc.privileged;
      const hostname = sbConfig.hostNetwork ? undefined : sbConfig.hostname || sbConfig.metadata.name;
      const proc = resolveProcess(image.config, config, hostname);
      if (config.securityContext?.runAsUser === undefined) {
        const named = lookupUser(image.layers, image.config.User);
        if (named) {
          proc.uid = named.uid;
          if (config.securityContext?.runAsGroup === undefined) proc.gid = named.gid;
        }
      }
      const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
      const spec: ProcessSpec = {
        ...proc,
        groups: sc.supplementalGroups ?? [],
        caps: effectiveCapabilities({ privileged, add: sc.capabilities?.add, drop: sc.capabilities?.drop }, lastCap),
        noNewPrivs: !privileged && sc.allowPrivilegeEscalation !== true,
        privileged,
      };
      for (const m of config.mounts ?? []) checkSubPath(m.subPath);
      try {
        // Compiled once here (a Localhost profile is read now); exec sessions reuse the same lines.
        spec.seccompProfile = this.seccompProfileFile(sc.seccompProfile, spec.caps.map((n) => `CAP_${CAPABILITIES[n]}`), privileged);
      } catch (e) {
        throw e instanceof SeccompProfileError ? new InvalidArgumentError(e.message) : e;
      }
      let logPath = config.logPath ?? '';
      if (logPath && !isAbsolute(logPath)) logPath = join(sbConfig.logDirectory ?? sb.config.logDirectory ?? '/var/log/pods', logPath);
      const cgroup = `${sb.cgroup}/${id.slice(0, 32)}`;
      // The CPU weight is written by the container's init itself, after its root filesystem is
      // built and before it runs anything of the container: a BestEffort container's weight (2)
      // would otherwise starve the init's mounts and pivot_root on a busy node (several times the
      // start). Every other limit (memory, pids, quota) holds from the first instant.
      const { cpuShares, ...limits } = config.resources ?? {};
      await this.cgroups.create(cgroup, limits);
      const weight = cpuShares ? this.cgroups.cpuWeight(cgroup, cpuShares) : undefined;
      const devicesRestricted = !privileged && this.cgroups.restrictDevices(cgroup);
      const rec: ContainerRecord = { id, sandboxId: podSandboxId, config, createdAt: Date.now(), imageRef: image.id, logPath, cgroup, process: spec, rootDir };
      // Without a devices cgroup (v2), /dev is made read-only so no device node can be created where it could be opened.
      const pidTarget = config.pidTargetContainerId ? this.pidTarget(config.pidTargetContainerId, podSandboxId) : undefined;
      await saveShimConfig(join(dir, 'shim.conf'), [
        ...this.shimConfig(rec, sb, image.layers, pidTarget),
        ['dev_ro', !privileged && !devicesRestricted ? 1 : 0],
        // As update()'s tryWrite: a hierarchy without the file (v2 without the cpu controller) is skipped.
        ...(weight && existsSync(weight[0]) ? [['cpu_weight', `${weight[0]}\t${weight[1]}`] as [string, string]] : []),
      ]);
      writeJsonAtomic(join(dir, 'container.json'), rec);
      return id;
    } catch (e) {
      removeDir(dir);
      removeDir(rootDir);
      throw e;
    }
  }

  /** The host pid of a running container of the sandbox, whose PID namespace a new container joins (CRI TARGET). */
  private pidTarget(targetId: string, sandboxId: string): number {
    let target: ContainerRecord;
    try {
      target = this.container(targetId);
    } catch {
      throw new InvalidArgumentError(`target container ${targetId} not found`);
    }
    if (target.sandboxId !== sandboxId) throw new InvalidArgumentError(`target container ${targetId} is not in pod sandbox ${sandboxId}`);
    const f = this.facts(target);
    if (f.state !== 'CONTAINER_RUNNING' || !f.pid) throw new InvalidArgumentError(`target container ${targetId} is not running`);
    return f.pid;
  }

  private shimConfig(r: ContainerRecord, sb: SandboxRecord, layers: string[], pidTarget?: number): ShimConfig {
    const c = r.config;
    const p = r.process;
    const dir = this.ctDir(r.id);
    const sbDir = this.sbDir(sb.id);
    const conf: ShimConfig = [
      ['rootfs', join(r.rootDir, 'rootfs')],
      ...layers.map((l): [string, string] => ['lower', l]),
      ['upper', join(r.rootDir, 'upper')],
      ['work', join(r.rootDir, 'work')],
    ];
    // Namespaces are joined through the pause process; host namespaces are simply not left.
    if (!sb.config.hostNetwork) conf.push(['ns_net', `/proc/${sb.pausePid}/ns/net`], ['ns_uts', `/proc/${sb.pausePid}/ns/uts`]);
    if (!sb.config.hostIPC) conf.push(['ns_ipc', `/proc/${sb.pausePid}/ns/ipc`]);
    // Pid namespace: the host's (hostPID), the pod's held by pause as PID 1 (shareProcessNamespace), or its own.
    if (sb.config.hostPID) conf.push(['host_pid', 1]);
    else if (pidTarget) conf.push(['ns_pid', `/proc/${pidTarget}/ns/pid`]);
    else if (sb.config.shareProcessNamespace) conf.push(['ns_pid', `/proc/${sb.pausePid}/ns/pid`]);
    for (const m of this.cgroups.nsMounts()) conf.push(['cgroup_mount', m]);
    if (c.securityContext?.procMount === 'Unmasked') conf.push(['unmasked', 1]);
    if (this.opts.benchUnsafePaths) conf.push(['unsafe_paths', 1]);
    conf.push(...seccompKeys(p.seccompProfile));
    const userTargets = new Set((c.mounts ?? []).map((m) => m.containerPath.replace(/\/+$/, '')));
    for (const [file, target] of [['hosts', '/etc/hosts'], ['resolv.conf', '/etc/resolv.conf'], ['hostname', '/etc/hostname']]) {
      if (!userTargets.has(target)) conf.push(['mount', `${join(sbDir, file)}\t${target}\t${c.securityContext?.readOnlyRootFilesystem ? 'ro' : 'rw'}`]);
    }
    for (const m of c.mounts ?? []) conf.push(['mount', `${m.hostPath}\t${m.containerPath}\t${m.readonly ? 'ro' : 'rw'}${m.subPath ? `\t${m.subPath}` : ''}`]);
    for (const a of p.argv) conf.push(['arg', a]);
    for (const e of p.env) conf.push(['env', e]);
    conf.push(['cwd', p.cwd], ['uid', p.uid], ['gid', p.gid]);
    for (const g of p.groups) conf.push(['group', g]);
    for (const cap of p.caps) conf.push(['cap', cap]);
    conf.push(['privileged', p.privileged ? 1 : 0], ['nnp', p.noNewPrivs ? 1 : 0], ['readonly_root', c.securityContext?.readOnlyRootFilesystem ? 1 : 0]);
    for (const f of this.cgroups.procsFiles(r.cgroup)) conf.push(['cgroup', f]);
    conf.push(['oom_file', this.cgroups.oomFile(r.cgroup)], ['pod_oom_file', this.cgroups.oomFile(sb.cgroup)]);
    if (r.logPath) conf.push(['log', r.logPath], ['log_max', this.opts.logMaxBytes ?? 10 * 1024 * 1024], ['log_files', this.opts.logMaxFiles ?? 5]);
    conf.push(['state', join(dir, 'exit')], ['started', join(dir, 'started')], ['attach_sock', this.attachSocket(r.id)]);
    conf.push(['sealed_copy', this.sealedCopyRegistry()]);
    conf.push(['tty', c.tty ? 1 : 0], ['stdin', c.stdin ? 1 : 0], ['stdin_once', c.stdinOnce ? 1 : 0]);
    return conf;
  }

  /** RuntimeDefault profile files by capability set: the profile is the same for every such container. */
  private readonly defaultProfiles = new Map<string, string>();

  /**
   * The container's seccomp profile as a shim config file under <stateDir>/seccomp/<sha256>.conf
   * (written once per distinct profile; the shim caches the compiled BPF beside it as .bpf), or
   * undefined for none. Keeps the ~450 rule lines out of every container's and exec's config.
   */
  private seccompProfileFile(profile: SeccompProfile | undefined, caps: string[], privileged: boolean): string | undefined {
    const memoKey = profile?.type === 'RuntimeDefault' && !privileged ? caps.join(',') : undefined;
    const known = memoKey !== undefined ? this.defaultProfiles.get(memoKey) : undefined;
    if (known && existsSync(known)) return known;
    const lines = seccompConfig(profile, caps, privileged);
    if (!lines.length) return undefined;
    const text = encodeShimConfig(lines);
    const file = join(ensureDir(join(this.stateDir, 'seccomp')), `${createHash('sha256').update(text).digest('hex')}.conf`);
    if (!existsSync(file)) {
      const tmp = `${file}.tmp${process.pid}`;
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, file);
    }
    if (memoKey !== undefined) this.defaultProfiles.set(memoKey, file);
    return file;
  }

  /** Short path: unix socket names are limited to 108 bytes. */
  private attachSocket(id: string): string {
    return join(ensureDir(join(this.stateDir, 'sock')), `${id.slice(0, 24)}.sock`);
  }

  async startContainer(containerId: string): Promise<void> {
    const r = this.container(containerId);
    const f = this.facts(r);
    if (f.state !== 'CONTAINER_CREATED') throw new Error(`container ${containerId} is ${f.state}, not CONTAINER_CREATED`);
    const sb = this.sandbox(r.sandboxId);
    if (!this.sandboxReady(sb)) throw new Error(`pod sandbox ${r.sandboxId} is not ready${this.hostPortsFailed.has(sb.id) ? ': its hostPort rules could not be written' : ''}`);
    // Exactly one monitor per container, even with concurrent callers or runtime instances.
    try {
      closeSync(openSync(join(this.ctDir(containerId), 'start.lock'), 'wx'));
    } catch {
      throw new Error(`container ${containerId} was already started`);
    }
    await launch(await this.shim(), 'start', join(this.ctDir(containerId), 'shim.conf'));
    await this.hostPortsWritten(sb.id);
  }

  /** Resolves when the container has an exit record (true) or the timeout passed (false). */
  async waitExit(containerId: string, timeoutMs: number): Promise<boolean> {
    const exitFile = join(this.ctDir(containerId), 'exit');
    const r = this.container(containerId);
    const done = () => existsSync(exitFile) || this.facts(r).state === 'CONTAINER_EXITED';
    if (done()) return true;
    return new Promise((resolve) => {
      let finished = false;
      const finish = (v: boolean) => {
        if (finished) return;
        finished = true;
        clearInterval(poll);
        clearTimeout(timer);
        watcher?.close();
        resolve(v);
      };
      let watcher: ReturnType<typeof watch> | undefined;
      try {
        // inotify makes the common case immediate; the poll covers lost events and a dead monitor.
        watcher = watch(this.ctDir(containerId), () => {
          if (done()) finish(true);
        });
      } catch {
        watcher = undefined;
      }
      const poll = setInterval(() => done() && finish(true), 100);
      const timer = setTimeout(() => finish(done()), timeoutMs);
    });
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const r = this.container(containerId);
    let f = this.facts(r);
    if (f.state !== 'CONTAINER_RUNNING') return;
    // A frozen container cannot handle signals.
    // Not fatal here: if it stays frozen the kill below cannot land and the wait reports that.
    await this.cgroups.setFrozen(r.cgroup, false).catch(() => {});
    if (timeoutSeconds > 0 && f.pid) {
      signal(f.pid, 'SIGTERM');
      if (await this.waitExit(containerId, timeoutSeconds * 1000)) return;
    }
    f = this.facts(r);
    if (f.pid && inCgroup(f.pid, r.cgroup)) signal(f.pid, 'SIGKILL');
    if (!(await this.waitExit(containerId, 30_000))) throw new Error(`container ${containerId} did not exit after SIGKILL`);
  }

  async removeContainer(containerId: string): Promise<void> {
    let r: ContainerRecord;
    try {
      r = this.container(containerId);
    } catch (e) {
      if (isNotFoundError(e)) return; // already gone: idempotent, as CRI
      throw e;
    }
    await this.stopContainer(containerId, 0);
    await this.cgroups.remove(r.cgroup);
    removeDir(r.rootDir);
    removeDir(this.attachSocket(containerId));
    removeDir(this.ctDir(containerId));
  }

  containerStatus(containerId: string): Promise<ContainerStatus> {
    return asPromise(() => {
      const r = this.container(containerId);
      return {
        id: r.id,
        podSandboxId: r.sandboxId,
        metadata: r.config.metadata,
        ...this.facts(r),
        createdAt: r.createdAt,
        image: r.config.image,
        imageRef: r.imageRef,
        labels: r.config.labels ?? {},
        annotations: r.config.annotations ?? {},
        mounts: r.config.mounts ?? [],
        logPath: r.logPath,
      };
    });
  }

  listContainers(filter?: ContainerFilter): Promise<Container[]> {
    return asPromise(() => {
      const out: Container[] = [];
      for (const id of listIds(join(this.stateDir, 'containers'), 'container.json')) {
        if (filter?.id && !id.startsWith(filter.id)) continue;
        const r = readJson<ContainerRecord>(join(this.ctDir(id), 'container.json'));
        if (!r) continue;
        if (filter?.podSandboxId && r.sandboxId !== filter.podSandboxId) continue;
        if (!matchLabels(r.config.labels, filter?.labelSelector)) continue;
        const state = this.facts(r).state;
        if (filter?.state && filter.state !== state) continue;
        out.push({ id, podSandboxId: r.sandboxId, metadata: r.config.metadata, image: r.config.image, imageRef: r.imageRef, state, createdAt: r.createdAt, labels: r.config.labels ?? {}, annotations: r.config.annotations ?? {} });
      }
      return out;
    });
  }

  updateContainerResources(containerId: string, resources: LinuxResources): Promise<void> {
    return asPromise(() => {
      const r = this.container(containerId);
      this.cgroups.update(r.cgroup, resources);
      writeJsonAtomic(join(this.ctDir(containerId), 'container.json'), { ...r, config: { ...r.config, resources: { ...r.config.resources, ...resources } } });
    });
  }

  containerStats(containerId: string): Promise<ContainerStats> {
    return asPromise(() => {
      const r = this.container(containerId);
      const s = this.cgroups.stats(r.cgroup);
      return {
        containerId,
        timestamp: Date.now(),
        cpu: { usageCoreNanoSeconds: s.cpuUsageNs },
        memory: { workingSetBytes: s.memoryWorkingSetBytes, usageBytes: s.memoryUsageBytes, rssBytes: s.memoryRssBytes },
        pids: { current: s.pids },
        ...(r.rootDir ? { writableLayer: dirUsage(join(r.rootDir, 'upper')) } : {}),
      };
    });
  }

  async listContainerStats(filter?: ContainerFilter): Promise<ContainerStats[]> {
    const cs = await this.listContainers({ ...filter, state: filter?.state ?? 'CONTAINER_RUNNING' });
    return Promise.all(cs.map((c) => this.containerStats(c.id)));
  }

  /** cgroup statistics including throttling counters (not in CRI; used by tests and the CLI). */
  cgroupStats(containerId: string) {
    return this.cgroups.stats(this.container(containerId).cgroup);
  }

  async pauseContainer(containerId: string): Promise<void> {
    await this.cgroups.setFrozen(this.container(containerId).cgroup, true);
  }

  async unpauseContainer(containerId: string): Promise<void> {
    await this.cgroups.setFrozen(this.container(containerId).cgroup, false);
  }

  // ------------------------------------------------------------ exec / attach / port-forward

  private execTarget(containerId: string, cmd: string[], tty: boolean): { shim: Promise<string>; conf: string } {
    const r = this.container(containerId);
    const f = this.facts(r);
    if (f.state !== 'CONTAINER_RUNNING' || !f.pid) throw new Error(`container ${containerId} is not running`);
    const p = r.process;
    const conf: ShimConfig = [['pid', f.pid]];
    for (const a of cmd) conf.push(['arg', a]);
    for (const e of p.env) conf.push(['env', e]);
    conf.push(['cwd', p.cwd], ['uid', p.uid], ['gid', p.gid], ['tty', tty ? 1 : 0]);
    for (const g of p.groups) conf.push(['group', g]);
    for (const c of p.caps) conf.push(['cap', c]);
    conf.push(['nnp', p.noNewPrivs ? 1 : 0]);
    conf.push(...seccompKeys(p.seccompProfile));
    for (const f2 of this.cgroups.procsFiles(r.cgroup)) conf.push(['cgroup', f2]);
    conf.push(['sealed_copy', this.sealedCopyRegistry()]);
    const path = join(this.ctDir(containerId), `exec-${randomBytes(6).toString('hex')}.conf`);
    writeShimConfig(path, conf);
    return { shim: this.shim(), conf: path };
  }

  /** Where monitors record the pid whose executable is the shim's sealed copy, so starts and execs share it (shim/sealed.c). */
  private sealedCopyRegistry(): string {
    return join(this.stateDir, 'sealed-shim-pid');
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    const t = this.execTarget(containerId, cmd, false);
    return execSync(await t.shim, t.conf, timeoutSeconds);
  }

  async exec(request: ExecRequest): Promise<StreamSession> {
    const t = this.execTarget(request.containerId, request.cmd, !!request.tty);
    return execSession(await t.shim, t.conf, request);
  }

  async attach(request: AttachRequest): Promise<StreamSession> {
    const r = this.container(request.containerId);
    if (this.facts(r).state !== 'CONTAINER_RUNNING') throw new Error(`container ${request.containerId} is not running`);
    return attachSession(this.attachSocket(r.id), request);
  }

  async portForward(podSandboxId: string, port: number): Promise<Duplex> {
    const sb = this.sandbox(podSandboxId);
    if (!this.sandboxReady(sb)) throw new Error(`pod sandbox ${podSandboxId} is not ready`);
    const netns = sb.config.hostNetwork ? '/proc/1/ns/net' : `/proc/${sb.pausePid}/ns/net`;
    return portForwardStream(await this.shim(), netns, port);
  }

  // ------------------------------------------------------------ helpers for tools

  /** Pids of the monitors and pause processes (for memory accounting). */
  supportPids(): { pause: number[]; monitors: number[] } {
    const pause: number[] = [];
    const monitors: number[] = [];
    for (const id of listIds(join(this.stateDir, 'sandboxes'), 'sandbox.json')) {
      const r = readJson<SandboxRecord>(join(this.sbDir(id), 'sandbox.json'));
      if (r && this.sandboxReady(r)) pause.push(r.pausePid);
    }
    for (const id of listIds(join(this.stateDir, 'containers'), 'container.json')) {
      const s = readKV(join(this.ctDir(id), 'started'));
      if (s && !existsSync(join(this.ctDir(id), 'exit')) && cmdlineHas(Number(s.monitor_pid), id)) monitors.push(Number(s.monitor_pid));
    }
    return { pause, monitors };
  }
}

/** Bytes and inodes under a directory, links not followed (a vanished entry counts nothing). */
function dirUsage(dir: string): { usedBytes: number; inodesUsed: number } {
  let usedBytes = 0;
  let inodesUsed = 0;
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      inodesUsed++;
      if (st.isDirectory()) walk(p);
      else usedBytes += st.isFile() ? st.size : 0;
    }
  };
  walk(dir);
  return { usedBytes, inodesUsed };
}
