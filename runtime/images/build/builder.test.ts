// Real builds (root: RUN steps run in tskube containers, loopback only) into a temporary image
// store: every instruction, the cache, multi-stage, .dockerignore, and bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, type BuildOptions } from './builder.js';
import { MergedTree } from './merged.js';
import { ImageStore } from '../store.js';
import { everyInstruction, ONBUILD_BASE, writeContext } from '../../../testing/runtime-image-build.js';

let root: string;
let ctx: string;
let store: ImageStore;
const out: string[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'tkb-build-'));
  ctx = join(root, 'ctx');
  writeContext(ctx, everyInstruction('test/onbase'));
  writeFileSync(join(root, 'Dockerfile.base'), ONBUILD_BASE);
  store = new ImageStore(join(root, 'images'));
  await store.init();
});
after(() => rmSync(root, { recursive: true, force: true }));

const build = (o: Partial<BuildOptions> = {}) => buildImage({ imagesRoot: join(root, 'images'), contextDir: ctx, network: 'none', out: (s) => out.push(s), ...o });
const layerCount = () => readdirSync(join(root, 'images/layers/sha256')).length;
const config = (id: string) => JSON.parse(readFileSync(store.blobPath(id), 'utf8')) as {
  config: Record<string, unknown>; rootfs: { diff_ids: string[] }; history: { created_by: string; empty_layer?: boolean }[]; author?: string;
};

let firstId = '';

test('a Dockerfile with every instruction builds, with the config and history docker writes', async () => {
  await build({ dockerfile: join(root, 'Dockerfile.base'), tags: ['test/onbase'] });
  const r = await build({ tags: ['test/every:1'], buildArgs: { GREETING: 'hey' } });
  firstId = r.id;
  const cfg = config(r.id);
  const c = cfg.config;
  assert.deepEqual(c.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP=/app', 'MSG=hello world']);
  assert.equal(c.WorkingDir, '/app');
  assert.equal(c.User, 'nobody');
  assert.deepEqual(c.ExposedPorts, { '8080/tcp': {}, '53/udp': {} });
  assert.deepEqual(c.Labels, { 'org.example.a': 'b', 'with space': 'yes' });
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'cat /app/greet.txt'], Interval: 5e9, Retries: 3 });
  assert.deepEqual(c.Shell, ['/bin/sh', '-c']);
  assert.deepEqual(c.OnBuild, ['RUN echo child']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(c.Cmd, ['cat greet.txt; id -u; pwd; echo $MSG']);
  assert.equal(cfg.author, 'someone');
  // One history entry per instruction of the final stage after busybox's own, empty_layer for metadata.
  assert.equal(cfg.history.filter((h) => !h.empty_layer).length, cfg.rootfs.diff_ids.length);
  assert.match(cfg.history.find((h) => h.created_by.startsWith('RUN |2'))!.created_by, /^RUN \|2 GREETING=hey TARGETARCH=amd64 \/bin\/sh -c echo/);
  assert.ok(cfg.history.find((h) => h.created_by.startsWith('ENV'))!.empty_layer);

  const fs = new MergedTree(cfg.rootfs.diff_ids.map((d) => store.layerDir(d)));
  const read = (p: string) => readFileSync(fs.hostPath(p), 'utf8');
  assert.equal(read('app/greet.txt'), 'hey hello world amd64\n', 'ARG from --build-arg, ENV and a platform ARG reach RUN');
  assert.equal(read('app/uid-at-build'), '0\n', 'RUN runs as the user of its time (root before USER)');
  assert.equal(read('app/hello.txt'), 'hello\n');
  assert.equal(fs.lstat('app/hello.txt')!.uid, 65534, '--chown=nobody through the image /etc/passwd');
  assert.equal(read('app/a.txt'), 'a\n', 'a directory source copies its contents');
  assert.equal(read('app/unpacked/d/f'), 'from the tar\n', 'ADD unpacks a local tar');
  assert.equal(read('app/built.txt'), 'built\n', 'COPY --from an earlier stage');
  assert.equal(read('app/onbuild.txt'), 'from-onbuild\n', "the base image's ONBUILD trigger ran in the stage FROM it");
  assert.equal(read('ctx/hello.txt'), 'hello\n');
  assert.equal(fs.lstat('ctx/secret.txt'), null, '.dockerignore excludes the file');
  assert.equal(fs.lstat('etc/group'), null, 'a file RUN removed is whited out');
  assert.equal(fs.lstat('etc/hosts'), null, 'the runtime mount targets are not in the layer');
  assert.ok(fs.lstat('data')!.isDirectory());
  assert.ok(out.join('').includes('Successfully tagged docker.io/test/every:1'));
});

test('a second build with nothing changed is all cache hits: same image, no new layer', async () => {
  const layers = layerCount();
  const r = await build({ tags: ['test/every:1'], buildArgs: { GREETING: 'hey' } });
  assert.equal(r.id, firstId);
  assert.equal(r.layersCreated, 0);
  assert.equal(r.cacheHits, r.steps - 2, 'every step but the two FROMs');
  assert.equal(layerCount(), layers);
  // A changed file misses from its COPY on.
  writeFileSync(join(ctx, 'hello.txt'), 'changed\n');
  const r2 = await build({ tags: ['test/every:2'], buildArgs: { GREETING: 'hey' } });
  assert.notEqual(r2.id, firstId);
  assert.ok(r2.layersCreated >= 1 && r2.cacheHits >= 5, JSON.stringify(r2));
  writeFileSync(join(ctx, 'hello.txt'), 'hello\n');
});

test('--target builds an earlier stage', async () => {
  const r = await build({ tags: ['test/every:build'], target: 'build' });
  const cfg = config(r.id);
  const fs = new MergedTree(cfg.rootfs.diff_ids.map((d) => store.layerDir(d)));
  assert.equal(readFileSync(fs.hostPath('built.txt'), 'utf8'), 'built\n');
  assert.equal(fs.lstat('app'), null);
});

test('bad input: an error naming the line, and no image or partial layer in the store', async () => {
  const cases: [string, string, RegExp][] = [
    ['FROM busybox\nRUN true\nFROBNICATE x\n', 'unknown', /Dockerfile:3: unknown instruction: FROBNICATE/],
    ['FROM busybox\nCOPY ../x /x\n', 'dots', /Dockerfile:2: COPY: forbidden path outside the build context: \.\.\/x/],
    ['FROM busybox\nCOPY /etc/passwd /x\n', 'abs', /Dockerfile:2: COPY: .*absolute source paths are outside the build context/],
    ['FROM busybox\nCOPY escape /x\n', 'link', /Dockerfile:2: COPY: escape: symlink escape -> \/etc points outside the build context/],
    ['FROM busybox\n\nADD evil.tar /x/\n', 'tar', /Dockerfile:3: ADD: evil\.tar: archive entry "\.\.\/evil" has a '\.\.' component/],
    ['FROM busybox\nRUN echo partial > /p && exit 3\n', 'run', /Dockerfile:2: RUN: process "\/bin\/sh -c echo partial > \/p && exit 3" did not complete successfully: exit code: 3/],
    ['FROM busybox\nENV A=${B\n', 'env', /Dockerfile:2: ENV: missing '}'/],
    ['FROM busybox\nCOPY --from=7 /a /b\n', 'from', /Dockerfile:2: COPY: invalid from flag value 7/],
  ];
  const bad = join(root, 'bad');
  writeContext(bad, '');
  const { symlinkSync } = await import('node:fs');
  symlinkSync('/etc', join(bad, 'escape'));
  const { TarWriter } = await import('../tar-writer.js');
  writeFileSync(join(bad, 'evil.tar'), new TarWriter().file('../evil', 'x').finish());
  for (const [df, name, re] of cases) {
    writeFileSync(join(bad, 'Dockerfile'), df);
    const images = JSON.stringify(await store.readIndex());
    const layers = layerCount();
    await assert.rejects(buildImage({ imagesRoot: join(root, 'images'), contextDir: bad, network: 'none', tags: [`test/bad-${name}`], out: () => undefined }), re, name);
    assert.equal(JSON.stringify(await store.readIndex()), images, `${name}: no image written`);
    assert.equal(layerCount(), layers, `${name}: no layer written`);
  }
  // Scratch space of builds is gone: only this test's store instance's own tmp dir remains.
  const tmp = readdirSync(join(root, 'images/tmp')).filter((d) => statSync(join(root, 'images/tmp', d)).isDirectory());
  for (const d of tmp) assert.deepEqual(readdirSync(join(root, 'images/tmp', d)).filter((x) => x !== 'containers'), [], 'no half-written layer left');
});

test('--network none: RUN sees loopback only', async () => {
  const dir = join(root, 'net');
  writeContext(dir, 'FROM busybox\nRUN ip -o link | cut -d: -f2 | tr -d " " > /links\n');
  const r = await build({ contextDir: dir, noCache: true });
  const cfg = config(r.id);
  const fs = new MergedTree(cfg.rootfs.diff_ids.map((d) => store.layerDir(d)));
  assert.equal(readFileSync(fs.hostPath('links'), 'utf8'), 'lo\n');
});
