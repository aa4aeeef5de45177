// A process named by its pid and its start time (field 22 of /proc/<pid>/stat, clock
// ticks since boot): pids wrap and get reused, the pair does not. `up` records the pair
// for itself and every child it starts; `reset` signals a pid only while the pair still
// matches, so it can never stop someone else's process that got the same number.

import { readFileSync } from 'node:fs';

export interface ProcIdentity {
  pid: number;
  /** Start time in clock ticks since boot. */
  start: number;
}

/** The start time of `pid`, or undefined when there is no such process. */
export function procStartTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field 22 is rest[19].
  const start = Number(rest[19]);
  return Number.isFinite(start) ? start : undefined;
}

export function procIdentity(pid: number): ProcIdentity | undefined {
  const start = procStartTime(pid);
  return start === undefined ? undefined : { pid, start };
}

/** The process is still the one recorded (and not a zombie waiting to be reaped). */
export function stillRunning(id: ProcIdentity): boolean {
  if (!Number.isInteger(id.pid) || id.pid <= 1) return false;
  if (procStartTime(id.pid) !== id.start) return false;
  try {
    const state = readFileSync(`/proc/${id.pid}/stat`, 'utf8');
    return state.slice(state.lastIndexOf(')') + 2, state.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sends `sig` to the recorded process if it is still that one; false otherwise. */
export function signalIfSame(id: ProcIdentity, sig: NodeJS.Signals): boolean {
  if (!stillRunning(id)) return false;
  try {
    process.kill(id.pid, sig);
    return true;
  } catch {
    return false;
  }
}
