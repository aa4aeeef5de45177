// A pod spec turned into the runtime's configs: the sandbox config, a container's config (env,
// mounts, security context, resources, labels), and the cgroup settings of both. Pure apart from
// the env and image reads a container config needs.
import { podDNSConfig, podHostDomain, podHostname, type ClusterDNSSettings } from './pod-dns.js';
import type { Container, Pod, Service } from '../api/core.js';
import { milliValue } from '../api/quantity.js';
import type { RestClient } from '../client/rest.js';
import type { ContainerConfig, LinuxResources, PodSandboxConfig } from '../runtime/cri.js';
import type { ImageService } from '../runtime/images/index.js';
import { join } from 'node:path';
import { containerHash } from './container-hash.js';
import { buildEnv } from './env.js';
import { L_CONTAINER_HASH, L_CONTAINER_KIND, L_CONTAINER_NAME, L_POD_NAME, L_POD_NAMESPACE, L_POD_UID } from './labels.js';
import type { ContainerKind } from './pod-plan.js';
import { containerSecurityContext, ContainerConfigError, effectiveSecurityContext, sandboxSecurity, verifyRunAsNonRoot } from './security-context.js';
import { terminationMount } from './termination-message.js';
import { containerMounts } from './volumes.js';
import type { PodObjects } from './watched-objects.js';

export function logDirectory(logDir: string, pod: Pod): string {
  const m = pod.metadata;
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
  if (cs.every((c) => c.resources?.limits?.memory !== undefined)) out.memoryLimitBytes = cs.reduce((n, c) => n + Math.floor(milliValue(c.resources!.limits!.memory) / 1000), 0);
  if (cs.every((c) => c.resources?.limits?.cpu !== undefined)) {
    out.cpuPeriod = 100000;
    out.cpuQuota = cs.reduce((n, c) => n + Math.floor((milliValue(c.resources!.limits!.cpu) * 100000) / 1000), 0);
  }
  return Object.keys(out).length ? out : undefined;
}

export function sandboxConfig(pod: Pod, o: { logDir: string; podPidsLimit?: number; dns?: ClusterDNSSettings }, attempt: number): PodSandboxConfig {
  const m = pod.metadata;
  const spec = pod.spec!;
  const ports = [...(spec.containers ?? [])].flatMap((c) => c.ports ?? []).filter((p) => p.hostPort);
  const { pidsLimit, ...sandboxFields } = sandboxSecurity(pod, o.podPidsLimit ?? 0);
  const resources = podResources(spec) || pidsLimit ? { ...(podResources(spec) ?? {}), ...(pidsLimit ? { pidsLimit } : {}) } : undefined;
  return {
    metadata: { name: m.name!, namespace: m.namespace!, uid: m.uid!, attempt },
    hostname: podHostname(pod),
    logDirectory: logDirectory(o.logDir, pod),
    portMappings: ports.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort!, protocol: p.protocol ?? 'TCP', ...(p.hostIP ? { hostIp: p.hostIP } : {}) })),
    hostNetwork: !!spec.hostNetwork,
    ...sandboxFields,
    ...(spec.hostAliases ? { hostAliases: spec.hostAliases.map((h) => ({ ip: h.ip, hostnames: h.hostnames ?? [] })) } : {}),
    // The kubelet works out the pod's resolver config (dnsPolicy + dnsConfig) and its FQDN in /etc/hosts.
    dnsConfig: podDNSConfig(pod, o.dns ?? { clusterDNS: [], clusterDomain: 'cluster.local', resolvConf: '/etc/resolv.conf' }),
    ...(podHostDomain(pod, o.dns?.clusterDomain ?? 'cluster.local') ? { hostDomain: podHostDomain(pod, o.dns?.clusterDomain ?? 'cluster.local') } : {}),
    labels: { [L_POD_UID]: m.uid!, [L_POD_NAME]: m.name!, [L_POD_NAMESPACE]: m.namespace! },
    privileged: [...spec.containers, ...(spec.initContainers ?? [])].some((c) => c.securityContext?.privileged),
    ...(resources ? { resources } : {}),
  };
}

export interface ContainerConfigContext {
  pod: Pod;
  podIP: string;
  hostIP: string;
  nodeName: string;
  rootDir: string;
  services: Service[];
  client: RestClient;
  /** Where ConfigMaps and Secrets are read (the kubelet's watches); default: a GET each. */
  objects?: PodObjects;
  images: ImageService;
  seccompDefault: boolean;
  /** Host paths of the pod's volumes by name (from setupVolumes). */
  volumes: Map<string, string>;
}

/** The runtime config of one attempt of a container; throws EnvError/VolumeError/ContainerConfigError (CreateContainerConfigError). */
export async function containerConfig(ctx: ContainerConfigContext, c: Container, kind: ContainerKind, attempt: number, imageId: string): Promise<ContainerConfig> {
  const { pod } = ctx;
  const m = pod.metadata;
  const env = await buildEnv({ pod, podIP: ctx.podIP, hostIP: ctx.hostIP, nodeName: ctx.nodeName, services: ctx.services, client: ctx.client, ...(ctx.objects ? { objects: ctx.objects } : {}) }, c);
  const securityContext = containerSecurityContext(pod, c, { seccompDefault: ctx.seccompDefault, seccompRoot: join(ctx.rootDir, 'seccomp') });
  // The image's user matters only to runAsNonRoot without a runAsUser (no image read otherwise).
  const needUser = securityContext.runAsUser === undefined && effectiveSecurityContext(pod, c).runAsNonRoot === true;
  const nonRoot = verifyRunAsNonRoot(pod, c, needUser ? (await ctx.images.resolve(imageId)).config.User : undefined);
  if (nonRoot) throw new ContainerConfigError(nonRoot);
  const mounts = [...containerMounts(pod, c, ctx.volumes, env.env), ...terminationMount(ctx.rootDir, m.uid!, c, attempt)];
  return {
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
    labels: { [L_POD_UID]: m.uid!, [L_POD_NAME]: m.name!, [L_POD_NAMESPACE]: m.namespace!, [L_CONTAINER_NAME]: c.name, [L_CONTAINER_KIND]: kind, [L_CONTAINER_HASH]: containerHash(c) },
    annotations: { 'io.kubernetes.container.image': c.image ?? '' },
    securityContext,
    resources: containerResources(c),
  };
}
