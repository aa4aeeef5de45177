// The Pod Security Standards (k8s.io/pod-security-admission/policy, "latest"): the baseline and
// restricted checks on a pod's metadata and spec, each answering upstream's forbidden reason and
// detail, and the levels namespaces name in their pod-security.kubernetes.io labels.

import type { Container, PodSpec, SecurityContext } from './core.js';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

export interface Violation {
  reason: string;
  detail: string;
}

interface PodLike {
  metadata?: { annotations?: Record<string, string> };
  spec?: PodSpec;
}

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** Checks of the baseline level this one replaces at restricted. */
  overrides?: string[];
  run(meta: PodLike['metadata'], spec: PodSpec): Violation | undefined;
}

type Named = { name: string; securityContext?: SecurityContext };

const q = (s: string): string => JSON.stringify(s);
const list = (names: string[]): string => names.map(q).join(', ');
/** `container "a"` / `containers "a", "b"` */
const containersPhrase = (names: string[]): string => (names.length === 1 ? `container ${q(names[0])}` : `containers ${list(names)}`);
const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

function allContainers(spec: PodSpec): Named[] {
  const s = spec as PodSpec & { ephemeralContainers?: Named[] };
  return [...(s.initContainers ?? []), ...(s.containers ?? []), ...(s.ephemeralContainers ?? [])].filter((c): c is Container => !!c && typeof c === 'object');
}

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);
const RESTRICTED_VOLUME_OK = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const CHECKS: Check[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    run(_m, spec) {
      const bad = allContainers(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
      return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
    },
  },
  {
    id: 'appArmorProfile',
    level: 'baseline',
    run(meta, spec) {
      const bad: string[] = [];
      for (const [k, v] of Object.entries(meta?.annotations ?? {})) {
        if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !v.startsWith('localhost/')) bad.push(`${k}=${q(v)}`);
      }
      const sc = spec.securityContext as { appArmorProfile?: { type?: string } } | undefined;
      if (sc?.appArmorProfile?.type === 'Unconfined') bad.push('pod must not set securityContext.appArmorProfile.type to "Unconfined"');
      for (const c of allContainers(spec)) {
        if ((c.securityContext as { appArmorProfile?: { type?: string } } | undefined)?.appArmorProfile?.type === 'Unconfined') bad.push(`container ${q(c.name)} must not set securityContext.appArmorProfile.type to "Unconfined"`);
      }
      return bad.length ? { reason: 'forbidden AppArmor profile', detail: bad.join(', ') } : undefined;
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    run(_m, spec) {
      const names: string[] = [];
      const caps: string[] = [];
      for (const c of allContainers(spec)) {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter((a) => !BASELINE_CAPS.has(a));
        if (extra.length) {
          names.push(c.name);
          caps.push(...extra);
        }
      }
      return names.length ? { reason: 'non-default capabilities', detail: `${containersPhrase(names)} must not include ${list(uniq(caps))} in securityContext.capabilities.add` } : undefined;
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    run(_m, spec) {
      const noDrop: string[] = [];
      const adders: string[] = [];
      const caps: string[] = [];
      for (const c of allContainers(spec)) {
        const cap = c.securityContext?.capabilities;
        if (!(cap?.drop ?? []).includes('ALL')) noDrop.push(c.name);
        const extra = (cap?.add ?? []).filter((a) => a !== 'NET_BIND_SERVICE');
        if (extra.length) {
          adders.push(c.name);
          caps.push(...extra);
        }
      }
      const parts: string[] = [];
      if (noDrop.length) parts.push(`${containersPhrase(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      if (adders.length) parts.push(`${containersPhrase(adders)} must not include ${list(uniq(caps))} in securityContext.capabilities.add`);
      return parts.length ? { reason: 'unrestricted capabilities', detail: parts.join('; ') } : undefined;
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    run(_m, spec) {
      const set = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true).map((k) => `${k}=true`);
      return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    run(_m, spec) {
      const bad = (spec.volumes ?? []).filter((v) => v?.hostPath).map((v) => v.name);
      return bad.length ? { reason: 'hostPath volumes', detail: `${bad.length === 1 ? 'volume' : 'volumes'} ${list(bad)}` } : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    run(_m, spec) {
      const names: string[] = [];
      const ports: number[] = [];
      for (const c of allContainers(spec)) {
        const hp = ((c as Container).ports ?? []).map((p) => p?.hostPort ?? 0).filter((p) => p !== 0);
        if (hp.length) {
          names.push(c.name);
          ports.push(...hp);
        }
      }
      if (!names.length) return undefined;
      const u = uniq(ports);
      return { reason: 'hostPort', detail: `${containersPhrase(names)} ${names.length === 1 ? 'uses' : 'use'} ${u.length === 1 ? 'hostPort' : 'hostPorts'} ${u.join(', ')}` };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    run(_m, spec) {
      const bad = allContainers(spec).filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
      return bad.length ? { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` } : undefined;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    run(_m, spec) {
      const bad = allContainers(spec).filter((c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default').map((c) => c.name);
      return bad.length ? { reason: 'procMount', detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${list(uniq(allContainers(spec).filter((c) => bad.includes(c.name)).map((c) => c.securityContext!.procMount!)))}` } : undefined;
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    overrides: ['hostPathVolumes'],
    run(_m, spec) {
      const names: string[] = [];
      const types: string[] = [];
      for (const v of spec.volumes ?? []) {
        if (!v || typeof v !== 'object') continue;
        const t = Object.keys(v).find((k) => k !== 'name');
        if (t && !RESTRICTED_VOLUME_OK.has(t)) {
          names.push(v.name);
          types.push(t);
        }
      }
      if (!names.length) return undefined;
      const u = uniq(types);
      return { reason: 'restricted volume types', detail: `${names.length === 1 ? 'volume' : 'volumes'} ${list(names)} ${names.length === 1 ? 'uses' : 'use'} restricted volume ${u.length === 1 ? 'type' : 'types'} ${list(u)}` };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    run(_m, spec) {
      const pod = spec.securityContext?.runAsNonRoot;
      const parts: string[] = [];
      if (pod === false) parts.push('pod must not set securityContext.runAsNonRoot=false');
      const explicitFalse = allContainers(spec).filter((c) => c.securityContext?.runAsNonRoot === false).map((c) => c.name);
      if (explicitFalse.length) parts.push(`${containersPhrase(explicitFalse)} must not set securityContext.runAsNonRoot=false`);
      if (pod !== true) {
        const unset = allContainers(spec).filter((c) => c.securityContext?.runAsNonRoot === undefined).map((c) => c.name);
        if (unset.length) parts.push(`pod or ${containersPhrase(unset)} must set securityContext.runAsNonRoot=true`);
      }
      return parts.length ? { reason: 'runAsNonRoot != true', detail: parts.join('; ') } : undefined;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    run(_m, spec) {
      const parts: string[] = [];
      if (spec.securityContext?.runAsUser === 0) parts.push('pod must not set runAsUser=0');
      const bad = allContainers(spec).filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
      if (bad.length) parts.push(`${containersPhrase(bad)} must not set runAsUser=0`);
      return parts.length ? { reason: 'runAsUser=0', detail: parts.join('; ') } : undefined;
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    run(_m, spec) {
      const bad: string[] = [];
      const forbidden = new Set<string>();
      const look = (o: { type?: string; user?: string; role?: string } | undefined, who: string) => {
        if (!o) return;
        let hit = false;
        const add = (why: string) => {
          forbidden.add(why);
          hit = true;
        };
        if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) add(`type ${q(o.type)}`);
        if (o.user) add('user may not be set');
        if (o.role) add('role may not be set');
        if (hit) bad.push(who);
      };
      look(spec.securityContext?.seLinuxOptions, 'pod');
      const cs: string[] = [];
      for (const c of allContainers(spec)) {
        const n = bad.length;
        look(c.securityContext?.seLinuxOptions, c.name);
        if (bad.length > n) cs.push(bad.pop()!);
      }
      if (!bad.length && !cs.length) return undefined;
      const who = [bad.length ? 'pod' : '', cs.length ? containersPhrase(cs) : ''].filter(Boolean).join(' and ');
      return { reason: 'seLinuxOptions', detail: `${who} set forbidden securityContext.seLinuxOptions: ${[...forbidden].join('; ')}` };
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    run(_m, spec) {
      const parts: string[] = [];
      if (spec.securityContext?.seccompProfile?.type === 'Unconfined') parts.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
      const bad = allContainers(spec).filter((c) => c.securityContext?.seccompProfile?.type === 'Unconfined').map((c) => c.name);
      if (bad.length) parts.push(`${containersPhrase(bad)} must not set securityContext.seccompProfile.type to "Unconfined"`);
      return parts.length ? { reason: 'seccompProfile', detail: parts.join('; ') } : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    run(_m, spec) {
      const ok = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
      const parts: string[] = [];
      const podType = spec.securityContext?.seccompProfile?.type;
      if (podType !== undefined && !ok(podType)) parts.push(`pod must not set securityContext.seccompProfile.type to ${q(podType)}`);
      const badTypes = allContainers(spec).filter((c) => c.securityContext?.seccompProfile?.type !== undefined && !ok(c.securityContext.seccompProfile.type));
      if (badTypes.length) parts.push(`${containersPhrase(badTypes.map((c) => c.name))} must not set securityContext.seccompProfile.type to ${list(uniq(badTypes.map((c) => c.securityContext!.seccompProfile!.type)))}`);
      if (!ok(podType)) {
        const unset = allContainers(spec).filter((c) => c.securityContext?.seccompProfile?.type === undefined).map((c) => c.name);
        if (unset.length) parts.push(`pod or ${containersPhrase(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
      }
      return parts.length ? { reason: 'seccompProfile', detail: parts.join('; ') } : undefined;
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    run(_m, spec) {
      const bad = (spec.securityContext?.sysctls ?? []).map((s) => s?.name).filter((n) => typeof n === 'string' && !SAFE_SYSCTLS.has(n));
      return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
    },
  },
];

/** The violations of `level` by a pod (or a pod template), in upstream's check order. */
export function checkPod(level: Level, pod: PodLike): Violation[] {
  if (level === 'privileged') return [];
  const spec = pod.spec && typeof pod.spec === 'object' ? pod.spec : ({} as PodSpec);
  const active = CHECKS.filter((c) => level === 'restricted' || c.level === 'baseline');
  const overridden = new Set(active.flatMap((c) => c.overrides ?? []));
  const out: Violation[] = [];
  for (const c of active) {
    if (overridden.has(c.id)) continue;
    const v = c.run(pod.metadata, spec);
    if (v) out.push(v);
  }
  return out;
}

/** `violates PodSecurity "restricted:latest": privileged (container "c" must ...), ...` without the verb. */
export function describeViolations(level: Level, version: string, violations: Violation[]): string {
  return `PodSecurity ${q(`${level}:${version}`)}: ${violations.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(', ')}`;
}

export const PSA_LABEL = (mode: 'enforce' | 'warn' | 'audit') => `pod-security.kubernetes.io/${mode}`;

/** A namespace's level and version for one mode; an invalid level is evaluated as restricted, as upstream. */
export function policyOf(labels: Record<string, string> | undefined, mode: 'enforce' | 'warn' | 'audit', fallback: Level): { level: Level; version: string } {
  const raw = labels?.[PSA_LABEL(mode)];
  const version = labels?.[`${PSA_LABEL(mode)}-version`] || 'latest';
  if (raw === undefined) return { level: mode === 'enforce' ? fallback : 'privileged', version: 'latest' };
  return { level: (LEVELS as readonly string[]).includes(raw) ? (raw as Level) : 'restricted', version: /^(latest|v1\.\d+)$/.test(version) ? version : 'latest' };
}
