// Short-lived commands (ip, nsenter, iptables, the shim's launcher) run by a small helper
// process instead of by this one. Each fork copies the forking process's page tables, and
// the forking thread waits for the child to exec: measured here, a spawn costs the caller
// ~1 ms of its own thread from a 50 MB process and 2-3 ms from the 300-600 MB `hyperkube up`
// (apiserver and kubelet in one event loop) — 200 pods meant seconds during which the
// apiserver answered nothing. Asking the helper costs the caller ~0.05 ms.
// Falls back to a direct execFile when the helper cannot be used.

import { execFile, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SpawnOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Kill the command after this long (ms); 0/absent: never. */
  timeoutMs?: number;
  maxBuffer?: number;
}

/** As execFile's callback: error (exit code or failure), and everything printed. */
export interface SpawnResult {
  error: { message: string; code: number | string | null; signal: string | null; killed: boolean } | null;
  stdout: string;
  stderr: string;
}

export interface SpawnRequest extends SpawnOptions {
  id: number;
  cmd: string;
  args: string[];
}

export interface SpawnReply extends SpawnResult {
  id: number;
}

function direct(cmd: string, args: string[], o: SpawnOptions): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: o.timeoutMs ?? 0, maxBuffer: o.maxBuffer ?? 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string | null; signal?: string | null; killed?: boolean }) | null;
      resolve({ error: e ? { message: e.message, code: e.code ?? null, signal: e.signal ?? null, killed: !!e.killed } : null, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin?.on('error', () => {});
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

/** Node flags the helper needs from ours: module loaders (tsx when running from the sources), nothing else. */
function loaderFlags(argv: string[]): string[] {
  const out: string[] = [];
  const takes = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (takes.has(a) && i + 1 < argv.length) out.push(a, argv[++i]);
    else if ([...takes].some((t) => a.startsWith(`${t}=`))) out.push(a);
  }
  return out;
}

class Spawner {
  private child: ChildProcess | undefined;
  private broken = false;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (r: SpawnResult) => void; req: SpawnRequest }>();

  private helper(): ChildProcess | undefined {
    if (this.child || this.broken) return this.child;
    const here = fileURLToPath(import.meta.url);
    const script = here.replace(/spawner\.(ts|js)$/, 'spawner-helper.$1');
    try {
      const child = fork(script, [], { execArgv: loaderFlags(process.execArgv), stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
      child.on('message', (m: SpawnReply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.refIfBusy();
        p.resolve(m);
      });
      const gone = (why: string) => {
        if (this.child !== child) return;
        this.child = undefined;
        // What was in flight may or may not have run: report it failed, as a killed command.
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          p.resolve({ error: { message: `${p.req.cmd}: ${why}`, code: null, signal: null, killed: true }, stdout: '', stderr: '' });
        }
      };
      child.on('exit', (code, sig) => gone(`spawn helper exited (${sig ?? code})`));
      child.on('error', (err) => {
        // Could not start it at all: run commands directly from now on.
        if (!child.pid) this.broken = true;
        gone(`spawn helper: ${err.message}`);
      });
      child.unref();
      this.child = child;
      this.refIfBusy();
    } catch {
      this.broken = true;
    }
    return this.child;
  }

  /** The helper keeps this process alive only while a command is running. */
  private refIfBusy(): void {
    const ch = this.child?.channel as { ref?(): void; unref?(): void } | undefined;
    if (this.pending.size) ch?.ref?.();
    else ch?.unref?.();
  }

  run(cmd: string, args: string[], o: SpawnOptions = {}): Promise<SpawnResult> {
    const child = this.helper();
    if (!child) return direct(cmd, args, o);
    return new Promise((resolve) => {
      const req: SpawnRequest = { id: ++this.next, cmd, args, ...o };
      this.pending.set(req.id, { resolve, req });
      this.refIfBusy();
      child.send(req, (err) => {
        if (!err || !this.pending.has(req.id)) return;
        this.pending.delete(req.id);
        this.refIfBusy();
        resolve(direct(cmd, args, o));
      });
    });
  }
}

const spawner = new Spawner();

/** Runs a short-lived command through the spawn helper (see above); never rejects. */
export function spawnCaptured(cmd: string, args: string[], o: SpawnOptions = {}): Promise<SpawnResult> {
  return spawner.run(cmd, args, o);
}
