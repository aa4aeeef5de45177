// Locates the shim's C sources (runtime/shim/*.c, main() in tskube-shim.c) and
// compiles them on first use, keyed by the sources' hash, so a changed source
// never runs with a stale binary.
// The exact build (what hack/install.sh runs ahead of time) is SHIM_GCC_ARGS.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** gcc flags (the sources build without warnings under -Wall -Wextra); static so the monitor and pause processes stay small (no ld.so, no libc.so mappings). */
export const SHIM_GCC_ARGS = ['-O2', '-static', '-Wall', '-Wextra', '-o'];
/** Linked after the sources: libseccomp's static archive (Debian libseccomp-dev). */
export const SHIM_LIBS = ['-lseccomp'];

/** The source, found from this module both under tsx (runtime/) and compiled (dist/runtime/). */
export function shimSourcePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'shim', 'tskube-shim.c'), join(here, '..', '..', 'runtime', 'shim', 'tskube-shim.c')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`tskube-shim.c not found (looked in ${candidates.join(', ')})`);
}

/** Every .c (compiled) and .h of the shim, sorted: the build's inputs. */
export function shimSources(): { c: string[]; all: string[] } {
  const dir = dirname(shimSourcePath());
  const all = readdirSync(dir).filter((f) => f.endsWith('.c') || f.endsWith('.h')).sort().map((f) => join(dir, f));
  return { c: all.filter((f) => f.endsWith('.c')), all };
}

/** Where the binary for the current sources lives: <source dir>/.build/tskube-shim-<hash12>. */
export function shimBinaryPath(): string {
  const h = createHash('sha256');
  for (const f of shimSources().all) h.update(f.slice(f.lastIndexOf('/') + 1)).update('\0').update(readFileSync(f));
  h.update(SHIM_LIBS.join(' '));
  return join(dirname(shimSourcePath()), '.build', `tskube-shim-${h.digest('hex').slice(0, 12)}`);
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
  await run('gcc', [...SHIM_GCC_ARGS, tmp, ...shimSources().c, ...SHIM_LIBS]);
  renameSync(tmp, out);
  return out;
}
