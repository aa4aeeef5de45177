// Kubernetes protobuf schema as data: field number → JSON name and type, for the
// messages tskube decodes (core/v1, meta/v1, coordination/v1, apps/v1, batch/v1, storage.k8s.io/v1, autoscaling/v1, certificates.k8s.io/v1, networking.k8s.io/v1, scheduling.k8s.io/v1). Field numbers are
// the wire facts of k8s.io/api and k8s.io/apimachinery generated.proto.
//
// Entry: [fieldNumber, jsonName, type, flags]
//   type: 's' string, 'b' bytes (→ base64), 'B' bool, 'i32', 'i64', 'T' meta Time,
//         'MT' meta MicroTime, 'IOS' IntOrString, 'Q' resource.Quantity,
//         'RAW' FieldsV1 (raw JSON bytes → object), or a message name below.
//   flags: 'r' repeated, 'm' map<string,type>, 'i' inline (Go-embedded struct:
//          its fields are flattened into the parent's JSON), 'k' keep zero values
//          (pointer or non-omitempty Go field; otherwise a zero scalar is dropped,
//          because gogo-proto writes every non-pointer field and JSON omitempty drops them).

export type FieldSpec = [num: number, name: string, type: string, flags?: string];
export type MessageSpec = FieldSpec[];

const objMeta: FieldSpec = [1, 'metadata', 'ObjectMeta'];

export const SCHEMA: Record<string, MessageSpec> = {
  // ---- runtime / meta/v1 ----
  Unknown: [[1, 'typeMeta', 'TypeMeta'], [2, 'raw', 'b'], [3, 'contentEncoding', 's'], [4, 'contentType', 's']],
  TypeMeta: [[1, 'apiVersion', 's'], [2, 'kind', 's']],
  ObjectMeta: [
    [1, 'name', 's'], [2, 'generateName', 's'], [3, 'namespace', 's'], [4, 'selfLink', 's'], [5, 'uid', 's'],
    [6, 'resourceVersion', 's'], [7, 'generation', 'i64'], [8, 'creationTimestamp', 'T'],
    [9, 'deletionTimestamp', 'T'], [10, 'deletionGracePeriodSeconds', 'i64', 'k'],
    [11, 'labels', 's', 'm'], [12, 'annotations', 's', 'm'], [13, 'ownerReferences', 'OwnerReference', 'r'],
    [14, 'finalizers', 's', 'r'], [17, 'managedFields', 'ManagedFieldsEntry', 'r'],
  ],
  OwnerReference: [
    [1, 'kind', 's', 'k'], [3, 'name', 's', 'k'], [4, 'uid', 's', 'k'], [5, 'apiVersion', 's', 'k'],
    [6, 'controller', 'B', 'k'], [7, 'blockOwnerDeletion', 'B', 'k'],
  ],
  ManagedFieldsEntry: [
    [1, 'manager', 's'], [2, 'operation', 's'], [3, 'apiVersion', 's'], [4, 'time', 'T'],
    [6, 'fieldsType', 's'], [7, 'fieldsV1', 'RAW'], [8, 'subresource', 's'],
  ],
  Condition: [
    [1, 'type', 's', 'k'], [2, 'status', 's', 'k'], [3, 'observedGeneration', 'i64'],
    [4, 'lastTransitionTime', 'T', 'k'], [5, 'reason', 's', 'k'], [6, 'message', 's', 'k'],
  ],
  DeleteOptions: [
    [1, 'gracePeriodSeconds', 'i64', 'k'], [2, 'preconditions', 'Preconditions'], [3, 'orphanDependents', 'B', 'k'],
    [4, 'propagationPolicy', 's', 'k'], [5, 'dryRun', 's', 'r'],
    [6, 'ignoreStoreReadErrorWithClusterBreakingPotential', 'B', 'k'],
  ],
  Preconditions: [[1, 'uid', 's', 'k'], [2, 'resourceVersion', 's', 'k']],

  // ---- core/v1 top-level kinds ----
  Namespace: [objMeta, [2, 'spec', 'NamespaceSpec'], [3, 'status', 'NamespaceStatus']],
  NamespaceSpec: [[1, 'finalizers', 's', 'r']],
  NamespaceStatus: [[1, 'phase', 's'], [2, 'conditions', 'NamespaceCondition', 'r']],
  NamespaceCondition: [
    [1, 'type', 's', 'k'], [2, 'status', 's', 'k'], [4, 'lastTransitionTime', 'T'], [5, 'reason', 's'], [6, 'message', 's'],
  ],
  ConfigMap: [objMeta, [2, 'data', 's', 'm'], [3, 'binaryData', 'b', 'm'], [4, 'immutable', 'B', 'k']],
  Secret: [objMeta, [2, 'data', 'b', 'm'], [3, 'type', 's'], [4, 'stringData', 's', 'm'], [5, 'immutable', 'B', 'k']],
  Service: [objMeta, [2, 'spec', 'ServiceSpec'], [3, 'status', 'ServiceStatus']],
  ServiceSpec: [
    [1, 'ports', 'ServicePort', 'r'], [2, 'selector', 's', 'm'], [3, 'clusterIP', 's'], [4, 'type', 's'],
    [5, 'externalIPs', 's', 'r'], [7, 'sessionAffinity', 's'], [8, 'loadBalancerIP', 's'],
    [9, 'loadBalancerSourceRanges', 's', 'r'], [10, 'externalName', 's'], [11, 'externalTrafficPolicy', 's'],
    [12, 'healthCheckNodePort', 'i32'], [13, 'publishNotReadyAddresses', 'B'],
    [14, 'sessionAffinityConfig', 'SessionAffinityConfig'], [17, 'ipFamilyPolicy', 's', 'k'],
    [18, 'clusterIPs', 's', 'r'], [19, 'ipFamilies', 's', 'r'], [20, 'allocateLoadBalancerNodePorts', 'B', 'k'],
    [21, 'loadBalancerClass', 's', 'k'], [22, 'internalTrafficPolicy', 's', 'k'], [23, 'trafficDistribution', 's', 'k'],
  ],
  ServicePort: [
    [1, 'name', 's'], [2, 'protocol', 's'], [3, 'port', 'i32', 'k'], [4, 'targetPort', 'IOS'], [5, 'nodePort', 'i32'],
    [6, 'appProtocol', 's', 'k'],
  ],
  SessionAffinityConfig: [[1, 'clientIP', 'ClientIPConfig']],
  ClientIPConfig: [[1, 'timeoutSeconds', 'i32', 'k']],
  ServiceStatus: [[1, 'loadBalancer', 'LoadBalancerStatus'], [2, 'conditions', 'Condition', 'r']],
  LoadBalancerStatus: [[1, 'ingress', 'LoadBalancerIngress', 'r']],
  LoadBalancerIngress: [[1, 'ip', 's'], [2, 'hostname', 's'], [3, 'ipMode', 's', 'k'], [4, 'ports', 'PortStatus', 'r']],
  PortStatus: [[1, 'port', 'i32', 'k'], [2, 'protocol', 's', 'k'], [3, 'error', 's', 'k']],

  Pod: [objMeta, [2, 'spec', 'PodSpec'], [3, 'status', 'PodStatus']],
  PodTemplateSpec: [objMeta, [2, 'spec', 'PodSpec']],
  PodTemplate: [objMeta, [2, 'template', 'PodTemplateSpec']],
  LimitRange: [objMeta, [2, 'spec', 'LimitRangeSpec']],
  LimitRangeSpec: [[1, 'limits', 'LimitRangeItem', 'r']],
  LimitRangeItem: [[1, 'type', 's', 'k'], [2, 'max', 'Q', 'm'], [3, 'min', 'Q', 'm'], [4, 'default', 'Q', 'm'], [5, 'defaultRequest', 'Q', 'm'], [6, 'maxLimitRequestRatio', 'Q', 'm']],
  ResourceQuota: [objMeta, [2, 'spec', 'ResourceQuotaSpec'], [3, 'status', 'ResourceQuotaStatus']],
  ResourceQuotaSpec: [[1, 'hard', 'Q', 'm'], [2, 'scopes', 's', 'r'], [3, 'scopeSelector', 'ScopeSelector']],
  ScopeSelector: [[1, 'matchExpressions', 'ScopedResourceSelectorRequirement', 'r']],
  ScopedResourceSelectorRequirement: [[1, 'scopeName', 's', 'k'], [2, 'operator', 's', 'k'], [3, 'values', 's', 'r']],
  ResourceQuotaStatus: [[1, 'hard', 'Q', 'm'], [2, 'used', 'Q', 'm']],
  PodSpec: [
    [1, 'volumes', 'Volume', 'r'], [2, 'containers', 'Container', 'r'], [3, 'restartPolicy', 's'],
    [4, 'terminationGracePeriodSeconds', 'i64', 'k'], [5, 'activeDeadlineSeconds', 'i64', 'k'], [6, 'dnsPolicy', 's'],
    [7, 'nodeSelector', 's', 'm'], [8, 'serviceAccountName', 's'], [9, 'serviceAccount', 's'], [10, 'nodeName', 's'],
    [11, 'hostNetwork', 'B'], [12, 'hostPID', 'B'], [13, 'hostIPC', 'B'], [14, 'securityContext', 'PodSecurityContext'],
    [15, 'imagePullSecrets', 'LocalObjectReference', 'r'], [16, 'hostname', 's'], [17, 'subdomain', 's'],
    [18, 'affinity', 'Affinity'], [19, 'schedulerName', 's'], [20, 'initContainers', 'Container', 'r'],
    [21, 'automountServiceAccountToken', 'B', 'k'], [22, 'tolerations', 'Toleration', 'r'],
    [23, 'hostAliases', 'HostAlias', 'r'], [24, 'priorityClassName', 's'], [25, 'priority', 'i32', 'k'],
    [26, 'dnsConfig', 'PodDNSConfig'], [27, 'shareProcessNamespace', 'B', 'k'],
    [28, 'readinessGates', 'PodReadinessGate', 'r'], [29, 'runtimeClassName', 's', 'k'],
    [30, 'enableServiceLinks', 'B', 'k'], [31, 'preemptionPolicy', 's', 'k'], [32, 'overhead', 'Q', 'm'],
    [33, 'topologySpreadConstraints', 'TopologySpreadConstraint', 'r'], [34, 'ephemeralContainers', 'EphemeralContainer', 'r'], [35, 'setHostnameAsFQDN', 'B', 'k'],
    [36, 'os', 'PodOS'], [37, 'hostUsers', 'B', 'k'], [38, 'schedulingGates', 'PodSchedulingGate', 'r'],
    [40, 'resources', 'ResourceRequirements'],
  ],
  PodOS: [[1, 'name', 's', 'k']],
  PodSchedulingGate: [[1, 'name', 's', 'k']],
  PodReadinessGate: [[1, 'conditionType', 's', 'k']],
  HostAlias: [[1, 'ip', 's', 'k'], [2, 'hostnames', 's', 'r']],
  PodDNSConfig: [[1, 'nameservers', 's', 'r'], [2, 'searches', 's', 'r'], [3, 'options', 'PodDNSConfigOption', 'r']],
  PodDNSConfigOption: [[1, 'name', 's'], [2, 'value', 's', 'k']],
  LocalObjectReference: [[1, 'name', 's']],
  Toleration: [
    [1, 'key', 's'], [2, 'operator', 's'], [3, 'value', 's'], [4, 'effect', 's'], [5, 'tolerationSeconds', 'i64', 'k'],
  ],
  TopologySpreadConstraint: [
    [1, 'maxSkew', 'i32', 'k'], [2, 'topologyKey', 's', 'k'], [3, 'whenUnsatisfiable', 's', 'k'],
    [4, 'labelSelector', 'LabelSelector'], [5, 'minDomains', 'i32', 'k'], [6, 'nodeAffinityPolicy', 's', 'k'],
    [7, 'nodeTaintsPolicy', 's', 'k'], [8, 'matchLabelKeys', 's', 'r'],
  ],
  LabelSelector: [[1, 'matchLabels', 's', 'm'], [2, 'matchExpressions', 'LabelSelectorRequirement', 'r']],
  LabelSelectorRequirement: [[1, 'key', 's', 'k'], [2, 'operator', 's', 'k'], [3, 'values', 's', 'r']],
  Affinity: [
    [1, 'nodeAffinity', 'NodeAffinity'], [2, 'podAffinity', 'PodAffinity'], [3, 'podAntiAffinity', 'PodAffinity'],
  ],
  NodeAffinity: [
    [1, 'requiredDuringSchedulingIgnoredDuringExecution', 'NodeSelector'],
    [2, 'preferredDuringSchedulingIgnoredDuringExecution', 'PreferredSchedulingTerm', 'r'],
  ],
  NodeSelector: [[1, 'nodeSelectorTerms', 'NodeSelectorTerm', 'r']],
  NodeSelectorTerm: [
    [1, 'matchExpressions', 'NodeSelectorRequirement', 'r'], [2, 'matchFields', 'NodeSelectorRequirement', 'r'],
  ],
  NodeSelectorRequirement: [[1, 'key', 's', 'k'], [2, 'operator', 's', 'k'], [3, 'values', 's', 'r']],
  PreferredSchedulingTerm: [[1, 'weight', 'i32', 'k'], [2, 'preference', 'NodeSelectorTerm']],
  PodAffinity: [
    [1, 'requiredDuringSchedulingIgnoredDuringExecution', 'PodAffinityTerm', 'r'],
    [2, 'preferredDuringSchedulingIgnoredDuringExecution', 'WeightedPodAffinityTerm', 'r'],
  ],
  PodAffinityTerm: [
    [1, 'labelSelector', 'LabelSelector'], [2, 'namespaces', 's', 'r'], [3, 'topologyKey', 's', 'k'],
    [4, 'namespaceSelector', 'LabelSelector'], [5, 'matchLabelKeys', 's', 'r'], [6, 'mismatchLabelKeys', 's', 'r'],
  ],
  WeightedPodAffinityTerm: [[1, 'weight', 'i32', 'k'], [2, 'podAffinityTerm', 'PodAffinityTerm']],
  PodSecurityContext: [
    [1, 'seLinuxOptions', 'SELinuxOptions'], [2, 'runAsUser', 'i64', 'k'], [3, 'runAsNonRoot', 'B', 'k'],
    [4, 'supplementalGroups', 'i64', 'r'], [5, 'fsGroup', 'i64', 'k'], [6, 'runAsGroup', 'i64', 'k'],
    [7, 'sysctls', 'Sysctl', 'r'], [8, 'windowsOptions', 'WindowsSecurityContextOptions'],
    [9, 'fsGroupChangePolicy', 's', 'k'], [10, 'seccompProfile', 'SeccompProfile'],
    [11, 'appArmorProfile', 'AppArmorProfile'], [12, 'supplementalGroupsPolicy', 's', 'k'],
    [13, 'seLinuxChangePolicy', 's', 'k'],
  ],
  Sysctl: [[1, 'name', 's', 'k'], [2, 'value', 's', 'k']],
  SELinuxOptions: [[1, 'user', 's'], [2, 'role', 's'], [3, 'type', 's'], [4, 'level', 's']],
  WindowsSecurityContextOptions: [
    [1, 'gmsaCredentialSpecName', 's', 'k'], [2, 'gmsaCredentialSpec', 's', 'k'], [3, 'runAsUserName', 's', 'k'],
    [4, 'hostProcess', 'B', 'k'],
  ],
  SeccompProfile: [[1, 'type', 's', 'k'], [2, 'localhostProfile', 's', 'k']],
  AppArmorProfile: [[1, 'type', 's', 'k'], [2, 'localhostProfile', 's', 'k']],
  Container: [
    [1, 'name', 's', 'k'], [2, 'image', 's'], [3, 'command', 's', 'r'], [4, 'args', 's', 'r'], [5, 'workingDir', 's'],
    [6, 'ports', 'ContainerPort', 'r'], [7, 'env', 'EnvVar', 'r'], [8, 'resources', 'ResourceRequirements'],
    [9, 'volumeMounts', 'VolumeMount', 'r'], [10, 'livenessProbe', 'Probe'], [11, 'readinessProbe', 'Probe'],
    [12, 'lifecycle', 'Lifecycle'], [13, 'terminationMessagePath', 's'], [14, 'imagePullPolicy', 's'],
    [15, 'securityContext', 'SecurityContext'], [16, 'stdin', 'B'], [17, 'stdinOnce', 'B'], [18, 'tty', 'B'],
    [19, 'envFrom', 'EnvFromSource', 'r'], [20, 'terminationMessagePolicy', 's'],
    [21, 'volumeDevices', 'VolumeDevice', 'r'], [22, 'startupProbe', 'Probe'],
    [23, 'resizePolicy', 'ContainerResizePolicy', 'r'], [24, 'restartPolicy', 's', 'k'],
  ],
  // EphemeralContainerCommon has Container's field numbers; EphemeralContainer embeds it.
  EphemeralContainer: [[1, '', 'Container', 'i'], [2, 'targetContainerName', 's']],
  ContainerResizePolicy: [[1, 'resourceName', 's', 'k'], [2, 'restartPolicy', 's', 'k']],
  VolumeDevice: [[1, 'name', 's', 'k'], [2, 'devicePath', 's', 'k']],
  ContainerPort: [
    [1, 'name', 's'], [2, 'hostPort', 'i32'], [3, 'containerPort', 'i32', 'k'], [4, 'protocol', 's'], [5, 'hostIP', 's'],
  ],
  EnvVar: [[1, 'name', 's', 'k'], [2, 'value', 's'], [3, 'valueFrom', 'EnvVarSource']],
  EnvVarSource: [
    [1, 'fieldRef', 'ObjectFieldSelector'], [2, 'resourceFieldRef', 'ResourceFieldSelector'],
    [3, 'configMapKeyRef', 'ConfigMapKeySelector'], [4, 'secretKeyRef', 'SecretKeySelector'],
  ],
  ObjectFieldSelector: [[1, 'apiVersion', 's'], [2, 'fieldPath', 's', 'k']],
  ResourceFieldSelector: [[1, 'containerName', 's'], [2, 'resource', 's', 'k'], [3, 'divisor', 'Q']],
  ConfigMapKeySelector: [[1, '', 'LocalObjectReference', 'i'], [2, 'key', 's', 'k'], [3, 'optional', 'B', 'k']],
  SecretKeySelector: [[1, '', 'LocalObjectReference', 'i'], [2, 'key', 's', 'k'], [3, 'optional', 'B', 'k']],
  EnvFromSource: [[1, 'prefix', 's'], [2, 'configMapRef', 'ConfigMapEnvSource'], [3, 'secretRef', 'SecretEnvSource']],
  ConfigMapEnvSource: [[1, '', 'LocalObjectReference', 'i'], [2, 'optional', 'B', 'k']],
  SecretEnvSource: [[1, '', 'LocalObjectReference', 'i'], [2, 'optional', 'B', 'k']],
  ResourceRequirements: [[1, 'limits', 'Q', 'm'], [2, 'requests', 'Q', 'm'], [3, 'claims', 'ResourceClaim', 'r']],
  ResourceClaim: [[1, 'name', 's', 'k'], [2, 'request', 's']],
  VolumeMount: [
    [1, 'name', 's', 'k'], [2, 'readOnly', 'B'], [3, 'mountPath', 's', 'k'], [4, 'subPath', 's'],
    [5, 'mountPropagation', 's', 'k'], [6, 'subPathExpr', 's'], [7, 'recursiveReadOnly', 's', 'k'],
  ],
  Probe: [
    [1, '', 'ProbeHandler', 'i'], [2, 'initialDelaySeconds', 'i32'], [3, 'timeoutSeconds', 'i32'],
    [4, 'periodSeconds', 'i32'], [5, 'successThreshold', 'i32'], [6, 'failureThreshold', 'i32'],
    [7, 'terminationGracePeriodSeconds', 'i64', 'k'],
  ],
  ProbeHandler: [
    [1, 'exec', 'ExecAction'], [2, 'httpGet', 'HTTPGetAction'], [3, 'tcpSocket', 'TCPSocketAction'],
    [4, 'grpc', 'GRPCAction'],
  ],
  ExecAction: [[1, 'command', 's', 'r']],
  HTTPGetAction: [
    [1, 'path', 's'], [2, 'port', 'IOS', 'k'], [3, 'host', 's'], [4, 'scheme', 's'], [5, 'httpHeaders', 'HTTPHeader', 'r'],
  ],
  HTTPHeader: [[1, 'name', 's', 'k'], [2, 'value', 's', 'k']],
  TCPSocketAction: [[1, 'port', 'IOS', 'k'], [2, 'host', 's']],
  GRPCAction: [[1, 'port', 'i32', 'k'], [2, 'service', 's', 'k']],
  Lifecycle: [[1, 'postStart', 'LifecycleHandler'], [2, 'preStop', 'LifecycleHandler'], [3, 'stopSignal', 's', 'k']],
  LifecycleHandler: [
    [1, 'exec', 'ExecAction'], [2, 'httpGet', 'HTTPGetAction'], [3, 'tcpSocket', 'TCPSocketAction'],
    [4, 'sleep', 'SleepAction'],
  ],
  SleepAction: [[1, 'seconds', 'i64', 'k']],
  SecurityContext: [
    [1, 'capabilities', 'Capabilities'], [2, 'privileged', 'B', 'k'], [3, 'seLinuxOptions', 'SELinuxOptions'],
    [4, 'runAsUser', 'i64', 'k'], [5, 'runAsNonRoot', 'B', 'k'], [6, 'readOnlyRootFilesystem', 'B', 'k'],
    [7, 'allowPrivilegeEscalation', 'B', 'k'], [8, 'runAsGroup', 'i64', 'k'], [9, 'procMount', 's', 'k'],
    [10, 'windowsOptions', 'WindowsSecurityContextOptions'], [11, 'seccompProfile', 'SeccompProfile'],
    [12, 'appArmorProfile', 'AppArmorProfile'],
  ],
  Capabilities: [[1, 'add', 's', 'r'], [2, 'drop', 's', 'r']],
  Volume: [[1, 'name', 's', 'k'], [2, '', 'VolumeSource', 'i']],
  VolumeSource: [
    [1, 'hostPath', 'HostPathVolumeSource'], [2, 'emptyDir', 'EmptyDirVolumeSource'],
    [6, 'secret', 'SecretVolumeSource'], [7, 'nfs', 'NFSVolumeSource'],
    [10, 'persistentVolumeClaim', 'PersistentVolumeClaimVolumeSource'], [16, 'downwardAPI', 'DownwardAPIVolumeSource'],
    [19, 'configMap', 'ConfigMapVolumeSource'], [26, 'projected', 'ProjectedVolumeSource'],
    [30, 'image', 'ImageVolumeSource'],
  ],
  HostPathVolumeSource: [[1, 'path', 's', 'k'], [2, 'type', 's', 'k']],
  EmptyDirVolumeSource: [[1, 'medium', 's'], [2, 'sizeLimit', 'Q', 'k']],
  SecretVolumeSource: [[1, 'secretName', 's'], [2, 'items', 'KeyToPath', 'r'], [3, 'defaultMode', 'i32', 'k'], [4, 'optional', 'B', 'k']],
  NFSVolumeSource: [[1, 'server', 's', 'k'], [2, 'path', 's', 'k'], [3, 'readOnly', 'B']],
  PersistentVolumeClaimVolumeSource: [[1, 'claimName', 's', 'k'], [2, 'readOnly', 'B']],
  KeyToPath: [[1, 'key', 's', 'k'], [2, 'path', 's', 'k'], [3, 'mode', 'i32', 'k']],
  ConfigMapVolumeSource: [
    [1, '', 'LocalObjectReference', 'i'], [2, 'items', 'KeyToPath', 'r'], [3, 'defaultMode', 'i32', 'k'], [4, 'optional', 'B', 'k'],
  ],
  DownwardAPIVolumeSource: [[1, 'items', 'DownwardAPIVolumeFile', 'r'], [2, 'defaultMode', 'i32', 'k']],
  DownwardAPIVolumeFile: [
    [1, 'path', 's', 'k'], [2, 'fieldRef', 'ObjectFieldSelector'], [3, 'resourceFieldRef', 'ResourceFieldSelector'],
    [4, 'mode', 'i32', 'k'],
  ],
  ProjectedVolumeSource: [[1, 'sources', 'VolumeProjection', 'r'], [2, 'defaultMode', 'i32', 'k']],
  VolumeProjection: [
    [1, 'secret', 'SecretProjection'], [2, 'downwardAPI', 'DownwardAPIProjection'],
    [3, 'configMap', 'ConfigMapProjection'], [4, 'serviceAccountToken', 'ServiceAccountTokenProjection'],
  ],
  SecretProjection: [[1, '', 'LocalObjectReference', 'i'], [2, 'items', 'KeyToPath', 'r'], [4, 'optional', 'B', 'k']],
  ConfigMapProjection: [[1, '', 'LocalObjectReference', 'i'], [2, 'items', 'KeyToPath', 'r'], [4, 'optional', 'B', 'k']],
  DownwardAPIProjection: [[1, 'items', 'DownwardAPIVolumeFile', 'r']],
  ServiceAccountTokenProjection: [[1, 'audience', 's'], [2, 'expirationSeconds', 'i64', 'k'], [3, 'path', 's', 'k']],
  ImageVolumeSource: [[1, 'reference', 's'], [2, 'pullPolicy', 's']],
  PodStatus: [
    [1, 'phase', 's'], [2, 'conditions', 'PodCondition', 'r'], [3, 'message', 's'], [4, 'reason', 's'],
    [5, 'hostIP', 's'], [6, 'podIP', 's'], [7, 'startTime', 'T'], [8, 'containerStatuses', 'ContainerStatus', 'r'],
    [9, 'qosClass', 's'], [10, 'initContainerStatuses', 'ContainerStatus', 'r'], [11, 'nominatedNodeName', 's'],
    [12, 'podIPs', 'PodIP', 'r'], [13, 'ephemeralContainerStatuses', 'ContainerStatus', 'r'],
    [16, 'hostIPs', 'HostIP', 'r'], [17, 'observedGeneration', 'i64'],
  ],
  PodIP: [[1, 'ip', 's', 'k']],
  HostIP: [[1, 'ip', 's', 'k']],
  PodCondition: [
    [1, 'type', 's', 'k'], [2, 'status', 's', 'k'], [3, 'lastProbeTime', 'T', 'k'], [4, 'lastTransitionTime', 'T', 'k'],
    [5, 'reason', 's'], [6, 'message', 's'], [7, 'observedGeneration', 'i64'],
  ],
  ContainerStatus: [
    [1, 'name', 's', 'k'], [2, 'state', 'ContainerState'], [3, 'lastState', 'ContainerState'], [4, 'ready', 'B', 'k'],
    [5, 'restartCount', 'i32', 'k'], [6, 'image', 's', 'k'], [7, 'imageID', 's', 'k'], [8, 'containerID', 's'],
    [9, 'started', 'B', 'k'],
  ],
  ContainerState: [
    [1, 'waiting', 'ContainerStateWaiting'], [2, 'running', 'ContainerStateRunning'],
    [3, 'terminated', 'ContainerStateTerminated'],
  ],
  ContainerStateWaiting: [[1, 'reason', 's'], [2, 'message', 's']],
  ContainerStateRunning: [[1, 'startedAt', 'T']],
  ContainerStateTerminated: [
    [1, 'exitCode', 'i32', 'k'], [2, 'signal', 'i32'], [3, 'reason', 's'], [4, 'message', 's'], [5, 'startedAt', 'T'],
    [6, 'finishedAt', 'T'], [7, 'containerID', 's'],
  ],

  ReplicationController: [objMeta, [2, 'spec', 'ReplicationControllerSpec'], [3, 'status', 'ReplicationControllerStatus']],
  ReplicationControllerSpec: [
    [1, 'replicas', 'i32', 'k'], [2, 'selector', 's', 'm'], [3, 'template', 'PodTemplateSpec'], [4, 'minReadySeconds', 'i32'],
  ],
  ReplicationControllerStatus: [
    [1, 'replicas', 'i32', 'k'], [2, 'fullyLabeledReplicas', 'i32'], [3, 'observedGeneration', 'i64'],
    [4, 'readyReplicas', 'i32'], [5, 'availableReplicas', 'i32'], [6, 'conditions', 'ReplicationControllerCondition', 'r'],
  ],
  ReplicationControllerCondition: [
    [1, 'type', 's', 'k'], [2, 'status', 's', 'k'], [3, 'lastTransitionTime', 'T'], [4, 'reason', 's'], [5, 'message', 's'],
  ],
  Endpoints: [objMeta, [2, 'subsets', 'EndpointSubset', 'r']],
  EndpointSubset: [
    [1, 'addresses', 'EndpointAddress', 'r'], [2, 'notReadyAddresses', 'EndpointAddress', 'r'],
    [3, 'ports', 'EndpointPort', 'r'],
  ],
  EndpointAddress: [[1, 'ip', 's', 'k'], [2, 'targetRef', 'ObjectReference'], [3, 'hostname', 's'], [4, 'nodeName', 's', 'k']],
  EndpointPort: [[1, 'name', 's'], [2, 'port', 'i32', 'k'], [3, 'protocol', 's'], [4, 'appProtocol', 's', 'k']],
  ObjectReference: [
    [1, 'kind', 's'], [2, 'namespace', 's'], [3, 'name', 's'], [4, 'uid', 's'], [5, 'apiVersion', 's'],
    [6, 'resourceVersion', 's'], [7, 'fieldPath', 's'],
  ],
  Event: [
    objMeta, [2, 'involvedObject', 'ObjectReference'], [3, 'reason', 's'], [4, 'message', 's'], [5, 'source', 'EventSource'],
    [6, 'firstTimestamp', 'T'], [7, 'lastTimestamp', 'T'], [8, 'count', 'i32'], [9, 'type', 's'],
    [10, 'eventTime', 'MT', 'k'], [11, 'series', 'EventSeries'], [12, 'action', 's'], [13, 'related', 'ObjectReference'],
    [14, 'reportingComponent', 's', 'k'], [15, 'reportingInstance', 's', 'k'],
  ],
  EventSource: [[1, 'component', 's'], [2, 'host', 's']],
  EventSeries: [[1, 'count', 'i32'], [2, 'lastObservedTime', 'MT']],
  Node: [objMeta, [2, 'spec', 'NodeSpec'], [3, 'status', 'NodeStatus']],
  NodeSpec: [
    [1, 'podCIDR', 's'], [2, 'externalID', 's'], [3, 'providerID', 's'], [4, 'unschedulable', 'B'],
    [5, 'taints', 'Taint', 'r'], [6, 'configSource', 'NodeConfigSource'], [7, 'podCIDRs', 's', 'r'],
  ],
  NodeConfigSource: [[2, 'configMap', 'ConfigMapNodeConfigSource']],
  ConfigMapNodeConfigSource: [
    [1, 'namespace', 's', 'k'], [2, 'name', 's', 'k'], [3, 'uid', 's'], [4, 'resourceVersion', 's'],
    [5, 'kubeletConfigKey', 's', 'k'],
  ],
  Taint: [[1, 'key', 's', 'k'], [2, 'value', 's'], [3, 'effect', 's', 'k'], [4, 'timeAdded', 'T', 'k']],
  NodeStatus: [
    [1, 'capacity', 'Q', 'm'], [2, 'allocatable', 'Q', 'm'], [3, 'phase', 's'], [4, 'conditions', 'NodeCondition', 'r'],
    [5, 'addresses', 'NodeAddress', 'r'], [6, 'daemonEndpoints', 'NodeDaemonEndpoints'], [7, 'nodeInfo', 'NodeSystemInfo'],
    [8, 'images', 'ContainerImage', 'r'], [9, 'volumesInUse', 's', 'r'], [10, 'volumesAttached', 'AttachedVolume', 'r'],
    [12, 'runtimeHandlers', 'NodeRuntimeHandler', 'r'], [13, 'features', 'NodeFeatures'],
  ],
  NodeCondition: [
    [1, 'type', 's', 'k'], [2, 'status', 's', 'k'], [3, 'lastHeartbeatTime', 'T'], [4, 'lastTransitionTime', 'T'],
    [5, 'reason', 's'], [6, 'message', 's'],
  ],
  NodeAddress: [[1, 'type', 's', 'k'], [2, 'address', 's', 'k']],
  NodeDaemonEndpoints: [[1, 'kubeletEndpoint', 'DaemonEndpoint']],
  DaemonEndpoint: [[1, 'Port', 'i32', 'k']],
  NodeSystemInfo: [
    [1, 'machineID', 's', 'k'], [2, 'systemUUID', 's', 'k'], [3, 'bootID', 's', 'k'], [4, 'kernelVersion', 's', 'k'],
    [5, 'osImage', 's', 'k'], [6, 'containerRuntimeVersion', 's', 'k'], [7, 'kubeletVersion', 's', 'k'],
    [8, 'kubeProxyVersion', 's', 'k'], [9, 'operatingSystem', 's', 'k'], [10, 'architecture', 's', 'k'],
  ],
  ContainerImage: [[1, 'names', 's', 'r'], [2, 'sizeBytes', 'i64']],
  AttachedVolume: [[1, 'name', 's', 'k'], [2, 'devicePath', 's', 'k']],
  NodeRuntimeHandler: [[1, 'name', 's', 'k'], [2, 'features', 'NodeRuntimeHandlerFeatures']],
  NodeRuntimeHandlerFeatures: [[1, 'recursiveReadOnlyMounts', 'B', 'k'], [2, 'userNamespaces', 'B', 'k']],
  NodeFeatures: [[1, 'supplementalGroupsPolicy', 'B', 'k']],
  Binding: [objMeta, [2, 'target', 'ObjectReference']],

  // ---- apps/v1 (kubectl's typed clients, e.g. `kubectl create deployment`, send these) ----
  Deployment: [objMeta, [2, 'spec', 'DeploymentSpec'], [3, 'status', 'DeploymentStatus']],
  DeploymentSpec: [
    [1, 'replicas', 'i32', 'k'], [2, 'selector', 'LabelSelector'], [3, 'template', 'PodTemplateSpec'], [4, 'strategy', 'DeploymentStrategy'],
    [5, 'minReadySeconds', 'i32'], [6, 'revisionHistoryLimit', 'i32', 'k'], [7, 'paused', 'B'], [9, 'progressDeadlineSeconds', 'i32', 'k'],
  ],
  DeploymentStrategy: [[1, 'type', 's'], [2, 'rollingUpdate', 'RollingUpdateDeployment']],
  RollingUpdateDeployment: [[1, 'maxUnavailable', 'IOS', 'k'], [2, 'maxSurge', 'IOS', 'k']],
  DeploymentStatus: [
    [1, 'observedGeneration', 'i64'], [2, 'replicas', 'i32'], [3, 'updatedReplicas', 'i32'], [7, 'readyReplicas', 'i32'],
    [4, 'availableReplicas', 'i32'], [5, 'unavailableReplicas', 'i32'], [6, 'conditions', 'DeploymentCondition', 'r'],
    [8, 'collisionCount', 'i32', 'k'],
  ],
  DeploymentCondition: [
    [1, 'type', 's', 'k'], [2, 'status', 's', 'k'], [6, 'lastUpdateTime', 'T'], [7, 'lastTransitionTime', 'T'], [4, 'reason', 's'], [5, 'message', 's'],
  ],
  ReplicaSet: [objMeta, [2, 'spec', 'ReplicaSetSpec'], [3, 'status', 'ReplicaSetStatus']],
  ReplicaSetSpec: [[1, 'replicas', 'i32', 'k'], [4, 'minReadySeconds', 'i32'], [2, 'selector', 'LabelSelector'], [3, 'template', 'PodTemplateSpec']],
  ReplicaSetStatus: [
    [1, 'replicas', 'i32', 'k'], [2, 'fullyLabeledReplicas', 'i32'], [4, 'readyReplicas', 'i32'], [5, 'availableReplicas', 'i32'],
    [3, 'observedGeneration', 'i64'], [6, 'conditions', 'WorkloadCondition', 'r'],
  ],
  // ReplicaSetCondition, DaemonSetCondition and StatefulSetCondition share this shape.
  WorkloadCondition: [[1, 'type', 's', 'k'], [2, 'status', 's', 'k'], [3, 'lastTransitionTime', 'T'], [4, 'reason', 's'], [5, 'message', 's']],
  DaemonSet: [objMeta, [2, 'spec', 'DaemonSetSpec'], [3, 'status', 'DaemonSetStatus']],
  DaemonSetSpec: [
    [1, 'selector', 'LabelSelector'], [2, 'template', 'PodTemplateSpec'], [3, 'updateStrategy', 'DaemonSetUpdateStrategy'],
    [4, 'minReadySeconds', 'i32'], [6, 'revisionHistoryLimit', 'i32', 'k'],
  ],
  DaemonSetUpdateStrategy: [[1, 'type', 's'], [2, 'rollingUpdate', 'RollingUpdateDaemonSet']],
  RollingUpdateDaemonSet: [[1, 'maxUnavailable', 'IOS', 'k'], [2, 'maxSurge', 'IOS', 'k']],
  DaemonSetStatus: [
    [1, 'currentNumberScheduled', 'i32', 'k'], [2, 'numberMisscheduled', 'i32', 'k'], [3, 'desiredNumberScheduled', 'i32', 'k'],
    [4, 'numberReady', 'i32', 'k'], [5, 'observedGeneration', 'i64'], [6, 'updatedNumberScheduled', 'i32'], [7, 'numberAvailable', 'i32'],
    [8, 'numberUnavailable', 'i32'], [9, 'collisionCount', 'i32', 'k'], [10, 'conditions', 'WorkloadCondition', 'r'],
  ],
  StatefulSet: [objMeta, [2, 'spec', 'StatefulSetSpec'], [3, 'status', 'StatefulSetStatus']],
  StatefulSetSpec: [
    [1, 'replicas', 'i32', 'k'], [2, 'selector', 'LabelSelector'], [3, 'template', 'PodTemplateSpec'],
    [4, 'volumeClaimTemplates', 'PersistentVolumeClaim', 'r'], [5, 'serviceName', 's'], [6, 'podManagementPolicy', 's'],
    [7, 'updateStrategy', 'StatefulSetUpdateStrategy'], [8, 'revisionHistoryLimit', 'i32', 'k'], [9, 'minReadySeconds', 'i32'],
    [10, 'persistentVolumeClaimRetentionPolicy', 'StatefulSetPersistentVolumeClaimRetentionPolicy'], [11, 'ordinals', 'StatefulSetOrdinals'],
  ],
  StatefulSetUpdateStrategy: [[1, 'type', 's'], [2, 'rollingUpdate', 'RollingUpdateStatefulSetStrategy']],
  RollingUpdateStatefulSetStrategy: [[1, 'partition', 'i32', 'k'], [2, 'maxUnavailable', 'IOS', 'k']],
  StatefulSetPersistentVolumeClaimRetentionPolicy: [[1, 'whenDeleted', 's'], [2, 'whenScaled', 's']],
  StatefulSetOrdinals: [[1, 'start', 'i32']],
  StatefulSetStatus: [
    [1, 'observedGeneration', 'i64'], [2, 'replicas', 'i32', 'k'], [3, 'readyReplicas', 'i32'], [4, 'currentReplicas', 'i32'],
    [5, 'updatedReplicas', 'i32'], [6, 'currentRevision', 's'], [7, 'updateRevision', 's'], [9, 'collisionCount', 'i32', 'k'],
    [10, 'conditions', 'WorkloadCondition', 'r'], [11, 'availableReplicas', 'i32', 'k'],
  ],

  // ---- core/v1 PersistentVolume, PersistentVolumeClaim ----
  PersistentVolumeClaim: [objMeta, [2, 'spec', 'PersistentVolumeClaimSpec'], [3, 'status', 'PersistentVolumeClaimStatus']],
  PersistentVolumeClaimSpec: [
    [1, 'accessModes', 's', 'r'], [4, 'selector', 'LabelSelector'], [2, 'resources', 'VolumeResourceRequirements'],
    [3, 'volumeName', 's'], [5, 'storageClassName', 's', 'k'], [6, 'volumeMode', 's', 'k'],
    [7, 'dataSource', 'TypedLocalObjectReference'], [8, 'dataSourceRef', 'TypedObjectReference'],
    [9, 'volumeAttributesClassName', 's', 'k'],
  ],
  VolumeResourceRequirements: [[1, 'limits', 'Q', 'm'], [2, 'requests', 'Q', 'm']],
  TypedLocalObjectReference: [[1, 'apiGroup', 's', 'k'], [2, 'kind', 's', 'k'], [3, 'name', 's', 'k']],
  TypedObjectReference: [[1, 'apiGroup', 's', 'k'], [2, 'kind', 's', 'k'], [3, 'name', 's', 'k'], [4, 'namespace', 's', 'k']],
  PersistentVolumeClaimStatus: [
    [1, 'phase', 's'], [2, 'accessModes', 's', 'r'], [3, 'capacity', 'Q', 'm'],
    [4, 'conditions', 'PersistentVolumeClaimCondition', 'r'], [5, 'allocatedResources', 'Q', 'm'],
    [7, 'allocatedResourceStatuses', 's', 'm'], [8, 'currentVolumeAttributesClassName', 's', 'k'],
  ],
  PersistentVolumeClaimCondition: [
    [1, 'type', 's', 'k'], [2, 'status', 's', 'k'], [3, 'lastProbeTime', 'T'], [4, 'lastTransitionTime', 'T'],
    [5, 'reason', 's'], [6, 'message', 's'],
  ],
  PersistentVolume: [objMeta, [2, 'spec', 'PersistentVolumeSpec'], [3, 'status', 'PersistentVolumeStatus']],
  PersistentVolumeSpec: [
    [1, 'capacity', 'Q', 'm'], [2, '', 'PersistentVolumeSource', 'i'], [3, 'accessModes', 's', 'r'],
    [4, 'claimRef', 'ObjectReference'], [5, 'persistentVolumeReclaimPolicy', 's'], [6, 'storageClassName', 's'],
    [7, 'mountOptions', 's', 'r'], [8, 'volumeMode', 's', 'k'], [9, 'nodeAffinity', 'VolumeNodeAffinity'],
    [10, 'volumeAttributesClassName', 's', 'k'],
  ],
  // Only the sources tskube serves; others decode to nothing and fail validation as "must specify a volume type".
  PersistentVolumeSource: [[3, 'hostPath', 'HostPathVolumeSource'], [20, 'local', 'LocalVolumeSource']],
  LocalVolumeSource: [[1, 'path', 's', 'k'], [2, 'fsType', 's', 'k']],
  VolumeNodeAffinity: [[1, 'required', 'NodeSelector']],
  PersistentVolumeStatus: [[1, 'phase', 's'], [2, 'message', 's'], [3, 'reason', 's'], [4, 'lastPhaseTransitionTime', 'T']],

  // ---- storage.k8s.io/v1 ----
  StorageClass: [
    objMeta, [2, 'provisioner', 's', 'k'], [3, 'parameters', 's', 'm'], [4, 'reclaimPolicy', 's', 'k'],
    [5, 'mountOptions', 's', 'r'], [6, 'allowVolumeExpansion', 'B', 'k'], [7, 'volumeBindingMode', 's', 'k'],
    [8, 'allowedTopologies', 'TopologySelectorTerm', 'r'],
  ],
  TopologySelectorTerm: [[1, 'matchLabelExpressions', 'TopologySelectorLabelRequirement', 'r']],
  TopologySelectorLabelRequirement: [[1, 'key', 's', 'k'], [2, 'values', 's', 'r']],

  // ---- networking.k8s.io/v1 ----
  Ingress: [objMeta, [2, 'spec', 'IngressSpec'], [3, 'status', 'IngressStatus']],
  IngressSpec: [[4, 'ingressClassName', 's', 'k'], [1, 'defaultBackend', 'IngressBackend'], [2, 'tls', 'IngressTLS', 'r'], [3, 'rules', 'IngressRule', 'r']],
  IngressBackend: [[4, 'service', 'IngressServiceBackend'], [3, 'resource', 'TypedLocalObjectReference']],
  IngressServiceBackend: [[1, 'name', 's', 'k'], [2, 'port', 'ServiceBackendPort']],
  ServiceBackendPort: [[1, 'name', 's'], [2, 'number', 'i32']],
  IngressTLS: [[1, 'hosts', 's', 'r'], [2, 'secretName', 's']],
  IngressRule: [[1, 'host', 's'], [2, '', 'IngressRuleValue', 'i']],
  IngressRuleValue: [[1, 'http', 'HTTPIngressRuleValue']],
  HTTPIngressRuleValue: [[1, 'paths', 'HTTPIngressPath', 'r']],
  HTTPIngressPath: [[1, 'path', 's'], [3, 'pathType', 's', 'k'], [2, 'backend', 'IngressBackend']],
  IngressStatus: [[1, 'loadBalancer', 'IngressLoadBalancerStatus']],
  IngressLoadBalancerStatus: [[1, 'ingress', 'IngressLoadBalancerIngress', 'r']],
  IngressLoadBalancerIngress: [[1, 'ip', 's'], [2, 'hostname', 's'], [4, 'ports', 'IngressPortStatus', 'r']],
  IngressPortStatus: [[1, 'port', 'i32', 'k'], [2, 'protocol', 's', 'k'], [3, 'error', 's', 'k']],
  IngressClass: [objMeta, [2, 'spec', 'IngressClassSpec']],
  IngressClassSpec: [[1, 'controller', 's'], [2, 'parameters', 'IngressClassParametersReference']],
  IngressClassParametersReference: [[1, 'apiGroup', 's', 'k'], [2, 'kind', 's', 'k'], [3, 'name', 's', 'k'], [4, 'scope', 's', 'k'], [5, 'namespace', 's', 'k']],
  NetworkPolicy: [objMeta, [2, 'spec', 'NetworkPolicySpec']],
  NetworkPolicySpec: [[1, 'podSelector', 'LabelSelector'], [2, 'ingress', 'NetworkPolicyIngressRule', 'r'], [3, 'egress', 'NetworkPolicyEgressRule', 'r'], [4, 'policyTypes', 's', 'r']],
  NetworkPolicyIngressRule: [[1, 'ports', 'NetworkPolicyPort', 'r'], [2, 'from', 'NetworkPolicyPeer', 'r']],
  NetworkPolicyEgressRule: [[1, 'ports', 'NetworkPolicyPort', 'r'], [2, 'to', 'NetworkPolicyPeer', 'r']],
  NetworkPolicyPort: [[1, 'protocol', 's', 'k'], [2, 'port', 'IOS'], [3, 'endPort', 'i32', 'k']],
  NetworkPolicyPeer: [[1, 'podSelector', 'LabelSelector'], [2, 'namespaceSelector', 'LabelSelector'], [3, 'ipBlock', 'IPBlock']],
  IPBlock: [[1, 'cidr', 's', 'k'], [2, 'except', 's', 'r']],

  // ---- scheduling.k8s.io/v1 ----
  PriorityClass: [objMeta, [2, 'value', 'i32', 'k'], [3, 'globalDefault', 'B'], [4, 'description', 's'], [5, 'preemptionPolicy', 's', 'k']],

  // ---- policy/v1 ----
  PodDisruptionBudget: [objMeta, [2, 'spec', 'PodDisruptionBudgetSpec'], [3, 'status', 'PodDisruptionBudgetStatus']],
  PodDisruptionBudgetSpec: [[1, 'minAvailable', 'IOS'], [2, 'selector', 'LabelSelector'], [3, 'maxUnavailable', 'IOS'], [4, 'unhealthyPodEvictionPolicy', 's', 'k']],
  PodDisruptionBudgetStatus: [
    [1, 'observedGeneration', 'i64'], [2, 'disruptedPods', 'T', 'm'], [3, 'disruptionsAllowed', 'i32', 'k'], [4, 'currentHealthy', 'i32', 'k'],
    [5, 'desiredHealthy', 'i32', 'k'], [6, 'expectedPods', 'i32', 'k'], [7, 'conditions', 'Condition', 'r'],
  ],
  Eviction: [objMeta, [2, 'deleteOptions', 'DeleteOptions']],

  // ---- batch/v1 ----
  Job: [objMeta, [2, 'spec', 'JobSpec'], [3, 'status', 'JobStatus']],
  JobSpec: [
    [1, 'parallelism', 'i32', 'k'], [2, 'completions', 'i32', 'k'], [3, 'activeDeadlineSeconds', 'i64', 'k'],
    [11, 'podFailurePolicy', 'PodFailurePolicy'], [16, 'successPolicy', 'SuccessPolicy'], [7, 'backoffLimit', 'i32', 'k'],
    [12, 'backoffLimitPerIndex', 'i32', 'k'], [13, 'maxFailedIndexes', 'i32', 'k'], [4, 'selector', 'LabelSelector'],
    [5, 'manualSelector', 'B', 'k'], [6, 'template', 'PodTemplateSpec'], [8, 'ttlSecondsAfterFinished', 'i32', 'k'],
    [9, 'completionMode', 's', 'k'], [10, 'suspend', 'B', 'k'], [14, 'podReplacementPolicy', 's', 'k'],
    [15, 'managedBy', 's', 'k'],
  ],
  PodFailurePolicy: [[1, 'rules', 'PodFailurePolicyRule', 'r']],
  PodFailurePolicyRule: [
    [1, 'action', 's', 'k'], [2, 'onExitCodes', 'PodFailurePolicyOnExitCodesRequirement'],
    [3, 'onPodConditions', 'PodFailurePolicyOnPodConditionsPattern', 'r'],
  ],
  PodFailurePolicyOnExitCodesRequirement: [[1, 'containerName', 's', 'k'], [2, 'operator', 's', 'k'], [3, 'values', 'i32', 'r']],
  PodFailurePolicyOnPodConditionsPattern: [[1, 'type', 's', 'k'], [2, 'status', 's', 'k']],
  SuccessPolicy: [[1, 'rules', 'SuccessPolicyRule', 'r']],
  SuccessPolicyRule: [[1, 'succeededIndexes', 's', 'k'], [2, 'succeededCount', 'i32', 'k']],
  JobStatus: [
    [1, 'conditions', 'JobCondition', 'r'], [2, 'startTime', 'T'], [3, 'completionTime', 'T'], [4, 'active', 'i32'],
    [5, 'succeeded', 'i32'], [6, 'failed', 'i32'], [11, 'terminating', 'i32', 'k'], [7, 'completedIndexes', 's'],
    [10, 'failedIndexes', 's', 'k'], [8, 'uncountedTerminatedPods', 'UncountedTerminatedPods'], [9, 'ready', 'i32', 'k'],
  ],
  JobCondition: [
    [1, 'type', 's', 'k'], [2, 'status', 's', 'k'], [3, 'lastProbeTime', 'T'], [4, 'lastTransitionTime', 'T'],
    [5, 'reason', 's'], [6, 'message', 's'],
  ],
  UncountedTerminatedPods: [[1, 'succeeded', 's', 'r'], [2, 'failed', 's', 'r']],
  CronJob: [objMeta, [2, 'spec', 'CronJobSpec'], [3, 'status', 'CronJobStatus']],
  CronJobSpec: [
    [1, 'schedule', 's', 'k'], [8, 'timeZone', 's', 'k'], [2, 'startingDeadlineSeconds', 'i64', 'k'],
    [3, 'concurrencyPolicy', 's'], [4, 'suspend', 'B', 'k'], [5, 'jobTemplate', 'JobTemplateSpec'],
    [6, 'successfulJobsHistoryLimit', 'i32', 'k'], [7, 'failedJobsHistoryLimit', 'i32', 'k'],
  ],
  JobTemplateSpec: [objMeta, [2, 'spec', 'JobSpec']],
  CronJobStatus: [[1, 'active', 'ObjectReference', 'r'], [4, 'lastScheduleTime', 'T'], [5, 'lastSuccessfulTime', 'T']],

  // ---- rbac.authorization.k8s.io/v1 ----
  PolicyRule: [[1, 'verbs', 's', 'r'], [2, 'apiGroups', 's', 'r'], [3, 'resources', 's', 'r'], [4, 'resourceNames', 's', 'r'], [5, 'nonResourceURLs', 's', 'r']],
  Role: [objMeta, [2, 'rules', 'PolicyRule', 'r']],
  ClusterRole: [objMeta, [2, 'rules', 'PolicyRule', 'r'], [3, 'aggregationRule', 'AggregationRule']],
  AggregationRule: [[1, 'clusterRoleSelectors', 'LabelSelector', 'r']],
  RoleBinding: [objMeta, [2, 'subjects', 'Subject', 'r'], [3, 'roleRef', 'RoleRef']],
  Subject: [[1, 'kind', 's', 'k'], [2, 'apiGroup', 's'], [3, 'name', 's', 'k'], [4, 'namespace', 's']],
  RoleRef: [[1, 'apiGroup', 's', 'k'], [2, 'kind', 's', 'k'], [3, 'name', 's', 'k']],

  // ---- authorization.k8s.io/v1, authentication.k8s.io/v1 (reviews) ----
  ResourceAttributes: [[1, 'namespace', 's'], [2, 'verb', 's'], [3, 'group', 's'], [4, 'version', 's'], [5, 'resource', 's'], [6, 'subresource', 's'], [7, 'name', 's']],
  NonResourceAttributes: [[1, 'path', 's'], [2, 'verb', 's']],
  SelfSubjectAccessReview: [objMeta, [2, 'spec', 'SelfSubjectAccessReviewSpec']],
  SelfSubjectAccessReviewSpec: [[1, 'resourceAttributes', 'ResourceAttributes'], [2, 'nonResourceAttributes', 'NonResourceAttributes']],
  SubjectAccessReview: [objMeta, [2, 'spec', 'SubjectAccessReviewSpec']],
  SubjectAccessReviewSpec: [
    [1, 'resourceAttributes', 'ResourceAttributes'], [2, 'nonResourceAttributes', 'NonResourceAttributes'], [3, 'user', 's'],
    [4, 'groups', 's', 'r'], [6, 'uid', 's'],
  ],
  SelfSubjectRulesReview: [objMeta, [2, 'spec', 'SelfSubjectRulesReviewSpec']],
  SelfSubjectRulesReviewSpec: [[1, 'namespace', 's']],
  SelfSubjectReview: [objMeta],

  // ---- coordination.k8s.io/v1 ----
  Lease: [objMeta, [2, 'spec', 'LeaseSpec']],
  LeaseSpec: [
    [1, 'holderIdentity', 's', 'k'], [2, 'leaseDurationSeconds', 'i32', 'k'], [3, 'acquireTime', 'MT', 'k'],
    [4, 'renewTime', 'MT', 'k'], [5, 'leaseTransitions', 'i32', 'k'], [6, 'strategy', 's', 'k'],
    [7, 'preferredHolder', 's', 'k'],
  ],

  // ---- autoscaling/v1 (kubectl autoscale's typed client) ----
  HorizontalPodAutoscalerV1: [objMeta, [2, 'spec', 'HorizontalPodAutoscalerSpecV1'], [3, 'status', 'HorizontalPodAutoscalerStatusV1']],
  HorizontalPodAutoscalerSpecV1: [
    [1, 'scaleTargetRef', 'CrossVersionObjectReference'], [2, 'minReplicas', 'i32', 'k'], [3, 'maxReplicas', 'i32', 'k'],
    [4, 'targetCPUUtilizationPercentage', 'i32', 'k'],
  ],
  CrossVersionObjectReference: [[1, 'kind', 's', 'k'], [2, 'name', 's', 'k'], [3, 'apiVersion', 's']],
  HorizontalPodAutoscalerStatusV1: [
    [1, 'observedGeneration', 'i64', 'k'], [2, 'lastScaleTime', 'T'], [3, 'currentReplicas', 'i32', 'k'], [4, 'desiredReplicas', 'i32', 'k'],
    [5, 'currentCPUUtilizationPercentage', 'i32', 'k'],
  ],
  // ---- core/v1 ServiceAccount, authentication.k8s.io/v1 ----
  ServiceAccount: [objMeta, [2, 'secrets', 'ObjectReference', 'r'], [3, 'imagePullSecrets', 'LocalObjectReference', 'r'], [4, 'automountServiceAccountToken', 'B', 'k']],
  TokenRequest: [objMeta, [2, 'spec', 'TokenRequestSpec'], [3, 'status', 'TokenRequestStatus']],
  TokenRequestSpec: [[1, 'audiences', 's', 'r'], [3, 'boundObjectRef', 'BoundObjectReference'], [4, 'expirationSeconds', 'i64', 'k']],
  BoundObjectReference: [[1, 'kind', 's'], [2, 'apiVersion', 's'], [3, 'name', 's'], [4, 'uid', 's']],
  TokenRequestStatus: [[1, 'token', 's', 'k'], [2, 'expirationTimestamp', 'T', 'k']],
  TokenReview: [objMeta, [2, 'spec', 'TokenReviewSpec'], [3, 'status', 'TokenReviewStatus']],
  TokenReviewSpec: [[1, 'token', 's'], [2, 'audiences', 's', 'r']],
  TokenReviewStatus: [[1, 'authenticated', 'B'], [2, 'user', 'UserInfo'], [3, 'error', 's'], [4, 'audiences', 's', 'r']],
  UserInfo: [[1, 'username', 's'], [2, 'uid', 's'], [3, 'groups', 's', 'r']],
  // ---- certificates.k8s.io/v1 (spec.extra, 6, is the apiserver's to set: not read)
  CertificateSigningRequest: [objMeta, [2, 'spec', 'CertificateSigningRequestSpec'], [3, 'status', 'CertificateSigningRequestStatus']],
  CertificateSigningRequestSpec: [
    [1, 'request', 'b'], [7, 'signerName', 's', 'k'], [8, 'expirationSeconds', 'i32', 'k'], [5, 'usages', 's', 'r'],
    [2, 'username', 's'], [3, 'uid', 's'], [4, 'groups', 's', 'r'],
  ],
  CertificateSigningRequestStatus: [[1, 'conditions', 'CertificateSigningRequestCondition', 'r'], [2, 'certificate', 'b']],
  CertificateSigningRequestCondition: [
    [1, 'type', 's', 'k'], [6, 'status', 's', 'k'], [2, 'reason', 's'], [3, 'message', 's'], [4, 'lastUpdateTime', 'T'], [5, 'lastTransitionTime', 'T'],
  ],
};

/** Top-level kinds we accept, keyed by "apiVersion/kind" → message name. */
export const KINDS: Record<string, string> = {
  'v1/Namespace': 'Namespace', 'v1/ConfigMap': 'ConfigMap', 'v1/Secret': 'Secret', 'v1/Service': 'Service',
  'v1/Pod': 'Pod', 'v1/ReplicationController': 'ReplicationController', 'v1/Endpoints': 'Endpoints',
  'v1/Event': 'Event', 'v1/Node': 'Node', 'v1/Binding': 'Binding',
  'coordination.k8s.io/v1/Lease': 'Lease', 'v1/ServiceAccount': 'ServiceAccount',
  'v1/LimitRange': 'LimitRange', 'v1/ResourceQuota': 'ResourceQuota', 'v1/PodTemplate': 'PodTemplate',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest', 'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'v1/PersistentVolume': 'PersistentVolume', 'v1/PersistentVolumeClaim': 'PersistentVolumeClaim',
  'storage.k8s.io/v1/StorageClass': 'StorageClass', 'batch/v1/Job': 'Job', 'batch/v1/CronJob': 'CronJob',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscalerV1',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget', 'policy/v1/Eviction': 'Eviction', 'policy/v1beta1/Eviction': 'Eviction',
  'apps/v1/Deployment': 'Deployment', 'apps/v1/ReplicaSet': 'ReplicaSet', 'apps/v1/DaemonSet': 'DaemonSet', 'apps/v1/StatefulSet': 'StatefulSet',
  'rbac.authorization.k8s.io/v1/Role': 'Role', 'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'RoleBinding',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview', 'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'SubjectAccessReview', 'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'certificates.k8s.io/v1/CertificateSigningRequest': 'CertificateSigningRequest',
  'networking.k8s.io/v1/Ingress': 'Ingress', 'networking.k8s.io/v1/IngressClass': 'IngressClass',
  'networking.k8s.io/v1/NetworkPolicy': 'NetworkPolicy', 'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  // DeleteOptions is sent with apiVersion meta.k8s.io/v1 or v1 depending on the client.
  'meta.k8s.io/v1/DeleteOptions': 'DeleteOptions', 'v1/DeleteOptions': 'DeleteOptions',
};
