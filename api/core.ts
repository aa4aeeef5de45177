// core/v1 (plus coordination.k8s.io/v1 Lease and autoscaling/v1 Scale) object
// shapes, as they appear on the wire. Every field is optional where Kubernetes
// makes it optional, so objects read from users can be typed before defaulting.

import type { Int64, KubeObject, ListMeta, ObjectMeta, Time, TypeMeta } from './meta.js';

/** Integer or named/percent string, as Kubernetes' IntOrString. */
export type IntOrString = number | string;

/** A resource quantity such as "100m" or "64Mi" (resource.Quantity). */
export type Quantity = string;

/** Resource name → quantity. */
export type ResourceList = Record<string, Quantity>;

// ---------------------------------------------------------------- common

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface LocalObjectReference {
  name?: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Base of every typed object below: a KubeObject with typed metadata. */
export interface TypedObject extends TypeMeta {
  /** The object's name, namespace, labels, annotations and the server's bookkeeping. */
  metadata: ObjectMeta;
}

export interface TypedList<T> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

// ---------------------------------------------------------------- Namespace

export interface NamespaceSpec {
  finalizers?: string[];
}

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface NamespaceStatus {
  phase?: 'Active' | 'Terminating';
  conditions?: NamespaceCondition[];
}

export interface Namespace extends TypedObject {
  /** The desired state of the Namespace, set by its user. */
  spec?: NamespaceSpec;
  /** The observed state of the Namespace, written by the system; read-only to users (except through the status subresource). */
  status?: NamespaceStatus;}
export type NamespaceList = TypedList<Namespace>;

// ---------------------------------------------------------------- Pod: containers

export interface ObjectFieldSelector {
  apiVersion?: string;
  fieldPath: string;
}

export interface ResourceFieldSelector {
  containerName?: string;
  resource: string;
  divisor?: string;
}

export interface ConfigMapKeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface SecretKeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface EnvVarSource {
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  configMapKeyRef?: ConfigMapKeySelector;
  secretKeyRef?: SecretKeySelector;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}

export interface ConfigMapEnvSource {
  name?: string;
  optional?: boolean;
}

export interface SecretEnvSource {
  name?: string;
  optional?: boolean;
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: ConfigMapEnvSource;
  secretRef?: SecretEnvSource;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A port a container listens on. */
export interface ContainerPort {
  /** A name for the port (an IANA_SVC_NAME, unique in the pod) that Services can refer to. */
  name?: string;
  /** The port to open on the node and forward to containerPort (1-65535); most pods need none. */
  hostPort?: number;
  /** The port number the container listens on, on the pod's IP (1-65535). */
  containerPort: number;
  /** TCP, UDP or SCTP; TCP when omitted. */
  protocol?: Protocol;
  /** The node address a hostPort binds to; every address when omitted. */
  hostIP?: string;
}

export interface ResourceRequirements {
  /** The most of each resource the container may use. */
  limits?: ResourceList;
  /** What the container is guaranteed; the scheduler places the pod where this fits. Defaults to limits. */
  requests?: ResourceList;
  /** Dynamic resource claims of the pod used by this container; stored as given. */
  claims?: { name: string; request?: string }[];
}

export interface VolumeMount {
  name: string;
  readOnly?: boolean;
  recursiveReadOnly?: 'Disabled' | 'IfPossible' | 'Enabled';
  mountPath: string;
  subPath?: string;
  subPathExpr?: string;
  mountPropagation?: 'None' | 'HostToContainer' | 'Bidirectional';
}

export interface ExecAction {
  command?: string[];
}

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPGetAction {
  path?: string;
  port: IntOrString;
  host?: string;
  scheme?: 'HTTP' | 'HTTPS';
  httpHeaders?: HTTPHeader[];
}

export interface TCPSocketAction {
  port: IntOrString;
  host?: string;
}

/** The handler part shared by probes and lifecycle hooks. */
export interface ProbeHandler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  /** A gRPC health check; stored as given. */
  grpc?: { port: number; service?: string };
}

export interface Probe extends ProbeHandler {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: Int64;
}

export interface LifecycleHandler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  sleep?: { seconds: number };
}

export interface Lifecycle {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
}

export interface Capabilities {
  add?: string[];
  drop?: string[];
}

export interface SELinuxOptions {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

export interface SeccompProfile {
  type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhostProfile?: string;
}

/** An AppArmor profile: RuntimeDefault, Unconfined, or Localhost with localhostProfile (refused at admission: tskube cannot enforce AppArmor). */
export interface AppArmorProfile {
  type: string;
  localhostProfile?: string;
}

/** Windows-only options, stored as given. */
export interface WindowsSecurityContextOptions {
  gmsaCredentialSpecName?: string;
  gmsaCredentialSpec?: string;
  runAsUserName?: string;
  hostProcess?: boolean;
}

export interface SecurityContext {
  capabilities?: Capabilities;
  privileged?: boolean;
  seLinuxOptions?: SELinuxOptions;
  runAsUser?: Int64;
  runAsGroup?: Int64;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  procMount?: 'Default' | 'Unmasked';
  seccompProfile?: SeccompProfile;
  appArmorProfile?: AppArmorProfile;
  windowsOptions?: WindowsSecurityContextOptions;
}

export interface Sysctl {
  name: string;
  value: string;
}

export interface PodSecurityContext {
  seLinuxOptions?: SELinuxOptions;
  runAsUser?: Int64;
  runAsGroup?: Int64;
  runAsNonRoot?: boolean;
  supplementalGroups?: Int64[];
  fsGroup?: Int64;
  fsGroupChangePolicy?: string;
  sysctls?: Sysctl[];
  seccompProfile?: SeccompProfile;
  supplementalGroupsPolicy?: string;
  appArmorProfile?: AppArmorProfile;
  windowsOptions?: WindowsSecurityContextOptions;
  seLinuxChangePolicy?: string;
}

export type PullPolicy = 'Always' | 'Never' | 'IfNotPresent';

/** One process image run in a pod, with its arguments, environment, ports, resources and probes. */
export interface Container {
  /** The container's name: a DNS label, unique among the pod's containers. Cannot be changed. */
  name: string;
  /** The image reference to run (name, optional tag or digest). */
  image?: string;
  /** The program to run, replacing the image's ENTRYPOINT; $(VAR) references to env are expanded. */
  command?: string[];
  /** Arguments to the program, replacing the image's CMD; $(VAR) references to env are expanded. */
  args?: string[];
  /** The directory the program starts in; the image's default when omitted. */
  workingDir?: string;
  /** Ports the container listens on. Informational: a port not listed is still reachable. */
  ports?: ContainerPort[];
  /** Sources (ConfigMaps, Secrets) whose keys all become environment variables. */
  envFrom?: EnvFromSource[];
  /** Environment variables to set, each a value or a reference to a field, resource, ConfigMap or Secret key. */
  env?: EnvVar[];
  /** CPU and memory the container requests (for scheduling) and may use at most (limits). */
  resources?: ResourceRequirements;
  /** Resize behaviour per resource; stored as given. */
  resizePolicy?: Record<string, unknown>[];
  /** Only for init containers: Always makes it a sidecar that keeps running beside the app containers. */
  restartPolicy?: 'Always';
  /** Volumes of the pod to mount into the container's filesystem. */
  volumeMounts?: VolumeMount[];
  /** Block devices of the pod's volumes to expose; stored as given. */
  volumeDevices?: Record<string, unknown>[];
  /** A check that the container is healthy; the container is restarted when it fails. */
  livenessProbe?: Probe;
  /** A check that the container can take traffic; the pod leaves Service endpoints while it fails. */
  readinessProbe?: Probe;
  /** A check that the container has started; the other probes wait until it succeeds. */
  startupProbe?: Probe;
  /** Hooks run right after the container starts and before it is stopped. */
  lifecycle?: Lifecycle;
  /** Where in the container the program may write a message about why it ended; /dev/termination-log by default. */
  terminationMessagePath?: string;
  /** File reads the message from terminationMessagePath; FallbackToLogsOnError uses the log tail when that is empty. */
  terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError';
  /** When to pull the image: Always, Never or IfNotPresent (Always for :latest, else IfNotPresent). */
  imagePullPolicy?: PullPolicy;
  /** Privileges and access control for the container's process (user, capabilities, seccomp). */
  securityContext?: SecurityContext;
  /** Keep a stdin open for the container (for attach). */
  stdin?: boolean;
  /** Close stdin after the first attach session ends. */
  stdinOnce?: boolean;
  /** Give the container a terminal; needs stdin. */
  tty?: boolean;
}

// ---------------------------------------------------------------- Pod: volumes

export interface EmptyDirVolumeSource {
  medium?: '' | 'Memory';
  sizeLimit?: string;
}

export interface HostPathVolumeSource {
  path: string;
  type?:
    | ''
    | 'DirectoryOrCreate'
    | 'Directory'
    | 'FileOrCreate'
    | 'File'
    | 'Socket'
    | 'CharDevice'
    | 'BlockDevice';
}

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface ConfigMapVolumeSource {
  name?: string;
  items?: KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

export interface SecretVolumeSource {
  secretName?: string;
  items?: KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  mode?: number;
}

export interface DownwardAPIVolumeSource {
  items?: DownwardAPIVolumeFile[];
  defaultMode?: number;
}

/** One source of a projected volume: exactly one of these. */
export interface VolumeProjection {
  secret?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[] };
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
}

export interface ProjectedVolumeSource {
  sources?: VolumeProjection[];
  defaultMode?: number;
}

/**
 * A named volume of a pod. Only the sources below are typed (and run) here; other upstream
 * sources are stored as given.
 * @preserveUnknownFields
 */
export interface Volume {
  name: string;
  projected?: ProjectedVolumeSource;
  emptyDir?: EmptyDirVolumeSource;
  hostPath?: HostPathVolumeSource;
  configMap?: ConfigMapVolumeSource;
  secret?: SecretVolumeSource;
  downwardAPI?: DownwardAPIVolumeSource;
  persistentVolumeClaim?: PersistentVolumeClaimVolumeSource;
}

export interface PersistentVolumeClaimVolumeSource {
  claimName: string;
  readOnly?: boolean;
}

// ---------------------------------------------------------------- Pod: scheduling

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}

export interface Affinity {
  nodeAffinity?: NodeAffinity;
  /** Accepted and stored; not acted on by tskube's scheduler. */
  podAffinity?: Record<string, unknown>;
  podAntiAffinity?: Record<string, unknown>;
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: TaintEffect | '';
  tolerationSeconds?: Int64;
}

export interface HostAlias {
  ip: string;
  hostnames?: string[];
}

export interface PodDNSConfig {
  nameservers?: string[];
  searches?: string[];
  options?: { name: string; value?: string }[];
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export type DNSPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';

export interface PodReadinessGate {
  conditionType: string;
}

export interface PodSpec {
  volumes?: Volume[];
  initContainers?: Container[];
  containers: Container[];
  restartPolicy?: RestartPolicy;
  terminationGracePeriodSeconds?: Int64;
  activeDeadlineSeconds?: Int64;
  dnsPolicy?: DNSPolicy;
  dnsConfig?: PodDNSConfig;
  nodeSelector?: Record<string, string>;
  serviceAccountName?: string;
  /** Deprecated alias of serviceAccountName. */
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  nodeName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  hostUsers?: boolean;
  securityContext?: PodSecurityContext;
  imagePullSecrets?: LocalObjectReference[];
  hostname?: string;
  subdomain?: string;
  affinity?: Affinity;
  schedulerName?: string;
  tolerations?: Toleration[];
  hostAliases?: HostAlias[];
  priorityClassName?: string;
  priority?: number;
  readinessGates?: PodReadinessGate[];
  enableServiceLinks?: boolean;
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never';
  runtimeClassName?: string;
  overhead?: ResourceList;
  setHostnameAsFQDN?: boolean;
  /** Added only through pods/ephemeralcontainers; run by the kubelet in the running pod, never restarted. */
  ephemeralContainers?: EphemeralContainer[];
  /** How to spread this pod among topology domains (the scheduler's PodTopologySpread plugin). */
  topologySpreadConstraints?: TopologySpreadConstraint[];
  /** Accepted and stored; the fields below are not acted on by tskube. */
  os?: { name: string };
  schedulingGates?: { name: string }[];
  resourceClaims?: Record<string, unknown>[];
  resources?: ResourceRequirements;
}

export type UnsatisfiableConstraintAction = 'DoNotSchedule' | 'ScheduleAnyway';
export type NodeInclusionPolicy = 'Honor' | 'Ignore';

/** One rule for spreading matching pods among the values of a node label. */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: UnsatisfiableConstraintAction;
  labelSelector?: LabelSelector;
  /** With DoNotSchedule: fewer eligible domains than this count the global minimum as 0 (default 1). */
  minDomains?: number;
  /** Whether the pod's nodeSelector/required node affinity limits the domains counted (default Honor). */
  nodeAffinityPolicy?: NodeInclusionPolicy;
  /** Whether nodes with taints the pod does not tolerate are counted (default Ignore). */
  nodeTaintsPolicy?: NodeInclusionPolicy;
  /** Pod label keys whose values are ANDed into labelSelector. */
  matchLabelKeys?: string[];
}

// ---------------------------------------------------------------- Pod: status

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface PodCondition {
  type: string; // PodScheduled, Initialized, ContainersReady, Ready, PodReadyToStartContainers...
  status: ConditionStatus;
  lastProbeTime?: Time | null;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface ContainerStateWaiting {
  reason?: string;
  message?: string;
}

export interface ContainerStateRunning {
  startedAt?: Time;
}

export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: Time;
  finishedAt?: Time;
  containerID?: string;
}

export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
}

export interface PodIP {
  ip: string;
}

export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** A debugging container added to a running pod; with targetContainerName it joins that container's PID namespace. */
export interface EphemeralContainer extends Container {
  targetContainerName?: string;
}

export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  message?: string;
  reason?: string;
  nominatedNodeName?: string;
  hostIP?: string;
  hostIPs?: PodIP[];
  podIP?: string;
  podIPs?: PodIP[];
  startTime?: Time;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  ephemeralContainerStatuses?: ContainerStatus[];
  qosClass?: PodQOSClass;
}

export interface Pod extends TypedObject {
  /** The desired state of the Pod, set by its user. */
  spec?: PodSpec;
  /** The observed state of the Pod, written by the system; read-only to users (except through the status subresource). */
  status?: PodStatus;}
export type PodList = TypedList<Pod>;

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

// ---------------------------------------------------------------- Node

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  timeAdded?: Time;
}

export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
  unschedulable?: boolean;
  taints?: Taint[];
  /** Deprecated: stored as given. */
  configSource?: Record<string, unknown>;
  /** Deprecated: stored as given. */
  externalID?: string;
}

export interface NodeCondition {
  type: string; // Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable
  status: ConditionStatus;
  lastHeartbeatTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface NodeAddress {
  type: 'Hostname' | 'InternalIP' | 'ExternalIP' | 'InternalDNS' | 'ExternalDNS';
  address: string;
}

export interface DaemonEndpoint {
  Port: number;
}

export interface NodeDaemonEndpoints {
  kubeletEndpoint?: DaemonEndpoint;
}

export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

export interface ContainerImage {
  names?: string[];
  sizeBytes?: Int64;
}

export interface NodeStatus {
  capacity?: ResourceList;
  allocatable?: ResourceList;
  phase?: string;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  daemonEndpoints?: NodeDaemonEndpoints;
  nodeInfo?: NodeSystemInfo;
  images?: ContainerImage[];
}

export interface Node extends TypedObject {
  /** The desired state of the Node, set by its user. */
  spec?: NodeSpec;
  /** The observed state of the Node, written by the system; read-only to users (except through the status subresource). */
  status?: NodeStatus;}
export type NodeList = TypedList<Node>;

// ---------------------------------------------------------------- ReplicationController

export interface ReplicationControllerSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: Record<string, string>;
  template?: PodTemplateSpec;
}

export interface ReplicationControllerCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface ReplicationControllerStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: Int64;
  conditions?: ReplicationControllerCondition[];
}

export interface ReplicationController extends TypedObject {
  /** The desired state of the ReplicationController, set by its user. */
  spec?: ReplicationControllerSpec;
  /** The observed state of the ReplicationController, written by the system; read-only to users (except through the status subresource). */
  status?: ReplicationControllerStatus;}
export type ReplicationControllerList = TypedList<ReplicationController>;

// ---------------------------------------------------------------- Service

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  appProtocol?: string;
  port: number;
  targetPort?: IntOrString;
  nodePort?: number;
}

export interface SessionAffinityConfig {
  clientIP?: { timeoutSeconds?: number };
}

export interface ServiceSpec {
  ports?: ServicePort[];
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: ServiceType;
  externalIPs?: string[];
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: SessionAffinityConfig;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  externalName?: string;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  loadBalancerClass?: string;
  trafficDistribution?: string;
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  ipFamilies?: ('IPv4' | 'IPv6')[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  allocateLoadBalancerNodePorts?: boolean;
}

export interface PortStatus {
  port: number;
  protocol: Protocol;
  error?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ports?: PortStatus[];
}

export interface ServiceStatus {
  loadBalancer?: { ingress?: LoadBalancerIngress[] };
  conditions?: {
    type: string;
    status: ConditionStatus;
    lastTransitionTime?: Time;
    reason?: string;
    message?: string;
  }[];
}

export interface Service extends TypedObject {
  /** The desired state of the Service, set by its user. */
  spec?: ServiceSpec;
  /** The observed state of the Service, written by the system; read-only to users (except through the status subresource). */
  status?: ServiceStatus;}
export type ServiceList = TypedList<Service>;

// ---------------------------------------------------------------- Endpoints

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: Protocol;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints extends TypedObject {
  subsets?: EndpointSubset[];}
export type EndpointsList = TypedList<Endpoints>;

// ---------------------------------------------------------------- Event

export interface EventSource {
  component?: string;
  host?: string;
}

export interface EventSeries {
  count?: number;
  lastObservedTime?: Time;
}

export interface Event extends TypedObject {
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  source?: EventSource;
  firstTimestamp?: Time | null;
  lastTimestamp?: Time | null;
  count?: number;
  /** 'Normal' or 'Warning' from well-behaved clients; any string is stored as sent. */
  type?: string;
  eventTime?: Time | null;
  series?: EventSeries;
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;}
export type EventList = TypedList<Event>;

// ---------------------------------------------------------------- Binding

export interface Binding extends TypedObject {
  target: ObjectReference;}

// ---------------------------------------------------------------- ConfigMap / Secret

export interface ConfigMap extends TypedObject {
  immutable?: boolean;
  data?: Record<string, string>;
  /** Values are base64 on the wire. */
  binaryData?: Record<string, string>;}
export type ConfigMapList = TypedList<ConfigMap>;

export interface Secret extends TypedObject {
  immutable?: boolean;
  /** Values are base64 on the wire. */
  data?: Record<string, string>;
  /** Write-only convenience: merged into data (base64-encoded) on write. */
  stringData?: Record<string, string>;
  type?: string;}
export type SecretList = TypedList<Secret>;

// ---------------------------------------------------------------- Lease (coordination.k8s.io/v1)

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: Time;
  renewTime?: Time;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

export interface Lease extends TypedObject {
  /** The desired state of the Lease, set by its user. */
  spec?: LeaseSpec;}
export type LeaseList = TypedList<Lease>;

// ---------------------------------------------------------------- Scale (autoscaling/v1)

export interface ScaleSpec {
  replicas?: number;
}

export interface ScaleStatus {
  replicas: number;
  /** Label query (string form) over pods, e.g. "app=web". */
  selector?: string;
}

export interface Scale extends TypedObject {
  /** The desired state of the Scale, set by its user. */
  spec?: ScaleSpec;
  /** The observed state of the Scale, written by the system; read-only to users (except through the status subresource). */
  status?: ScaleStatus;}

// ---------------------------------------------------------------- helpers

/** Narrowing helper: view a generic stored object as a typed one. */
export function asTyped<T extends TypedObject>(obj: KubeObject): T {
  return obj as unknown as T;
}

// ---------------------------------------------------------------- PersistentVolume, PersistentVolumeClaim

export type PersistentVolumeAccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';

export interface VolumeResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface TypedLocalObjectReference {
  apiGroup?: string;
  kind: string;
  name: string;
}

/** A TypedLocalObjectReference that may name another namespace. */
export interface TypedObjectReference extends TypedLocalObjectReference {
  namespace?: string;
}

export interface PersistentVolumeClaimSpec {
  accessModes?: PersistentVolumeAccessMode[];
  selector?: LabelSelector;
  resources?: VolumeResourceRequirements;
  volumeName?: string;
  storageClassName?: string;
  volumeMode?: 'Filesystem' | 'Block';
  dataSource?: TypedLocalObjectReference;
  dataSourceRef?: TypedObjectReference;
  volumeAttributesClassName?: string;
}

export interface PersistentVolumeClaimCondition {
  type: string;
  status: ConditionStatus;
  lastProbeTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface PersistentVolumeClaimStatus {
  phase?: 'Pending' | 'Bound' | 'Lost';
  accessModes?: PersistentVolumeAccessMode[];
  capacity?: ResourceList;
  conditions?: PersistentVolumeClaimCondition[];
  allocatedResources?: ResourceList;
  allocatedResourceStatuses?: Record<string, string>;
  currentVolumeAttributesClassName?: string;
  modifyVolumeStatus?: Record<string, unknown>;
}

export interface PersistentVolumeClaim extends TypedObject {
  /** The desired state of the PersistentVolumeClaim, set by its user. */
  spec?: PersistentVolumeClaimSpec;
  /** The observed state of the PersistentVolumeClaim, written by the system; read-only to users (except through the status subresource). */
  status?: PersistentVolumeClaimStatus;}
export type PersistentVolumeClaimList = TypedList<PersistentVolumeClaim>;

export interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: PersistentVolumeAccessMode[];
  claimRef?: ObjectReference;
  persistentVolumeReclaimPolicy?: 'Retain' | 'Delete' | 'Recycle';
  storageClassName?: string;
  mountOptions?: string[];
  volumeMode?: 'Filesystem' | 'Block';
  nodeAffinity?: { required?: NodeSelector };
  hostPath?: HostPathVolumeSource;
  local?: { path: string; fsType?: string };
  volumeAttributesClassName?: string;
}

export interface PersistentVolumeStatus {
  phase?: 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';
  message?: string;
  reason?: string;
  lastPhaseTransitionTime?: Time;
}

export interface PersistentVolume extends TypedObject {
  /** The desired state of the PersistentVolume, set by its user. */
  spec?: PersistentVolumeSpec;
  /** The observed state of the PersistentVolume, written by the system; read-only to users (except through the status subresource). */
  status?: PersistentVolumeStatus;}
export type PersistentVolumeList = TypedList<PersistentVolume>;
