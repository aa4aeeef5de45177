// Linux capability names/numbers and the default set a container gets
// (runc's / containerd's default: the same 14 capabilities in every set).

export const CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];

export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

function normalize(name: string): string {
  const n = name.toUpperCase();
  return n.startsWith('CAP_') ? n.slice(4) : n;
}

export function capabilityNumber(name: string): number {
  const i = CAPABILITIES.indexOf(normalize(name));
  if (i < 0) throw new Error(`unknown capability ${name}`);
  return i;
}

/** Capability numbers a container keeps: all when privileged, else defaults + add − drop ("ALL" allowed in both). */
export function effectiveCapabilities(opts: { privileged?: boolean; add?: string[]; drop?: string[] }, lastCap = CAPABILITIES.length - 1): number[] {
  const all = CAPABILITIES.slice(0, lastCap + 1);
  if (opts.privileged) return all.map((_, i) => i);
  const add = (opts.add ?? []).map(normalize);
  const drop = (opts.drop ?? []).map(normalize);
  let set = new Set<string>(DEFAULT_CAPABILITIES);
  if (add.includes('ALL')) set = new Set(all);
  else for (const a of add) set.add(a);
  if (drop.includes('ALL')) set = new Set(add.includes('ALL') ? [] : add);
  else for (const d of drop) set.delete(d);
  return [...set].map(capabilityNumber).filter((n) => n <= lastCap).sort((a, b) => a - b);
}
