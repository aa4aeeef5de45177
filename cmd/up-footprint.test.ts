// `up` is one long-lived process on a small node (issue 18: up + etcd <= 100 MiB idle): what only
// other commands need (the dashboard's sources and bundler, the browser driver, charts, image
// builds) must never be loaded by it. Checked on the modules Node really loads when importing up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HEAVY_PACKAGES = ['puppeteer-core', 'vega', 'vega-lite', 'esbuild', 'preact', 'htm', '@xterm/xterm', 'dockerfile-ast', 'typescript'];

test('importing up loads none of the dashboard, browser, chart or image-build modules', () => {
  const up = fileURLToPath(new URL('./up.js', import.meta.url));
  // A resolve hook reports every module URL; the import of up.js runs nothing but module bodies.
  const hook = `let p; export function initialize(d) { p = d.port; } export async function resolve(s, c, n) { const r = await n(s, c); p.postMessage(r.url); return r; }`;
  const script = `
    import { register } from 'node:module';
    const { port1, port2 } = new MessageChannel();
    const seen = [];
    port1.on('message', (u) => seen.push(u));
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { port: port2 }, transferList: [port2] });
    await import(${JSON.stringify(up)});
    await new Promise((r) => setTimeout(r, 100));
    port1.close();
    console.log(JSON.stringify(seen));`;
  const urls = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })) as string[];
  assert.ok(urls.some((u) => u.endsWith('/apiserver/server.js')), 'the hook saw up\'s own imports');
  const pkg = (u: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1];
  const heavy = urls.filter((u) => HEAVY_PACKAGES.includes(pkg(u) ?? '') || /\/dist(-test)?\/ui\//.test(u) || /\/cmd\/image(-build)?\.js$/.test(u));
  assert.deepEqual(heavy, []);
});
