// The runtime's contract with the kubelet, shaped like the Kubernetes CRI
// (k8s.io/cri-api runtime/v1 RuntimeService), but in-process: methods are
// async calls, streaming calls return live stream handles instead of URLs.
//
// Conventions:
// - times are Unix epoch MILLISECONDS (number); 0 means "not yet"
//   (CRI uses int64 ns, which does not fit a JS number exactly).
// - ids are opaque hex strings (64 chars), unique per runtime state dir.
// - method names are the CRI ones in camelCase (RunPodSandbox → runPodSandbox).
//
// The image side (PullImage/ListImages/ImageStatus/RemoveImage) and pod
// networking are separate services owned by runtime/images and runtime/network;
// they are re-exported from here so the kubelet has one import.
import type { Readable, Writable, Duplex } from 'node:stream';

export type { ImageService } from './images/types.js';
export type { PodNetwork } from './network/types.js';

// ---------------------------------------------------------------- shared

/** Resources of a container or a pod (CRI LinuxContainerResources subset). */
export interface LinuxResources {
  /** cgroup v1 cpu.shares (v2: converted to cpu.weight). 0/undefined = default (1024). */
  cpuShares?: number;
  /** CFS quota in µs per period; 0/undefined/-1 = unlimited. */
  cpuQuota?: number;
  /** CFS period in µs; default 100000. */
  cpuPeriod?: number;
  /** memory limit in bytes; 0/undefined = unlimited. */
  memoryLimitBytes?: number;
  /** max number of tasks (pids.max); 0/undefined/-1 = unlimited. */
  pidsLimit?: number;
}

export interface PortMapping {
  protocol?: 'TCP' | 'UDP' | 'SCTP'; // default TCP
  containerPort: number;
  /** 0/undefined: not published on the host. */
  hostPort?: number;
  /** host address to bind; default all. */
  hostIp?: string;
}

export interface DNSConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

// ---------------------------------------------------------------- sandboxes

export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  /** restart attempt of the sandbox, as CRI. */
  attempt?: number;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  /** default: metadata.name. Ignored for hostNetwork pods (host's name kept). */
  hostname?: string;
  /** /var/log/pods/<ns>_<pod>_<uid>; container logPaths that are relative resolve under it. */
  logDirectory?: string;
  dnsConfig?: DNSConfig;
  portMappings?: PortMapping[];
  /** share the host's network namespace (and UTS, as kubelet does). */
  hostNetwork?: boolean;
  /** share the host's IPC namespace. */
  hostIPC?: boolean;
  /** share the host's PID namespace (every container sees host processes; CRI NamespaceMode NODE). */
  hostPID?: boolean;
  /**
   * one PID namespace for the whole pod, held by the pause process as PID 1
   * (Kubernetes shareProcessNamespace; CRI NamespaceMode POD). Ignored with hostPID.
   */
  shareProcessNamespace?: boolean;
  /** namespaced sysctls written inside the pod's namespaces (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*). */
  sysctls?: Record<string, string>;
  /** The pod's domain (`<subdomain>.<ns>.svc.<cluster domain>`): its /etc/hosts line becomes "ip hostname.domain hostname". */
  hostDomain?: string;
  /** extra /etc/hosts lines "ip name1 name2" (HostAliases). */
  hostAliases?: { ip: string; hostnames: string[] }[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** per-pod parent cgroup name, relative to the runtime's cgroup root; default derived from the pod uid. */
  cgroupParent?: string;
  /** pod-level limits applied to the pod's parent cgroup (sum of containers' limits). */
  resources?: LinuxResources;
  /** when true, containers of this pod may ask for securityContext.privileged. */
  privileged?: boolean;
}

export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandboxNetworkStatus {
  /** pod IP; for hostNetwork pods: empty string (kubelet uses the node IP). */
  ip: string;
  gateway?: string;
  prefixLength?: number;
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  network: PodSandboxNetworkStatus;
  hostNetwork: boolean;
  /** pid of the pause process (0 when stopped). */
  pid: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logDirectory?: string;
}

/** What listPodSandbox returns per sandbox (CRI PodSandbox). */
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxState;
  labelSelector?: Record<string, string>;
}

// ---------------------------------------------------------------- containers

export interface ContainerMetadata {
  name: string;
  /** restart count, as CRI. */
  attempt?: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  /**
   * Kubernetes subPath: a relative path resolved by the runtime INSIDE hostPath (symlinks
   * stay inside it, no '..' escape), created as a directory when missing, and mounted
   * through the opened fd so swapping a component for a symlink during start cannot
   * redirect it (CVE-2017-1002101 class). Empty/undefined: hostPath itself.
   */
  subPath?: string;
  readonly?: boolean;
  /** default: private. */
  propagation?: 'private' | 'host-to-container' | 'bidirectional';
}

export interface Capabilities {
  /** names with or without CAP_ prefix, or "ALL". */
  add?: string[];
  drop?: string[];
}

/** Kubernetes seccompProfile, resolved by the kubelet (CRI SecurityProfile). */
export interface SeccompProfile {
  type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  /** Localhost only: absolute host path of an OCI/Docker-format JSON profile (the kubelet resolves it under its seccomp dir). */
  localhostProfile?: string;
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  privileged?: boolean;
  capabilities?: Capabilities;
  readOnlyRootFilesystem?: boolean;
  /** default false → no_new_privs set (as runc with allowPrivilegeEscalation false is stricter; runc sets it by default in k8s). */
  allowPrivilegeEscalation?: boolean;
  /** undefined: Unconfined (the kubelet passes RuntimeDefault when --seccomp-default is on). */
  seccompProfile?: SeccompProfile;
  /** 'Unmasked': no masked or read-only /proc paths (only with hostUsers false upstream; privileged implies it). */
  procMount?: 'Default' | 'Unmasked';
}

export interface ContainerConfig {
  metadata: ContainerMetadata;
  /** image reference as given to ImageService (name:tag or id). */
  image: string;
  /** Kubernetes `command`: overrides image Entrypoint and drops image Cmd. */
  command?: string[];
  /** Kubernetes `args`: overrides image Cmd. */
  args?: string[];
  /** container env; merged OVER the image's Env (same name: container wins). */
  env?: KeyValue[];
  /** default: image WorkingDir, else "/". */
  workingDir?: string;
  mounts?: Mount[];
  /** absolute, or relative to the sandbox's logDirectory. Empty: no log file (output discarded). */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  securityContext?: SecurityContext;
  resources?: LinuxResources;
  /**
   * CRI NamespaceMode TARGET: run in the PID namespace of this running container of the same
   * sandbox (an ephemeral container's targetContainerName). Resolved when the container is created.
   */
  pidTargetContainerId?: string;
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export type ContainerReason = 'Completed' | 'Error' | 'OOMKilled' | 'ContainerCannotRun' | '';

export interface ContainerStatus {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  /** host pid of the container's PID 1 (0 unless running). */
  pid: number;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  /** image reference as requested. */
  image: string;
  /** resolved image id. */
  imageRef: string;
  reason: ContainerReason;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: Mount[];
  logPath: string;
}

/** What listContainers returns per container (CRI Container). */
export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  image: string;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerFilter {
  id?: string;
  podSandboxId?: string;
  state?: ContainerState;
  labelSelector?: Record<string, string>;
}

export interface ContainerStats {
  containerId: string;
  timestamp: number;
  cpu: { usageCoreNanoSeconds: number };
  memory: { workingSetBytes: number; usageBytes: number; rssBytes: number };
  pids: { current: number };
  /** The container's writable layer (its overlay upper dir), as CRI's writable_layer. */
  writableLayer?: { usedBytes: number; inodesUsed: number };
}

// ---------------------------------------------------------------- exec / attach / port-forward

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
  /** true when killed because the timeout passed (exitCode is then 137 or similar). */
  timedOut: boolean;
}

export interface ExecRequest {
  containerId: string;
  cmd: string[];
  tty?: boolean;
  stdin?: boolean;
  /** default true. */
  stdout?: boolean;
  /** default true; ignored with tty (merged into stdout). */
  stderr?: boolean;
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** A live exec or attach session. Streams are null when not requested. */
export interface StreamSession {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** TTY sessions only; no-op otherwise. */
  resize(size: TerminalSize): void;
  /** exec: the process's exit code; attach: the container's exit code, or -1 when detached first. */
  wait(): Promise<number>;
  /** ends the session (exec: kills the process; attach: detaches). */
  close(): void;
}

export interface AttachRequest {
  containerId: string;
  stdin?: boolean;
  /** default true. */
  stdout?: boolean;
  /** default true. */
  stderr?: boolean;
  tty?: boolean;
}

// ---------------------------------------------------------------- the service

export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface RuntimeService {
  version(): Promise<RuntimeVersion>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** kills all containers of the pod and the pause process, tears down networking. Idempotent. */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** stops if needed, removes containers, state, cgroups. Idempotent (unknown id: no error). */
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM to PID 1, SIGKILL after timeoutSeconds (0: at once). Resolves when the container has exited. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  updateContainerResources(containerId: string, resources: LinuxResources): Promise<void>;
  containerStats(containerId: string): Promise<ContainerStats>;
  listContainerStats(filter?: ContainerFilter): Promise<ContainerStats[]>;
  /** freezer: suspend / resume all processes of a container. */
  pauseContainer(containerId: string): Promise<void>;
  unpauseContainer(containerId: string): Promise<void>;

  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResult>;
  exec(request: ExecRequest): Promise<StreamSession>;
  attach(request: AttachRequest): Promise<StreamSession>;
  /** a TCP connection to 127.0.0.1:port inside the pod's network namespace. */
  portForward(podSandboxId: string, port: number): Promise<Duplex>;
}

// ---------------------------------------------------------------- errors

/** The one typed error a caller may read as "already gone"; every other rejection means it may still exist. */
export { NotFoundError, isNotFoundError } from './errors.js';
