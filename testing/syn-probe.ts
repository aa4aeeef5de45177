// The raw-socket probe of the localnet tests (syn-probe.c): compiled static with
// gcc into a directory the caller owns, so a pod can run it from a hostPath volume.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

function sourcePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'syn-probe.c'), join(here, '..', '..', 'testing', 'syn-probe.c')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`syn-probe.c not found (looked in ${candidates.join(', ')})`);
}

/** Compile the probe into `dir`; returns the binary's path. */
export async function buildSynProbe(dir: string): Promise<string> {
  const out = join(dir, 'syn-probe');
  await run('gcc', ['-O2', '-static', '-Wall', '-o', out, sourcePath()]);
  return out;
}

/** What one probe saw: "SYNACK" (the port answered), "RST", or "TIMEOUT" (nothing came back). */
export type ProbeResult = 'SYNACK' | 'RST' | 'TIMEOUT';

/** Parse the probe's output; anything else is an error with its output. */
export function probeResult(stdout: string, stderr = ''): ProbeResult {
  const r = stdout.trim();
  if (r === 'SYNACK' || r === 'RST' || r === 'TIMEOUT') return r;
  throw new Error(`syn-probe failed: ${stdout}${stderr}`);
}
