// The layer rules of DESIGN.md, checked on the import graph of the production files (every .ts that
// is not a test and not in testing/, e2e/ or bench/): every arrow between folders points down the
// layers, no component imports another, and no production file imports (or is) a test helper.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { importGraph, importSpecifiers, repoRoot, sourceFiles, type ImportEdge } from './import-graph.js';

/** Top folders of production code and their layer, lowest first. Peers in one layer do not import each other. */
const LAYERS: Record<string, number> = {
  api: 0,
  runtime: 0,
  client: 1,
  apiserver: 2,
  scheduler: 2,
  controllers: 2,
  kubelet: 2,
  proxy: 2,
  dns: 2,
  ui: 2,
  cmd: 3,
};

/** Folders of test code: they may import anything, and nothing in production may import them. */
const TEST_AREAS = new Set(['testing', 'e2e', 'bench']);

/** Production files nothing in production imports, and why they are not test helpers. */
const ENTRY_POINTS: Record<string, string> = {
  'apiserver/storage/kv-worker.ts': 'the etcd client thread, started as a Worker by kv-worker-client.ts',
  'runtime/spawner-helper.ts': 'forked by runtime/spawner.ts',
  'client/index.ts': 'the client library entry point for programs outside this repo',
  'ui/main.ts': "the dashboard's browser entry point, bundled by esbuild (hack/build-ui.sh)",
};

const top = (f: string): string => (f.includes('/') ? f.slice(0, f.indexOf('/')) : '');
const isTest = (f: string): boolean => f.endsWith('.test.ts');
const isProduction = (f: string): boolean => !isTest(f) && top(f) in LAYERS;

const root = repoRoot();
const files = sourceFiles(root);
const edges = importGraph(root, files);
const production = files.filter(isProduction);
const prodEdges = edges.filter((e) => e.local && isProduction(e.from));

test('the parser finds every kind of import and nothing in comments or strings', () => {
  const src = [
    "import a from './a.js';",
    "import type { B } from '../b.js';",
    "import './side-effect.js';",
    "export { c } from './c.js';",
    "export * from './d.js';",
    "const e = await import('./e.js');",
    "// import x from './commented.js';",
    "const s = \"import y from './in-string.js'\";",
  ].join('\n');
  assert.deepEqual(importSpecifiers(src).sort(), ['../b.js', './a.js', './c.js', './d.js', './e.js', './side-effect.js']);
});

test('every source file lives in a known folder', () => {
  const unknown = files.filter((f) => !(top(f) in LAYERS) && !TEST_AREAS.has(top(f)));
  assert.deepEqual(unknown, [], 'a new top folder needs its layer in LAYERS (testing/layers.test.ts), DESIGN.md and a README');
  // A broken walk or parser must not pass by finding nothing.
  assert.ok(production.length > 150, `only ${production.length} production files found`);
  assert.ok(prodEdges.some((e) => top(e.from) === 'kubelet' && top(e.to) === 'runtime'), 'kubelet → runtime arrow not found');
});

test('every relative import names a file that exists', () => {
  const missing = edges.filter((e) => e.local && !existsSync(join(root, e.to))).map(show);
  assert.deepEqual(missing, []);
});

test('the import drawing of the production files: every arrow points down the layers', (t) => {
  // The drawing, folder by folder, in the test's output.
  const arrows = new Map<string, number>();
  for (const e of prodEdges) {
    if (top(e.from) === top(e.to)) continue;
    const k = `${top(e.from)} → ${top(e.to)}`;
    arrows.set(k, (arrows.get(k) ?? 0) + 1);
  }
  const byLayer = [...arrows].sort(([a], [b]) => (LAYERS[b.split(' ')[0]] ?? 9) - (LAYERS[a.split(' ')[0]] ?? 9) || a.localeCompare(b));
  for (const [k, n] of byLayer) t.diagnostic(`${k} (${n})`);

  // (Arrows into testing/, e2e/ and bench/ are the next test's.)
  const wrong = prodEdges.filter((e) => top(e.from) !== top(e.to) && !TEST_AREAS.has(top(e.to)) && !(LAYERS[top(e.to)] < LAYERS[top(e.from)]));
  assert.deepEqual(
    wrong.map((e) => `${show(e)} (layer ${LAYERS[top(e.from)]} → ${LAYERS[top(e.to)] ?? '?'})`),
    [],
    'an import may only go to a lower layer; code two components share belongs in client/',
  );
});

test('no production file imports a test helper or a test', () => {
  const wrong = prodEdges.filter((e) => isTest(e.to) || TEST_AREAS.has(top(e.to))).map(show);
  assert.deepEqual(wrong, [], 'test helpers live in testing/ and only tests, e2e/, bench/ and testing/ import them');
  const testRunner = edges.filter((e) => !e.local && isProduction(e.from) && e.to === 'node:test').map(show);
  assert.deepEqual(testRunner, [], 'node:test in production code');
});

test('no test helper among the production files: each is used by production code or is an entry point', () => {
  for (const f of Object.keys(ENTRY_POINTS)) assert.ok(production.includes(f), `ENTRY_POINTS names ${f}, which is gone`);
  const used = new Set(prodEdges.filter((e) => e.from !== e.to).map((e) => e.to));
  const onlyForTests = production.filter((f) => top(f) !== 'cmd' && !used.has(f) && !(f in ENTRY_POINTS));
  assert.deepEqual(onlyForTests, [], 'a file only tests (or e2e/bench) import is a test helper: move it to testing/<package>-<what>.ts');
});

/** The files a tsconfig compiles, relative to the repo. */
function configFiles(path: string): string[] {
  const read = ts.readConfigFile(path, (p) => ts.sys.readFile(p));
  assert.equal(read.error, undefined);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(path), undefined, path);
  return parsed.fileNames.map((f) => relative(root, f).split('\\').join('/')).sort();
}

test('the production build (tsconfig.build.json → dist/) compiles exactly the production files', () => {
  // ui/ is browser code: type-checked by ui/tsconfig.json (DOM types) and bundled by esbuild, not tsc.
  const built = configFiles(join(root, 'tsconfig.build.json'));
  assert.deepEqual(built, production.filter((f) => top(f) !== 'ui'), 'dist/ (what users run) must hold no tests or test helpers, and every production file');
  assert.deepEqual(configFiles(join(root, 'ui', 'tsconfig.json')), production.filter((f) => top(f) === 'ui'), 'ui/tsconfig.json checks every dashboard file');
});

function show(e: ImportEdge): string {
  return `${e.from} → ${e.to}`;
}
