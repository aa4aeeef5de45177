// Checks of the pod-level security fields the runtime implements (sysctls,
// subPath) and the host's pid budget. Refusals are InvalidArgument-style
// errors with runc's / the kubelet's wording, raised before anything exists.
import { readFileSync } from 'node:fs';
import type { PodSandboxConfig } from './cri.js';

/** A CRI request the runtime refuses (bad field values): the kubelet reports it, nothing was created. */
export class InvalidArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

/** IPC-namespaced sysctls (runc's list) and prefixes. */
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/**
 * "key=value" lines for the pause process, or throws for a sysctl that is not namespaced (it would
 * change the host) or whose namespace the pod shares with the host.
 */
export function checkSysctls(config: PodSandboxConfig): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(config.sysctls ?? {})) {
    if (!/^[a-z0-9_]+([./][a-z0-9_-]+)*$/i.test(key) || key.includes('..')) throw new InvalidArgumentError(`sysctl ${JSON.stringify(key)}: invalid name`);
    if (typeof value !== 'string' || /[\n\0]/.test(value)) throw new InvalidArgumentError(`sysctl ${JSON.stringify(key)}: invalid value`);
    if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) {
      if (config.hostIPC) throw new InvalidArgumentError(`sysctl ${JSON.stringify(key)} is not allowed in the hosts ipc namespace`);
    } else if (key.startsWith('net.')) {
      if (config.hostNetwork) throw new InvalidArgumentError(`sysctl ${JSON.stringify(key)} not allowed in host network namespace`);
    } else {
      throw new InvalidArgumentError(`sysctl ${JSON.stringify(key)} is not in a separate kernel namespace`);
    }
    out.push(`${key}=${value}`);
  }
  return out;
}

/** Kubernetes subPath rules: relative, no '..' component (the shim resolves it inside the volume anyway). */
export function checkSubPath(subPath: string | undefined): void {
  if (!subPath) return;
  if (subPath.startsWith('/')) throw new InvalidArgumentError(`subPath ${JSON.stringify(subPath)}: must be a relative path`);
  if (subPath.split('/').includes('..')) throw new InvalidArgumentError(`subPath ${JSON.stringify(subPath)}: must not contain '..'`);
  if (subPath.includes('\t') || subPath.includes('\n') || subPath.includes('\0')) throw new InvalidArgumentError(`subPath ${JSON.stringify(subPath)}: invalid character`);
}

function readInt(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return 0;
  }
}

/** Pids the pods may use together: min(kernel.pid_max, kernel.threads-max) minus the host's reservation. */
export function hostPidLimit(reserved: number): number {
  const pidMax = readInt('/proc/sys/kernel/pid_max') || 32768;
  const threadsMax = readInt('/proc/sys/kernel/threads-max') || pidMax;
  return Math.max(1, Math.min(pidMax, threadsMax) - Math.max(0, reserved));
}
