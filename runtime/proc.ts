// Small facts about host processes, read from /proc.
import { readFileSync } from 'node:fs';

/** True if pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (!pid || pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** True if pid lives in a cgroup whose path ends with rel (guards against pid reuse). */
export function inCgroup(pid: number, rel: string): boolean {
  try {
    const want = '/' + rel.replace(/^\/+/, '');
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').some((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1) === want);
  } catch {
    return false;
  }
}

/** Resident set size in bytes (VmRSS), 0 if gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sends a signal; false if the process is gone. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Reads a "key=value" per line file (the shim's state files); null if missing. */
export function readKV(path: string): Record<string, string> | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** True if pid is alive and its command line mentions marker (e.g. a container id in the monitor's config path). */
export function cmdlineHas(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}
