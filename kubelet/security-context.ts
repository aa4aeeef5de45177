// Pod spec → the security settings the kubelet hands the runtime, as kubelet's kuberuntime does
// it: the effective container securityContext (container fields over pod fields), fsGroup and
// supplementalGroups as extra groups, the seccomp profile (container, then pod, then the
// --seccomp-default fallback; Localhost under <root-dir>/seccomp), the pod's namespace modes and
// sysctls, and verifyRunAsNonRoot against the image's user. Pure, apart from the existence check
// of a Localhost profile.
import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import type { Container, Pod, SecurityContext as ApiSecurityContext } from '../api/core.js';
import type { PodSandboxConfig, SeccompProfile, SecurityContext } from '../runtime/cri.js';
import { normalizeSysctl } from './sysctls.js';

/** A container the kubelet refuses to create because of its config (waiting reason CreateContainerConfigError). */
export class ContainerConfigError extends Error {}
/** A container the runtime side cannot create as asked (waiting reason CreateContainerError). */
export class CreateContainerError extends Error {}

export interface SecurityOptions {
  /** --seccomp-default: RuntimeDefault when neither the container nor the pod names a profile. */
  seccompDefault: boolean;
  /** <root-dir>/seccomp: where Localhost profiles are looked up. */
  seccompRoot: string;
}

/** DetermineEffectiveSecurityContext: the container's fields, falling back to the pod's where the pod has them. */
export function effectiveSecurityContext(pod: Pod, c: Container): ApiSecurityContext {
  const psc = pod.spec?.securityContext ?? {};
  const sc: ApiSecurityContext = { ...(c.securityContext ?? {}) };
  if (sc.runAsUser === undefined && psc.runAsUser !== undefined) sc.runAsUser = psc.runAsUser;
  if (sc.runAsGroup === undefined && psc.runAsGroup !== undefined) sc.runAsGroup = psc.runAsGroup;
  if (sc.runAsNonRoot === undefined && psc.runAsNonRoot !== undefined) sc.runAsNonRoot = psc.runAsNonRoot;
  if (sc.seLinuxOptions === undefined && psc.seLinuxOptions !== undefined) sc.seLinuxOptions = psc.seLinuxOptions;
  if (sc.seccompProfile === undefined && psc.seccompProfile !== undefined) sc.seccompProfile = psc.seccompProfile;
  return sc;
}

/** The runtime's seccomp profile for a container (kubelet's getSeccompProfile). */
export function seccompProfile(pod: Pod, c: Container, opts: SecurityOptions): SeccompProfile {
  const p = c.securityContext?.seccompProfile ?? pod.spec?.securityContext?.seccompProfile;
  if (!p) return { type: opts.seccompDefault ? 'RuntimeDefault' : 'Unconfined' };
  if (p.type === 'Localhost') {
    const rel = p.localhostProfile ?? '';
    // The apiserver refuses these too; checked again so a profile can never name a file outside the seccomp dir.
    if (!rel || isAbsolute(rel) || normalize(rel).split('/').includes('..')) throw new CreateContainerError(`localhostProfile ${JSON.stringify(rel)} must be a relative path inside the kubelet's seccomp directory, without '..'`);
    const file = join(opts.seccompRoot, rel);
    if (!existsSync(file)) throw new CreateContainerError(`failed to generate seccomp spec opts: cannot load seccomp profile "${file}": open ${file}: no such file or directory`);
    return { type: 'Localhost', localhostProfile: file };
  }
  return { type: p.type === 'Unconfined' ? 'Unconfined' : 'RuntimeDefault' };
}

/** The runtime SecurityContext of a container. Throws ContainerConfigError / CreateContainerError. */
export function containerSecurityContext(pod: Pod, c: Container, opts: SecurityOptions): SecurityContext {
  const sc = effectiveSecurityContext(pod, c);
  const psc = pod.spec?.securityContext ?? {};
  // As kuberuntime: fsGroup first, then supplementalGroups, each group once.
  const groups = [...new Set([...(psc.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc.supplementalGroups ?? [])])];
  // Privileged containers run without seccomp (containerd and CRI-O skip the profile for them).
  const seccomp = sc.privileged ? ({ type: 'Unconfined' } as const) : seccompProfile(pod, c, opts);
  return {
    ...(sc.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
    ...(sc.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
    ...(groups.length ? { supplementalGroups: groups } : {}),
    ...(sc.privileged ? { privileged: true } : {}),
    ...(sc.capabilities ? { capabilities: sc.capabilities } : {}),
    ...(sc.readOnlyRootFilesystem ? { readOnlyRootFilesystem: true } : {}),
    ...(sc.allowPrivilegeEscalation !== undefined ? { allowPrivilegeEscalation: sc.allowPrivilegeEscalation } : {}),
    seccompProfile: seccomp,
    ...(sc.procMount ? { procMount: sc.procMount } : {}),
  };
}

/** The user an image runs as, as the CRI reports it: a numeric uid, or a user name (the part before ':'). */
export function imageUser(user: string | undefined): { uid?: number; username?: string } {
  if (!user) return {};
  const u = user.split(':')[0];
  return /^-?\d+$/.test(u) ? { uid: Number(u) } : { username: u };
}

/** kubelet's podDesc: name_namespace(uid). */
export function podDesc(pod: Pod): string {
  const m = pod.metadata ?? {};
  return `${m.name}_${m.namespace}(${m.uid})`;
}

/** verifyRunAsNonRoot: undefined when the container may start, else the refusal (CreateContainerConfigError). */
export function verifyRunAsNonRoot(pod: Pod, c: Container, imageUserField: string | undefined): string | undefined {
  const sc = effectiveSecurityContext(pod, c);
  if (sc.runAsNonRoot !== true) return undefined;
  const desc = JSON.stringify(podDesc(pod));
  if (sc.runAsUser !== undefined) return sc.runAsUser === 0 ? `container's runAsUser breaks non-root policy (pod: ${desc}, container: ${c.name})` : undefined;
  const img = imageUser(imageUserField);
  // No user in the image: it runs as root.
  const uid = img.uid ?? (img.username ? undefined : 0);
  if (uid === undefined) return `container has runAsNonRoot and image has non-numeric user (${img.username}), cannot verify user is non-root (pod: ${desc}, container: ${c.name})`;
  if (uid === 0) return `container has runAsNonRoot and image will run as root (pod: ${desc}, container: ${c.name})`;
  if (uid < 0 || uid > 2147483647) return `container has runAsNonRoot and image has an invalid user id (${uid}). (Must be 1-(2147483647)): must be between 0 and 2147483647, inclusive (pod: ${desc}, container: ${c.name})`;
  return undefined;
}

/** The pod-level security fields of the sandbox: namespace modes, sysctls, pids limit. */
export function sandboxSecurity(pod: Pod, podPidsLimit: number): Pick<PodSandboxConfig, 'hostIPC' | 'hostPID' | 'shareProcessNamespace' | 'sysctls'> & { pidsLimit?: number } {
  const spec = pod.spec!;
  const sysctls = spec.securityContext?.sysctls ?? [];
  return {
    hostIPC: !!spec.hostIPC,
    hostPID: !!spec.hostPID,
    ...(spec.shareProcessNamespace && !spec.hostPID ? { shareProcessNamespace: true } : {}),
    ...(sysctls.length ? { sysctls: Object.fromEntries(sysctls.map((s) => [normalizeSysctl(s.name), s.value])) } : {}),
    ...(podPidsLimit > 0 ? { pidsLimit: podPidsLimit } : {}),
  };
}
