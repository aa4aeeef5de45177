// commit (overlay whiteouts → `.wh.` files), export (merged rootfs), save/load round trips in both
// archive formats, import of a rootfs tarball, and bad input: hostile layers in an archive and a
// registry answering garbage or the wrong digest — each a clear error with nothing left in the store.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createReadStream, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TarWriter } from './tar-writer.js';
import { readTar } from './tar-reader.js';
import { dockerArchive } from '../../testing/runtime-images.js';
import { createImageService } from './service.js';
import { ImageStore } from './store.js';
import { commitLayer, exportRootfs, importRootfs } from './commit.js';
import { saveImages } from './save.js';
import { exportImage } from './export-image.js';
import { findImage } from './service.js';
import { getXattr, mknodDevice, setXattr } from './libc.js';
import { RegistryClient } from './registry.js';
import { pullImage } from './pull.js';

const work = mkdtempSync(join(tmpdir(), 'tkt-image-ops-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function entriesOf(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of readTar(createReadStream(path))) {
    let body = '';
    if (e.type === 'file') for await (const c of e.body()) body += c.toString();
    out.set(e.name.replace(/\/$/, ''), e.type === 'file' ? `file:${body}` : e.type === 'symlink' ? `symlink:${e.linkname}` : e.type);
  }
  return out;
}

async function baseStore(name: string) {
  const root = join(work, name);
  const svc = await createImageService({ root });
  const archive = join(work, `${name}-base.tar`);
  const layer = new TarWriter().dir('etc').file('etc/keep', 'keep\n').file('gone', 'old\n').dir('opq').file('opq/old', 'old\n').symlink('lnk', '/etc/keep').finish();
  writeFileSync(archive, dockerArchive([{ layers: [layer], repoTags: ['localhost/base:v1'], config: { Cmd: ['sh'] } }]));
  await svc.loadArchive(archive);
  const store = new ImageStore(root);
  await store.init();
  return { root, svc, store };
}

test('commit: the upper dir becomes a layer, whiteouts as .wh. files; export flattens', async () => {
  const { svc, store } = await baseStore('commit');
  const upper = join(work, 'upper');
  mkdirSync(join(upper, 'opq'), { recursive: true });
  writeFileSync(join(upper, 'new.txt'), 'new\n');
  writeFileSync(join(upper, 'opq', 'fresh'), 'fresh\n');
  mknodDevice(join(upper, 'gone'), 'char', 0, 0, 0);
  setXattr(join(upper, 'opq'), 'trusted.overlay.opaque', Buffer.from('y'));
  const rec = await commitLayer(store, 'localhost/base:v1', upper, 'localhost/committed:v1', { author: 'me', message: 'm' });
  assert.equal(rec.layers.length, 2);
  assert.deepEqual(rec.repoTags, ['localhost/committed:v1']);
  const r = await svc.resolve('localhost/committed:v1');
  assert.deepEqual(r.config.Cmd, ['sh'], 'config carried over');
  const top = r.layers[1];
  assert.ok(lstatSync(join(top, 'gone')).isCharacterDevice(), 'whiteout unpacked overlay-native');
  assert.equal(getXattr(join(top, 'opq'), 'trusted.overlay.opaque')?.toString(), 'y');
  // The layer as it leaves the store again: OCI whiteout files, and the same diffID.
  const ex = await exportImage(store, findImage(await store.readIndex(), 'localhost/committed:v1')!);
  try {
    assert.equal(ex.layers[1].diffID, rec.layers[1], 'a committed layer re-tars to its own diffID');
    const e = await entriesOf(ex.layers[1].path);
    assert.equal(e.get('.wh.gone'), 'file:');
    assert.equal(e.get('opq/.wh..wh..opq'), 'file:');
    assert.equal(e.get('new.txt'), 'file:new\n');
    // (The base layer came from another tar writer: its re-tar differs, so the config written out is rewritten.)
    const cfg = JSON.parse(ex.config.toString()) as { author: string; history: { comment?: string }[]; rootfs: { diff_ids: string[] } };
    assert.deepEqual(cfg.rootfs.diff_ids, ex.layers.map((l) => l.diffID));
    assert.equal(cfg.author, 'me');
    assert.equal(cfg.history.at(-1)?.comment, 'm');
  } finally {
    await ex.cleanup();
  }
  // Flattened: the whiteout hides `gone`, the opaque dir hides opq/old.
  const out = join(work, 'rootfs.tar');
  await exportRootfs([upper, ...[...r.layers].reverse()], out);
  const e = await entriesOf(out);
  assert.deepEqual([...e.keys()].sort(), ['etc', 'etc/keep', 'lnk', 'new.txt', 'opq', 'opq/fresh']);
  assert.equal(e.get('lnk'), 'symlink:/etc/keep');
  assert.equal(e.get('opq/fresh'), 'file:fresh\n');
});

test('save and load round trip (docker-archive, oci-archive); import of a rootfs tarball', async () => {
  const { store } = await baseStore('save');
  for (const format of ['docker-archive', 'oci-archive'] as const) {
    const file = join(work, `saved-${format}.tar`);
    await saveImages(store, ['localhost/base:v1'], file, format);
    const other = await createImageService({ root: join(work, `load-${format}`) });
    const [loaded] = await other.loadArchive(file);
    assert.deepEqual(loaded.repoTags, ['localhost/base:v1']);
    const r = await other.resolve('localhost/base:v1');
    assert.equal(readFileSync(join(r.layers[0], 'etc/keep'), 'utf8'), 'keep\n');
    assert.deepEqual(r.config.Cmd, ['sh']);
  }
  await assert.rejects(saveImages(store, ['nothere:v1'], join(work, 'x.tar'), 'docker-archive'), /image not found: nothere:v1/);
  assert.ok(!readdirSync(work).includes('x.tar'), 'no half-written archive');

  const tgz = join(work, 'rootfs.tgz');
  writeFileSync(tgz, gzipSync(new TarWriter().dir('bin').file('bin/hi', 'hi\n', { mode: 0o755 }).finish()));
  const rec = await importRootfs(store, tgz, 'localhost/imported:v1');
  const svc = await createImageService({ root: join(work, 'save') });
  const r = await svc.resolve('localhost/imported:v1');
  assert.equal(rec.layers.length, 1);
  assert.equal(readFileSync(join(r.layers[0], 'bin/hi'), 'utf8'), 'hi\n');
});

test('hostile archives are refused and nothing is kept', async () => {
  const root = join(work, 'hostile');
  const svc = await createImageService({ root });
  const layers: [string, Buffer][] = [
    ['dotdot', new TarWriter().file('../evil', 'x').finish()],
    ['escaping symlink', new TarWriter().symlink('up', '../../..').finish()],
    ['write through a symlink', new TarWriter().symlink('etc', '/etc').file('etc/evil', 'x').finish()],
    ['device node', new TarWriter().chardev('dev/sda', 8, 0).finish()],
  ];
  for (const [what, layer] of layers) {
    const file = join(work, `hostile-${what.replace(/ /g, '-')}.tar`);
    writeFileSync(file, dockerArchive([{ layers: [layer], repoTags: ['localhost/evil:v1'] }]));
    await assert.rejects(svc.loadArchive(file), /unsafe layer entry/, what);
  }
  assert.deepEqual(await svc.listImages(), []);
  assert.deepEqual(readdirSync(join(root, 'layers', 'sha256')), []);
});

test('a registry answering garbage or the wrong digest: clear errors, nothing kept', async () => {
  let mode = 'garbage';
  const server: Server = createServer((req, res) => {
    if (req.url === '/v2/') { res.end('{}'); return; }
    if (mode === 'garbage') { res.setHeader('content-type', 'text/html'); res.end('<html>hello</html>'); return; }
    const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: `sha256:${'a'.repeat(64)}`, size: 2 }, layers: [] });
    res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
    res.setHeader('docker-content-digest', `sha256:${'b'.repeat(64)}`);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const root = join(work, 'garbage');
    const store = new ImageStore(root);
    await store.init();
    const client = new RegistryClient();
    await assert.rejects(pullImage(store, client, `${host}/a/b:v1`), /a\/b:v1: the registry's manifest is not JSON/);
    mode = 'digest';
    await assert.rejects(pullImage(store, client, `${host}/a/b:v1`), /manifest digest mismatch: registry says sha256:b{64}/);
    assert.deepEqual(await store.readIndex(), []);
    assert.deepEqual(readdirSync(join(root, 'blobs', 'sha256')), []);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
