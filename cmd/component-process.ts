// One `hyperkube <component> ...` child process for `up --multi-process`: its output
// lines are passed on, and it counts as ready once it prints the line its command
// prints when it is serving. Its stdin is a pipe from `up` that is never written:
// when `up` dies, even by kill -9, the pipe ends and the child stops (hyperkube.ts).

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Started, Supervised } from './supervisor.js';
import { procStartTime } from './proc-identity.js';

export const SUPERVISED_ENV = 'TSKUBE_SUPERVISED';

/** node flags and script that run `hyperkube`: the compiled entry point, or the TS source under tsx. */
export function hyperkubeInvocation(): string[] {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  const entry = join(dirname(here), ts ? 'hyperkube.ts' : 'hyperkube.js');
  // up's node flags (e.g. V8 heap flags), but not a debugger's: its port is taken.
  const flags = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  if (ts && !flags.some((a) => a.includes('tsx'))) flags.push('--import', 'tsx');
  return [...flags, entry];
}

export interface ComponentProcessOptions {
  name: string;
  /** Flags after `hyperkube <name>`, computed at each (re)start. */
  args(): string[];
  /** The line that says it is ready; its match goes to onReady. */
  ready: RegExp;
  onReady?(m: RegExpExecArray): void;
  /** Each line it prints, prefixed with its name unless it already is. */
  log(line: string): void;
  readyTimeoutMs?: number;
  /** After SIGTERM, SIGKILL follows this much later. */
  stopGraceMs?: number;
}

export function componentProcess(o: ComponentProcessOptions): Supervised {
  return {
    name: o.name,
    start: (signal) => startComponent(o, signal),
  };
}

function startComponent(o: ComponentProcessOptions, signal: AbortSignal): Promise<Started> {
  const child = spawn(process.execPath, [...hyperkubeInvocation(), o.name, ...o.args()], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches `up` alone, which stops the children in order.
    detached: true,
    env: { ...process.env, [SUPERVISED_ENV]: '1' },
  });
  child.stdin.on('error', () => undefined);
  // Read before the child can have been reaped: its own start time, not a successor's.
  const startTime = child.pid ? procStartTime(child.pid) : undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, sig) => resolve(sig ?? `exit code ${code}`));
    child.once('error', (err) => resolve(err.message));
  });
  const prefix = `${o.name}: `;
  let onLine: ((line: string) => void) | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      o.log(line.startsWith(prefix) ? line : prefix + line);
      onLine?.(line);
    });
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), o.stopGraceMs ?? 10_000);
    await exited;
    clearTimeout(t);
  };
  return new Promise<Started>((resolve, reject) => {
    const fail = (why: string, sig: NodeJS.Signals = 'SIGKILL') => {
      cleanup();
      child.kill(sig);
      reject(new Error(`${o.name}: ${why}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${(o.readyTimeoutMs ?? 60_000) / 1000}s`), o.readyTimeoutMs ?? 60_000);
    // Cancelled (up is stopping): SIGTERM, as for a stop; it may have started work to finish.
    const onAbort = () => fail('start cancelled', 'SIGTERM');
    signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      onLine = undefined;
    };
    if (signal.aborted) return fail('start cancelled', 'SIGTERM');
    onLine = (line) => {
      const m = o.ready.exec(line);
      if (!m) return;
      cleanup();
      o.onReady?.(m);
      resolve({ pid: child.pid!, startTime, exited, stop });
    };
    void exited.then((why) => {
      if (!onLine) return;
      cleanup();
      reject(new Error(`${o.name} exited (${why}) before it was ready`));
    });
  });
}
