// The small process runtime/spawner.ts forks once: it runs the commands the runtime asks
// for (execFile) and sends back what they printed and how they ended. It lives as long as
// its parent's IPC channel: a parent that exits or is killed takes it along.

import { execFile } from 'node:child_process';
import type { SpawnRequest, SpawnReply } from './spawner.js';

process.on('message', (m: SpawnRequest) => {
  const child = execFile(m.cmd, m.args, { timeout: m.timeoutMs ?? 0, maxBuffer: m.maxBuffer ?? 64 << 20 }, (err, stdout, stderr) => {
    const e = err as (Error & { code?: number | string | null; signal?: string | null; killed?: boolean }) | null;
    const reply: SpawnReply = { id: m.id, error: e ? { message: e.message, code: e.code ?? null, signal: e.signal ?? null, killed: !!e.killed } : null, stdout: String(stdout), stderr: String(stderr) };
    process.send?.(reply);
  });
  // EPIPE when the command exits before reading all its input; its exit status tells.
  child.stdin?.on('error', () => {});
  if (m.input !== undefined) child.stdin?.end(m.input);
});
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group: the parent decides when this ends (by disconnecting).
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
