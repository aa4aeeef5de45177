// The dashboard's serving side on a real apiserver (own etcd, a token): static files with their
// types and CSP, nothing outside them; sign-in refusing bad tokens and cross-site posts; the
// session cookie's flags; the cookie accepted only on API paths, writes only with the CSRF header
// and a same Origin; sign-out ending it; and the watch multiplexer carrying two watches on one
// socket, refusing bad messages in words.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startTestApi, type TestApi } from '../../testing/cluster.js';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { CONTENT_SECURITY_POLICY, defaultAssetDir } from './static.js';

const TOKEN = 'dash-admin-token';
let api: TestApi;
let assets: string;
let origin: string;

before(async () => {
  assets = mkdtempSync(join(tmpdir(), 'tskube-ui-assets-'));
  writeFileSync(join(assets, 'index.html'), '<!doctype html><script type="module" src="app.js"></script>');
  writeFileSync(join(assets, 'app.js'), 'console.log(1)');
  api = await startTestApi({ token: TOKEN, dashboardDir: assets });
  origin = api.url;
});

after(async () => {
  await api?.stop();
  rmSync(assets, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${origin}${path}`, { headers, redirect: 'manual' });

async function signIn(token = TOKEN, headers: Record<string, string> = { 'x-tskube-csrf': '1', origin: '' }): Promise<Response> {
  const h: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (h.origin === '') h.origin = origin;
  return fetch(`${origin}/ui/session`, { method: 'POST', headers: h, body: JSON.stringify({ token }) });
}

test('the static files: types, the CSP, /ui → /ui/, nothing else by any path', async () => {
  const index = await get('/ui/');
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /^default-src 'self'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /script-src/, 'scripts fall back to self only');
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  assert.equal((await get('/ui/app.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await get('/ui')).headers.get('location'), '/ui/');
  for (const p of ['/ui/nope.js', '/ui/a/app.js', '/ui/index.html/', '/ui/..%2fpackage.json', '/ui/%2e%2e%2fpackage.json']) assert.equal((await get(p)).status, 404, p);
});

test('the built dashboard (npm run build:test) is at most 300 KiB gzipped, with no inline or foreign script', () => {
  const dir = defaultAssetDir();
  const files = readdirSync(dir);
  assert.ok(files.includes('index.html') && files.includes('app.js') && files.includes('app.css'), files.join());
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
  assert.ok(gz <= 300 * 1024, `${gz} bytes gzipped`);
  assert.ok(gz > 20 * 1024, `${gz} bytes: preact, htm, xterm.js and js-yaml are in it`);
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    assert.match(m[1], /\bsrc="[\w.-]+"/, 'every script is a file here');
    assert.equal(m[2].trim(), '', 'no inline script');
  }
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing from another host');
  // The sources (dist-test/apiserver/ui → the repo's ui/): no HTML is ever made from a string.
  const src = fileURLToPath(new URL('../../../ui/', import.meta.url));
  const sources = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  assert.ok(sources.length > 10, sources.join());
  for (const f of sources) assert.doesNotMatch(readFileSync(join(src, f), 'utf8'), /innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write/, f);
});

test('sign-in: a wrong or missing token is a 401/400 in words; a cross-site post is refused; the cookie is HttpOnly and SameSite=Strict', async () => {
  const wrong = await signIn('nope');
  assert.equal(wrong.status, 401);
  assert.match(((await wrong.json()) as { message: string }).message, /token was not accepted/);
  assert.equal((await signIn('')).status, 400);
  assert.equal((await signIn(TOKEN, {})).status, 403, 'no CSRF header');
  assert.equal((await signIn(TOKEN, { 'x-tskube-csrf': '1', origin: 'https://evil.example' })).status, 403, 'foreign origin');
  const bad = await fetch(`${origin}/ui/session`, { method: 'POST', headers: { 'x-tskube-csrf': '1' }, body: '{"token":' });
  assert.equal(bad.status, 400);
  const ok = await signIn();
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { username: 'admin', groups: ['system:masters', 'system:authenticated'] });
  assert.match(ok.headers.get('set-cookie') ?? '', /^tskube-session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
});

test('the session cookie: API paths only, writes need the CSRF header and a same Origin, sign-out ends it', async () => {
  const cookie = (await signIn()).headers.get('set-cookie')!.split(';')[0];
  assert.equal((await get('/ui/session', { cookie })).status, 200);
  assert.equal((await get('/api/v1/namespaces', { cookie })).status, 200);
  assert.equal((await get('/metrics', { cookie })).status, 401, 'not a dashboard path');
  const cm = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
  const post = (headers: Record<string, string>, name: string) =>
    fetch(`${origin}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: cm(name) });
  const noHeader = await post({}, 'a');
  assert.equal(noHeader.status, 403);
  assert.match(((await noHeader.json()) as { message: string }).message, /x-tskube-csrf/);
  assert.equal((await post({ 'x-tskube-csrf': '1', origin: 'https://evil.example' }, 'b')).status, 403);
  assert.equal((await post({ 'x-tskube-csrf': '1', origin }, 'c')).status, 201);
  const names = ((await api.req('GET', '/api/v1/namespaces/default/configmaps')).body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
  assert.ok(names.includes('c') && !names.includes('a') && !names.includes('b'), names.join());
  const out = await fetch(`${origin}/ui/session`, { method: 'DELETE', headers: { cookie, 'x-tskube-csrf': '1' } });
  assert.equal(out.status, 204);
  assert.equal((await get('/api/v1/namespaces', { cookie })).status, 401);
});

test('the watch multiplexer: two watches on one socket, each event tagged; bad requests answered per id', async () => {
  const cookie = (await signIn()).headers.get('set-cookie')!.split(';')[0];
  const wsUrl = origin.replace(/^http/, 'ws') + '/ui/watch';
  // A WebSocket with the cookie but without an Origin is refused (a browser always sends one).
  const refused = await new Promise<number>((resolve) => {
    const w = new WebSocket(wsUrl, { headers: { cookie } });
    w.on('unexpected-response', (_q, r) => resolve(r.statusCode ?? 0));
    w.on('open', () => resolve(101));
  });
  assert.equal(refused, 403);
  const ws = new WebSocket(wsUrl, { headers: { cookie, origin } });
  const got: { id: string; event?: { type: string; object: { metadata: { name: string } } }; error?: { code: number; message: string } }[] = [];
  ws.on('message', (d: Buffer) => got.push(...(JSON.parse(d.toString()) as typeof got)));
  await new Promise((r) => ws.once('open', r));
  const q = '?sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';
  ws.send(JSON.stringify({ type: 'watch', id: 'cms', path: `/api/v1/namespaces/default/configmaps${q}` }));
  ws.send(JSON.stringify({ type: 'watch', id: 'ns', path: `/api/v1/namespaces${q}` }));
  ws.send(JSON.stringify({ type: 'watch', id: 'bad', path: '/api/v1/nosuchthings' }));
  ws.send(JSON.stringify({ type: 'watch', id: 'one', path: '/api/v1/namespaces/default' }));
  const until = async (f: () => boolean) => {
    for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(f(), JSON.stringify(got).slice(0, 2000));
  };
  await until(() => got.some((m) => m.id === 'ns' && m.event?.object.metadata.name === 'default'));
  await api.req('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live' } });
  await until(() => got.some((m) => m.id === 'cms' && m.event?.type === 'ADDED' && m.event.object.metadata.name === 'live'));
  assert.equal(got.find((m) => m.id === 'bad')?.error?.code, 404);
  assert.equal(got.find((m) => m.id === 'one')?.error?.code, 400);
  ws.send('not json');
  const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
  assert.equal(code, 1003);
});
