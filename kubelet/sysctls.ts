// Pod sysctls at node admission, as kubelet's sysctl allowlist admit handler: the safe set
// (namespaced and isolated from other pods) plus --allowed-unsafe-sysctls; anything else ends
// the pod Failed with reason SysctlForbidden. Net sysctls are refused with hostNetwork, ipc ones
// with hostIPC (they would change the host's own namespace).
import os from 'node:os';
import type { Pod } from '../api/core.js';

export const SYSCTL_FORBIDDEN_REASON = 'SysctlForbidden';

/** Safe sysctls and the kernel version from which each is namespaced (kubelet's list, 1.32). */
const SAFE: [name: string, kernel?: string][] = [
  ['kernel.shm_rmid_forced'],
  ['net.ipv4.ip_local_port_range'],
  ['net.ipv4.tcp_syncookies'],
  ['net.ipv4.ping_group_range'],
  ['net.ipv4.ip_unprivileged_port_start'],
  ['net.ipv4.ip_local_reserved_ports', '3.16'],
  ['net.ipv4.tcp_keepalive_time', '4.5'],
  ['net.ipv4.tcp_fin_timeout', '4.6'],
  ['net.ipv4.tcp_keepalive_intvl', '4.5'],
  ['net.ipv4.tcp_keepalive_probes', '4.5'],
  ['net.ipv4.tcp_rmem', '4.15'],
  ['net.ipv4.tcp_wmem', '4.15'],
];

function atLeast(release: string, want: string): boolean {
  const a = release.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const b = want.split('.').map(Number);
  for (let i = 0; i < b.length; i++) if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i];
  return true;
}

/** The safe sysctls this kernel namespaces. */
export function safeSysctls(release = os.release()): string[] {
  return SAFE.filter(([, k]) => !k || atLeast(release, k)).map(([n]) => n);
}

/** "net/ipv4/ip_forward" → "net.ipv4.ip_forward" (a name whose first separator is '/' swaps '.' and '/'). */
export function normalizeSysctl(name: string): string {
  const slash = name.indexOf('/');
  const dot = name.indexOf('.');
  if (slash === -1 || (dot !== -1 && dot < slash)) return name;
  return name.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

type SysctlNamespace = 'ipc' | 'net' | 'unknown';

/** Which namespace isolates a sysctl (or a prefix ending in '*'). */
export function sysctlNamespace(name: string): SysctlNamespace {
  const n = name.endsWith('*') ? name.slice(0, -1) : name;
  if (n === 'kernel.sem' || n.startsWith('kernel.shm') || n.startsWith('kernel.msg') || n.startsWith('fs.mqueue.')) return 'ipc';
  if (n.startsWith('net.')) return 'net';
  return 'unknown';
}

const PATTERN = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*(\*|[a-z0-9]([-_a-z0-9]*[a-z0-9])?\*?)$/;

export interface SysctlAllowlist {
  exact: Map<string, SysctlNamespace>;
  prefixes: Map<string, SysctlNamespace>;
}

/** The safe set plus extra patterns (`--allowed-unsafe-sysctls`, `*` suffix for prefixes). Throws on a pattern the kubelet must refuse to start with. */
export function sysctlAllowlist(extra: string[] = [], release?: string): SysctlAllowlist {
  const out: SysctlAllowlist = { exact: new Map(), prefixes: new Map() };
  for (const raw of [...safeSysctls(release), ...extra]) {
    if (raw.length > 253 || !PATTERN.test(raw)) throw new Error(`sysctl ${JSON.stringify(raw)} must have at most 253 characters and match regex ${PATTERN.source}`);
    const s = normalizeSysctl(raw);
    const ns = sysctlNamespace(s);
    if (ns === 'unknown') throw new Error(`the sysctls ${JSON.stringify(s.replace(/\*$/, ''))} are not known to be namespaced`);
    if (s.endsWith('*')) out.prefixes.set(s.slice(0, -1), ns);
    else out.exact.set(s, ns);
  }
  return out;
}

function check(list: SysctlAllowlist, name: string, hostNet: boolean, hostIPC: boolean): string | undefined {
  const s = normalizeSysctl(name);
  let ns = list.exact.get(s);
  if (ns === undefined) for (const [p, n] of list.prefixes) if (s.startsWith(p)) ns = n;
  if (ns === undefined) return `${JSON.stringify(s)} not allowlisted`;
  if ((ns === 'ipc' && hostIPC) || (ns === 'net' && hostNet)) return `${JSON.stringify(s)} not allowed with host ${ns} enabled`;
  return undefined;
}

/** Node admission of a pod's sysctls: undefined, or the reason and message it is rejected with. */
export function admitSysctls(pod: Pod, list: SysctlAllowlist): { reason: string; message: string } | undefined {
  const spec = pod.spec;
  for (const s of spec?.securityContext?.sysctls ?? []) {
    const err = check(list, s.name, !!spec?.hostNetwork, !!spec?.hostIPC);
    if (err) return { reason: SYSCTL_FORBIDDEN_REASON, message: `Pod was rejected: forbidden sysctl: ${err}` };
  }
  return undefined;
}
