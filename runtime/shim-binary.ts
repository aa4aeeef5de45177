// Locates the shim's C source and compiles it on first use, keyed by the
// source's hash, so a changed source never runs with a stale binary.
// The exact build (what hack/install.sh runs ahead of time) is SHIM_GCC_ARGS.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** gcc flags; static so the monitor and pause processes stay small (no ld.so, no libc.so mappings). */
export const SHIM_GCC_ARGS = ['-O2', '-static', '-Wall', '-o'];

/** The source, found from this module both under tsx (runtime/) and compiled (dist/runtime/). */
export function shimSourcePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'shim', 'tskube-shim.c'), join(here, '..', '..', 'runtime', 'shim', 'tskube-shim.c')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`tskube-shim.c not found (looked in ${candidates.join(', ')})`);
}

/** Where the binary for the current source lives: <source dir>/.build/tskube-shim-<hash12>. */
export function shimBinaryPath(): string {
  const src = shimSourcePath();
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  return join(dirname(src), '.build', `tskube-shim-${hash}`);
}

let pending: Promise<string> | null = null;

/** Path of an up-to-date shim binary, compiling it if missing (concurrent callers share one build). */
export function ensureShim(): Promise<string> {
  if (!pending) {
    pending = build().catch((e) => {
      pending = null;
      throw e;
    });
  }
  return pending;
}

async function build(): Promise<string> {
  const out = shimBinaryPath();
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  // Build under a unique name and rename: two processes may compile at once.
  const tmp = `${out}.tmp${process.pid}`;
  await run('gcc', [...SHIM_GCC_ARGS, tmp, shimSourcePath()]);
  renameSync(tmp, out);
  return out;
}
