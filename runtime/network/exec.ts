// Running the networking tools (ip, iptables, nsenter) with clear errors.
import { spawnCaptured } from '../spawner.js';

export class CommandError extends Error {
  constructor(readonly cmd: string, readonly args: string[], readonly code: number | null, readonly stderr: string) {
    super(`${cmd} ${args.join(' ')}: ${stderr.trim() || `exit code ${code}`}`);
    this.name = 'CommandError';
  }
}

export async function run(cmd: string, args: string[], input?: string): Promise<string> {
  // Through the spawn helper: a pod start runs several of these, and forking from a big process is slow.
  const r = await spawnCaptured(cmd, args, { maxBuffer: 64 << 20, ...(input !== undefined ? { input } : {}) });
  if (r.error) throw new CommandError(cmd, args, typeof r.error.code === 'number' ? r.error.code : null, r.stderr || r.error.message);
  return r.stdout;
}

/** Runs a command and reports only whether it exited 0 (for `iptables -C` style checks). */
export async function succeeds(cmd: string, args: string[]): Promise<boolean> {
  try {
    await run(cmd, args);
    return true;
  } catch (e) {
    if (e instanceof CommandError) return false;
    throw e;
  }
}
