// The pod-to-pod latency probe (tcp-pingpong.c): compiled static with gcc into a directory the
// caller owns, so a busybox pod runs it from a hostPath volume; and the reading of its output.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

function sourcePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist-test/bench/ holds the compiled .js only: the source is two levels up, in bench/.
  const candidates = [join(here, 'tcp-pingpong.c'), join(here, '..', '..', 'bench', 'tcp-pingpong.c')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`tcp-pingpong.c not found (looked in ${candidates.join(', ')})`);
}

/** Compiles the probe into `dir`; returns the binary's path. */
export async function buildPingPong(dir: string): Promise<string> {
  const out = join(dir, 'tcp-pingpong');
  await run('gcc', ['-O2', '-static', '-Wall', '-o', out, sourcePath()]);
  return out;
}

/** The round trips (µs) a client printed; an error unless it printed all `n` and "done n". */
export function parseRoundTrips(output: string, n: number): number[] {
  const rtts: number[] = [];
  let done = false;
  for (const line of output.split('\n')) {
    const m = /^rtt_us (\d+(?:\.\d+)?)$/.exec(line.trim());
    if (m) rtts.push(Number(m[1]));
    else if (line.trim() === `done ${n}`) done = true;
  }
  if (!done || rtts.length !== n) throw new Error(`tcp-pingpong client: ${rtts.length}/${n} round trips${done ? '' : ', no "done"'}: ${output.slice(-500)}`);
  return rtts;
}
