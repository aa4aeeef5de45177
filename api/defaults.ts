// Defaulting, as Kubernetes applies it on create/update (the versioned
// SetDefaults_* functions plus the few values the registry strategies and
// default admission plugins fill in, such as pod phase, QoS class, the
// namespace finalizer). Every function mutates in place and is idempotent:
// running it twice gives the same object as running it once. kinds.ts says
// which function defaults which kind (applyDefaults).

import { getOwn, setOwn } from './own-keys.js';
import type {
  Container,
  Namespace,
  Node,
  Pod,
  PodQOSClass,
  PodSpec,
  Probe,
  ReplicationController,
  Secret,
  Service,
  Endpoints,
  Volume,
  LifecycleHandler,
  EnvVar,
} from './core.js';
import { parseQuantity } from './quantity.js';
import type { PodTemplate } from './quota.js';

// ---------------------------------------------------------------- pods

export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  defaultPodSpec(pod.spec, pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined);
  pod.status ??= {};
  // The pod registry sets these on create; status writers keep them.
  pod.status.phase ??= 'Pending';
  pod.status.qosClass ??= computeQOSClass(pod.spec);
}

/** `mirror`: a kubelet's mirror pod, which service-account admission leaves without an account (as upstream). */
export function defaultPodSpec(spec: PodSpec, mirror = false): void {
  spec.containers ??= [];
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  // Service account admission: an unset account means "default"; keep the deprecated alias in step.
  if (!mirror) spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  // spec.priority and spec.preemptionPolicy are not defaulted: the Priority admission plugin
  // resolves them from the class on create (a pod template must leave them unset).
  if (spec.hostNetwork) {
    // With host networking, container ports are host ports.
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const p of c.ports ?? []) p.hostPort ??= p.containerPort;
    }
  }
  for (const v of spec.volumes ?? []) defaultVolume(v);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) if (c && typeof c === 'object') defaultContainer(c);
}

function defaultVolume(v: Volume): void {
  const hasSource = v.emptyDir || v.hostPath || v.configMap || v.secret || v.downwardAPI || v.persistentVolumeClaim || v.projected;
  if (!hasSource) v.emptyDir = {};
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.configMap) v.configMap.defaultMode ??= 0o644;
  if (v.secret) v.secret.defaultMode ??= 0o644;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= 0o644;
    for (const f of v.downwardAPI.items ?? []) if (f.fieldRef) f.fieldRef.apiVersion ??= 'v1';
  }
  if (v.projected) {
    // As upstream: defaultMode 0644, token lifetime an hour, fieldRef apiVersion v1.
    v.projected.defaultMode ??= 0o644;
    for (const src of v.projected.sources ?? []) {
      if (src?.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
      for (const f of src?.downwardAPI?.items ?? []) if (f.fieldRef) f.fieldRef.apiVersion ??= 'v1';
    }
  }
}

export function defaultContainer(c: Container): void {
  if (c.imagePullPolicy === undefined && c.image !== undefined) c.imagePullPolicy = defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  // Limits without requests: requests default to the limits.
  if (c.resources.limits) {
    c.resources.requests ??= {};
    const requests = c.resources.requests;
    for (const [k, v] of Object.entries(c.resources.limits)) if (getOwn(requests, k) == null) setOwn(requests, k, v);
  }
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  for (const e of c.env ?? []) defaultEnv(e);
  if (c.livenessProbe) defaultProbe(c.livenessProbe);
  if (c.readinessProbe) defaultProbe(c.readinessProbe);
  if (c.startupProbe) defaultProbe(c.startupProbe);
  if (c.lifecycle?.postStart) defaultHandler(c.lifecycle.postStart);
  if (c.lifecycle?.preStop) defaultHandler(c.lifecycle.preStop);
}

function defaultEnv(e: EnvVar): void {
  if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
}

function defaultHandler(h: LifecycleHandler): void {
  if (h.httpGet) {
    h.httpGet.path ??= '/';
    h.httpGet.scheme ??= 'HTTP';
  }
}

export function defaultProbe(p: Probe): void {
  defaultHandler(p);
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
}

/**
 * Always for ":latest" or an untagged, undigested image; IfNotPresent otherwise.
 * The tag is the part after the last ':' that follows the last '/', so a
 * registry port ("host:5000/img") is not mistaken for a tag.
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** QoS class from requests/limits of cpu and memory across all containers, as the kubelet computes it. */
export function computeQOSClass(spec: PodSpec): PodQOSClass {
  const acc = { any: false, guaranteed: true };
  for (const c of spec.initContainers ?? []) addToQOS(c, acc);
  for (const c of spec.containers ?? []) addToQOS(c, acc);
  if (!acc.any) return 'BestEffort';
  return acc.guaranteed ? 'Guaranteed' : 'Burstable';
}

const QOS_RESOURCES = ['cpu', 'memory'];
const NO_QUANTITIES: Record<string, string> = {};

/** One container's part of computeQOSClass: any cpu/memory set at all; all of them limited with requests equal to limits. */
function addToQOS(c: Container, acc: { any: boolean; guaranteed: boolean }): void {
  const req = c.resources?.requests ?? NO_QUANTITIES;
  const lim = c.resources?.limits ?? NO_QUANTITIES;
  for (const r of QOS_RESOURCES) {
    if (req[r] !== undefined && !isZeroQuantity(req[r])) acc.any = true;
    if (lim[r] !== undefined && !isZeroQuantity(lim[r])) acc.any = true;
    if (lim[r] === undefined || isZeroQuantity(lim[r])) acc.guaranteed = false;
    const effectiveReq = req[r] ?? lim[r];
    if (effectiveReq === undefined || lim[r] === undefined || !sameQuantity(effectiveReq, lim[r])) acc.guaranteed = false;
  }
}

function isZeroQuantity(q: string | number): boolean {
  if (typeof q === 'number') return q === 0;
  return /^[+]?0*(\.0*)?[a-zA-Z]*$/.test(String(q).trim());
}

function sameQuantity(a: string, b: string): boolean {
  if (a === b) return true;
  const pa = parseQuantityLoose(a);
  const pb = parseQuantityLoose(b);
  return pa !== undefined && pa === pb;
}

/** A quantity as a plain number ("100m" → 0.1, "1Gi" → 1073741824); undefined if malformed. */
export function parseQuantityLoose(q: string): number | undefined {
  try {
    return parseQuantity(q).value;
  } catch {
    return undefined;
  }
}

/** A PodTemplate's template spec gets a pod spec's defaults (as upstream's SetDefaults_PodSpec through the template). */
export function defaultPodTemplate(t: PodTemplate): void {
  if (t.template?.spec && typeof t.template.spec === 'object') defaultPodSpec(t.template.spec);
}

// ---------------------------------------------------------------- replication controllers

export function defaultReplicationController(rc: ReplicationController): void {
  rc.spec ??= {};
  const spec = rc.spec;
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(templateLabels).length > 0) {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...templateLabels };
    if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...templateLabels };
  }
  spec.replicas ??= 1;
  spec.minReadySeconds ??= 0;
  if (spec.template) {
    spec.template.metadata ??= {};
    spec.template.spec ??= { containers: [] };
    defaultPodSpec(spec.template.spec);
  }
  rc.status ??= { replicas: 0 };
  rc.status.replicas ??= 0;
}

// ---------------------------------------------------------------- services

export function defaultService(svc: Service): void {
  svc.spec ??= {};
  const spec = svc.spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
    // Single-stack IPv4 cluster: the registry fills these when it allocates the IP.
    if (spec.clusterIP !== undefined && spec.clusterIP !== '' && (!spec.clusterIPs || spec.clusterIPs.length === 0)) {
      spec.clusterIPs = [spec.clusterIP];
    }
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  svc.status ??= { loadBalancer: {} };
  svc.status.loadBalancer ??= {};
}

// ---------------------------------------------------------------- the rest

export function defaultNamespace(ns: Namespace): void {
  ns.spec ??= {};
  ns.spec.finalizers ??= ['kubernetes'];
  ns.status ??= {};
  ns.status.phase ??= 'Active';
  // NamespaceDefaultLabelName: every namespace carries its own name as a label.
  if (ns.metadata.name) {
    ns.metadata.labels ??= {};
    ns.metadata.labels['kubernetes.io/metadata.name'] = ns.metadata.name;
  }
}

export function defaultNode(node: Node): void {
  node.spec ??= {};
  node.status ??= {};
  const st = node.status;
  // Allocatable defaults to capacity when the kubelet did not say.
  if (st.capacity && !st.allocatable) st.allocatable = { ...st.capacity };
}

export function defaultSecret(secret: Secret): void {
  secret.type ??= 'Opaque';
}

export function defaultEndpoints(ep: Endpoints): void {
  for (const s of ep.subsets ?? []) for (const p of s.ports ?? []) p.protocol ??= 'TCP';
}
