// Running the networking tools (ip, iptables, nsenter) with clear errors.
import { execFile } from 'node:child_process';

export class CommandError extends Error {
  constructor(readonly cmd: string, readonly args: string[], readonly code: number | null, readonly stderr: string) {
    super(`${cmd} ${args.join(' ')}: ${stderr.trim() || `exit code ${code}`}`);
    this.name = 'CommandError';
  }
}

export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        reject(new CommandError(cmd, args, code, String(stderr) || err.message));
      } else resolve(String(stdout));
    });
    // EPIPE when the command exits before reading everything; its exit status reports that.
    child.stdin!.on('error', () => {});
    if (input !== undefined) child.stdin!.end(input);
  });
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
