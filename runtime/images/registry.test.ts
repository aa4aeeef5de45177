// Pulls from a REAL registry: Debian's docker-registry (distribution 2.8) on a free loopback
// port, with token auth served by a small express token server it trusts (JWT with x5c chain).
// Images are pushed with skopeo from OCI layouts built here. Anonymous tokens may pull
// `public/*`; the user tkt:secret may pull and push everything. Basic auth is tested through a
// Basic-auth reverse proxy in front of a second, open registry (the registry's own htpasswd
// needs bcrypt hashes, and no bcrypt tool is installed here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import type { Server } from 'node:http';
import { sign, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { TarWriter } from './tar-writer.js';
import { buildImage, writeOCILayout } from '../../testing/runtime-images.js';
import { createImageService } from './service.js';
import { sha256 } from './store.js';
import { MEDIA } from './media.js';
import type { PullProgress } from './types.js';
import { startRegistry as startTestRegistry, type TestRegistry } from '../../testing/registry.js';
import { ImageStore } from './store.js';
import { RegistryClient } from './registry.js';
import { pushImage, type PushProgress } from './push.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'tkt-registry-'));
const registries: TestRegistry[] = [];
let tokenServer: Server | undefined;
let basicProxy: Server | undefined;
/** The registry with token auth. */
let host = '';
/** A registry without auth, and a Basic-auth reverse proxy in front of it (as nginx would be). */
let openHost = '';
let basicHost = '';

/** Starts docker-registry with filesystem storage on a free loopback port; returns host:port. */
async function startRegistry(name: string, authYaml: string): Promise<string> {
  const r = await startTestRegistry(join(work, `registry-${name}`), { authYaml });
  registries.push(r);
  return r.host;
}

function startBasicProxy(upstream: string): Promise<string> {
  const app = express();
  app.use((req, res, next) => {
    if (req.headers.authorization !== `Basic ${Buffer.from('tkt:secret').toString('base64')}`) {
      res.set('www-authenticate', 'Basic realm="tkt"').status(401).end();
      return;
    }
    // express 4 ignores a handler's promise: a failed upstream call goes to its error handler.
    (async () => {
      const up = await fetch(`http://${upstream}${req.originalUrl}`, { headers: { accept: req.headers.accept ?? '*/*' } });
      res.status(up.status);
      for (const k of ['content-type', 'docker-content-digest', 'content-length']) {
        const v = up.headers.get(k);
        if (v) res.set(k, v);
      }
      res.end(Buffer.from(await up.arrayBuffer()));
    })().catch(next);
  });
  return new Promise((resolve) => {
    basicProxy = app.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(basicProxy!.address() as { port: number }).port}`));
  });
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function startTokenServer(keyPem: string, certDer: Buffer): Promise<number> {
  const app = express();
  app.get('/token', (req, res) => {
    const authz = req.headers.authorization ?? '';
    let user = '';
    if (authz.startsWith('Basic ')) {
      const [u, p] = Buffer.from(authz.slice(6), 'base64').toString().split(':');
      if (u !== 'tkt' || p !== 'secret') { res.status(401).json({ error: 'bad credentials' }); return; }
      user = u;
    }
    const scopes = ([] as string[]).concat((req.query.scope as string | string[] | undefined) ?? []);
    const access = scopes.map((s) => {
      const [type, name, actions] = s.split(':');
      const asked = (actions ?? '').split(',');
      const granted = user ? asked : name.startsWith('public/') ? asked.filter((a) => a === 'pull') : [];
      return { type, name, actions: granted };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = { iss: 'tkt-issuer', sub: user, aud: 'tkt-registry', exp: now + 600, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${input}.${b64url(sign('sha256', Buffer.from(input), keyPem))}`;
    res.json({ token, access_token: token, expires_in: 600 });
  });
  return new Promise((resolve) => {
    tokenServer = app.listen(0, '127.0.0.1', () => resolve((tokenServer!.address() as { port: number }).port));
  });
}

before(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=tkt-token',
    '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem')], { stdio: 'ignore' });
  const der = execFileSync('openssl', ['x509', '-in', join(work, 'cert.pem'), '-outform', 'DER']);
  const tokenPort = await startTokenServer(readFileSync(join(work, 'key.pem'), 'utf8'), der);
  host = await startRegistry('token', `auth: { token: { realm: "http://127.0.0.1:${tokenPort}/token", service: tkt-registry, issuer: tkt-issuer, rootcertbundle: ${join(work, 'cert.pem')} } }`);
  openHost = await startRegistry('open', '');
  basicHost = await startBasicProxy(openHost);
});

after(async () => {
  for (const registry of registries) await registry.stop();
  for (const s of [tokenServer, basicProxy]) await new Promise((r) => (s ? s.close(r) : r(undefined)));
  rmSync(work, { recursive: true, force: true });
});

async function push(layoutDir: string, tag: string, dest: string, all = false, to = host): Promise<void> {
  await run('skopeo', ['copy', '--quiet', ...(all ? ['--all'] : []), '--dest-tls-verify=false',
    ...(to === host ? ['--dest-creds', 'tkt:secret'] : []), `oci:${layoutDir}:${tag}`, `docker://${to}/${dest}`], { timeout: 120_000 });
}

const layerA = new TarWriter().dir('etc').file('etc/hello', 'hello from the registry\n').finish();
// Incompressible, so the download is big enough for byte-progress reports (one per MiB).
const layerB = new TarWriter().dir('bin').file('bin/tool', randomBytes(3 << 20), { mode: 0o755 }).finish();
const appImage = { layers: [layerA, layerB], gzip: true, config: { Entrypoint: ['/bin/tool'] } };

test('anonymous (token) pull, verified; a second pull downloads nothing; concurrent pulls share one', async () => {
  const layout = join(work, 'app-layout');
  const [built] = await writeOCILayout(layout, [{ refName: 'v1', ...appImage }]);
  await push(layout, 'v1', 'public/app:v1');
  const svc = await createImageService({ root: join(work, 'store1') });
  const ref = `${host}/public/app:v1`;
  const events: PullProgress[] = [];
  const rec = await svc.pullImage(ref, { onProgress: (p) => events.push(p) });
  assert.equal(rec.id, built.configDigest);
  assert.deepEqual(rec.repoTags, [ref]);
  assert.deepEqual(rec.repoDigests, [`${host}/public/app@${built.manifestDigest}`]);
  const layerEvents = events.filter((e) => e.phase === 'layer' && e.current === e.total);
  assert.equal(layerEvents.length, 2);
  assert.ok(layerEvents.every((e) => e.skipped === false), 'first pull downloads both layers');
  assert.ok(events.some((e) => e.phase === 'layer' && e.current !== undefined && e.current < (e.total ?? 0)), 'byte progress reported');
  assert.equal(events.at(-1)?.phase, 'done');
  const r = await svc.resolve(ref);
  assert.equal(readFileSync(join(r.layers[0], 'etc/hello'), 'utf8'), 'hello from the registry\n');
  assert.equal(statSync(join(r.layers[1], 'bin/tool')).size, 3 << 20);
  assert.deepEqual(r.config.Entrypoint, ['/bin/tool']);

  // Again: every layer skipped, layer dirs untouched.
  const before = statSync(r.layers[1]).mtimeMs;
  const again: PullProgress[] = [];
  await svc.pullImage(ref, { onProgress: (p) => again.push(p) });
  const againLayers = again.filter((e) => e.phase === 'layer');
  assert.equal(againLayers.length, 2);
  assert.ok(againLayers.every((e) => e.skipped === true), 'nothing downloaded the second time');
  assert.equal(statSync(r.layers[1]).mtimeMs, before);

  // Concurrent pulls of one image (by equivalent references) share one in-flight promise.
  await svc.removeImage(ref);
  const p1 = svc.pullImage(ref);
  const p2 = svc.pullImage(`${host}/public/app`.replace(/$/, ':v1'));
  assert.equal(p1, p2);
  const [x, y] = await Promise.all([p1, p2]);
  assert.equal(x.id, y.id);
  assert.equal((await svc.listImages()).length, 1);

  // By digest.
  const byDigest = await svc.pullImage(`${host}/public/app@${built.manifestDigest}`);
  assert.equal(byDigest.id, built.configDigest);
});

test('private repository: refused anonymously, pulled with credentials through the token endpoint', async () => {
  const layout = join(work, 'priv-layout');
  const [built] = await writeOCILayout(layout, [{ refName: 'v1', layers: [layerA] }]);
  await push(layout, 'v1', 'private/app:v1');
  const svc = await createImageService({ root: join(work, 'store2') });
  await assert.rejects(svc.pullImage(`${host}/private/app:v1`), /unauthorized/);
  await assert.rejects(svc.pullImage(`${host}/private/app:v1`, { auth: { username: 'tkt', password: 'wrong' } }), /token endpoint.*401/);
  const rec = await svc.pullImage(`${host}/private/app:v1`, { auth: { username: 'tkt', password: 'secret' } });
  assert.equal(rec.id, built.configDigest);
});

test('a manifest list resolves to linux/amd64', async () => {
  const layout = join(work, 'multi-layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const descs = [];
  let amd64Config = '';
  for (const arch of ['arm64', 'amd64']) {
    const img = buildImage({ layers: [new TarWriter().file('arch', arch).finish()], gzip: true });
    // Patch the architecture into the config: rebuild config and manifest around it.
    const config = Buffer.from(img.config.toString().replace('"architecture":"amd64"', `"architecture":"${arch}"`));
    const manifest = Buffer.from(img.manifest.toString().replace(img.configDigest, sha256(config)).replace(`"size":${img.config.length}`, `"size":${config.length}`));
    for (const [d, b] of img.blobs) if (d !== img.configDigest && d !== img.manifestDigest) writeFileSync(join(layout, 'blobs', 'sha256', d.slice(7)), b);
    writeFileSync(join(layout, 'blobs', 'sha256', sha256(config).slice(7)), config);
    writeFileSync(join(layout, 'blobs', 'sha256', sha256(manifest).slice(7)), manifest);
    if (arch === 'amd64') amd64Config = sha256(config);
    descs.push({ mediaType: MEDIA.ociManifest, digest: sha256(manifest), size: manifest.length, platform: { os: 'linux', architecture: arch } });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: descs }));
  writeFileSync(join(layout, 'blobs', 'sha256', sha256(index).slice(7)), index);
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [
    { mediaType: MEDIA.ociIndex, digest: sha256(index), size: index.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } },
  ] }));
  await push(layout, 'v1', 'public/multi:v1', true);
  const svc = await createImageService({ root: join(work, 'store3') });
  const rec = await svc.pullImage(`${host}/public/multi:v1`);
  assert.equal(rec.id, amd64Config);
  assert.deepEqual(rec.repoDigests, [`${host}/public/multi@${sha256(index)}`], 'repo digest is the list digest, as docker');
  const r = await svc.resolve(`${host}/public/multi:v1`);
  assert.equal(readFileSync(join(r.layers[0], 'arch'), 'utf8'), 'amd64');
});

test('a blob whose content does not match its digest is rejected, nothing kept', async () => {
  const layout = join(work, 'bad-layout');
  const bad = new TarWriter().file('bad', 'original content '.repeat(1000)).finish();
  const [built] = await writeOCILayout(layout, [{ refName: 'v1', layers: [bad], gzip: true }]);
  await push(layout, 'v1', 'public/bad:v1');
  // Swap the layer in the registry's own storage for another valid gzip of the same tar: it
  // unpacks to the right diffID, but its bytes are not the digest the manifest names.
  const layerDigest = (JSON.parse(built.manifest.toString()) as { layers: { digest: string }[] }).layers[0].digest;
  const hex = layerDigest.slice(7);
  const data = join(work, 'registry-token', 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
  assert.ok(existsSync(data));
  const other = gzipSync(bad, { level: 1 });
  assert.notEqual(sha256(other), layerDigest);
  writeFileSync(data, other);
  const root = join(work, 'store4');
  const svc = await createImageService({ root });
  await assert.rejects(svc.pullImage(`${host}/public/bad:v1`), /layer digest mismatch/);
  assert.deepEqual(await svc.listImages(), []);
  assert.deepEqual(readdirSync(join(root, 'layers', 'sha256')), []);
  for (const d of readdirSync(join(root, 'tmp'))) assert.deepEqual(readdirSync(join(root, 'tmp', d)), []);
});

test('Basic auth: refused without credentials, pulled with them', async () => {
  const layout = join(work, 'basic-layout');
  const [built] = await writeOCILayout(layout, [{ refName: 'v1', layers: [layerA], gzip: true }]);
  await push(layout, 'v1', 'team/basic:v1', false, openHost);
  const svc = await createImageService({ root: join(work, 'store5') });
  await assert.rejects(svc.pullImage(`${basicHost}/team/basic:v1`), /wants Basic auth/);
  await assert.rejects(svc.pullImage(`${basicHost}/team/basic:v1`, { auth: { username: 'tkt', password: 'nope' } }), /registry 127.0.0.1:\d+: unauthorized: 401/);
  const rec = await svc.pullImage(`${basicHost}/team/basic:v1`, { auth: { username: 'tkt', password: 'secret' } });
  assert.equal(rec.id, built.configDigest);
  const r = await svc.resolve(`${basicHost}/team/basic:v1`);
  assert.equal(readFileSync(join(r.layers[0], 'etc/hello'), 'utf8'), 'hello from the registry\n');
});

test('push with Bearer tokens: chunked upload, then HEAD skips, and a second repository mounts the layer', async () => {
  const root = join(work, 'store-push');
  const svc = await createImageService({ root });
  const layout = join(work, 'push-layout');
  await writeOCILayout(layout, [{ refName: 'v1', layers: [new TarWriter().file('big', randomBytes(300_000)).finish()] }]);
  const [src] = await svc.loadArchive(layout);
  const store = new ImageStore(root);
  await store.init();
  const client = new RegistryClient();
  const source = src.id;
  await assert.rejects(pushImage(store, client, `${host}/team/pushed:v1`, { source }), /unauthorized: 401/);
  const auth = { username: 'tkt', password: 'secret' };
  const seen: PushProgress[] = [];
  const first = await pushImage(store, client, `${host}/team/pushed:v1`, { source, auth, chunkSize: 64 << 10, onProgress: (p) => seen.push(p) });
  const layer = seen.filter((p) => p.phase === 'layer');
  assert.ok(layer.length >= 3, 'progress per chunk');
  assert.equal(layer.at(-1)?.outcome, 'uploaded');
  const again: PushProgress[] = [];
  await pushImage(store, client, `${host}/team/pushed:v1`, { source, auth, onProgress: (p) => again.push(p) });
  assert.deepEqual(again.filter((p) => p.phase !== 'manifest').map((p) => p.outcome), ['exists', 'exists']);
  const mounted: PushProgress[] = [];
  await pushImage(store, client, `${host}/team/other:v1`, { source, auth, onProgress: (p) => mounted.push(p) });
  assert.equal(mounted.find((p) => p.phase === 'layer')?.outcome, 'mounted', 'cross-repository mount from team/pushed');
  // What was pushed pulls back, byte-verified, into another store.
  const back = await (await createImageService({ root: join(work, 'store-push-back') })).pullImage(`${host}/team/other:v1`, { auth });
  assert.equal(back.repoDigests[0], `${host}/team/other@${first.digest}`);
});
