// The import graph of the sources, drawn from their import and export-from statements (static,
// `import type`, and dynamic `import('./x.js')`), parsed by TypeScript's own pre-processor so that
// comments and strings are not mistaken for imports. Used by layers.test.ts.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One arrow: `from` (a repo-relative .ts path) imports `to` (a repo-relative .ts path, or a package name). */
export interface ImportEdge {
  from: string;
  to: string;
  /** True when `to` is a file of this repo (a relative specifier). */
  local: boolean;
}

/** The repository's root: the nearest folder above this module holding package.json (works from testing/ and dist-test/testing/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json) not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'dist-test']);

/** Every .ts source file (not .d.ts) under root, repo-relative with forward slashes, sorted. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
    }
  };
  walk('');
  return out.sort();
}

/** The specifiers one file imports (import, import type, export ... from, import()). */
export function importSpecifiers(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The arrows out of each file; a relative `./x.js` resolves to the `x.ts` beside it. */
export function importGraph(root: string, files = sourceFiles(root)): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const from of files) {
    for (const spec of importSpecifiers(readFileSync(join(root, from), 'utf8'))) {
      if (!spec.startsWith('.')) {
        edges.push({ from, to: spec, local: false });
        continue;
      }
      const to = posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, '.ts');
      edges.push({ from, to, local: true });
    }
  }
  return edges;
}
