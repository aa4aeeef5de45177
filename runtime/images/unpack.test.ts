// Layer unpacking on the real filesystem and kernel: overlayfs-native whiteouts checked by
// mounting an overlay of the layers, and malicious layers rejected without leftovers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { TarWriter } from './tar-writer.js';
import { ImageStore, sha256 } from './store.js';
import { getXattr } from './libc.js';
import { UnsafeLayerError } from './types.js';

const work = mkdtempSync(join(tmpdir(), 'tkt-unpack-'));
after(() => {
  try { execFileSync('umount', [join(work, 'mnt')], { stdio: 'ignore' }); } catch { /* not mounted */ }
  rmSync(work, { recursive: true, force: true });
});

async function newStore(name: string): Promise<ImageStore> {
  const s = new ImageStore(join(work, name));
  await s.init();
  return s;
}

async function add(store: ImageStore, tar: Buffer, allowDevices = false): Promise<string> {
  const diffID = sha256(tar);
  await store.addLayer(diffID, () => Promise.resolve(Readable.from([tar])), { allowDevices });
  return store.layerDir(diffID);
}

function storeIsEmpty(store: ImageStore): void {
  assert.deepEqual(readdirSync(join(store.root, 'layers', 'sha256')), [], 'no layer left behind');
  assert.deepEqual(readdirSync(store.tmpDir), [], 'no scratch dir left behind');
}

test('files, modes, owners, symlinks, hardlinks and whiteouts unpack in overlayfs form', async () => {
  const store = await newStore('s1');
  const lower = await add(store, new TarWriter()
    .dir('etc').file('etc/a', 'A').file('etc/b', 'B', { mode: 0o600, uid: 1000, gid: 2000 })
    .dir('opt').file('opt/x', 'X').file('opt/y', 'Y')
    .file('bin/tool', '#!/bin/sh\n', { mode: 0o4755 }) // parent created implicitly
    .symlink('bin/link', 'tool').hardlink('bin/hard', 'bin/tool')
    .dir('ro', { mode: 0o555 }).file('ro/inside', 'I')
    .fifo('run-fifo')
    .finish());
  assert.equal(readFileSync(join(lower, 'etc/b'), 'utf8'), 'B');
  const b = statSync(join(lower, 'etc/b'));
  assert.deepEqual([b.mode & 0o7777, b.uid, b.gid], [0o600, 1000, 2000]);
  assert.equal(statSync(join(lower, 'bin/tool')).mode & 0o7777, 0o4755, 'setuid survives chown');
  assert.equal(readlinkSync(join(lower, 'bin/link')), 'tool');
  assert.equal(statSync(join(lower, 'bin/hard')).ino, statSync(join(lower, 'bin/tool')).ino);
  assert.equal(statSync(join(lower, 'ro')).mode & 0o777, 0o555);
  assert.ok(lstatSync(join(lower, 'run-fifo')).isFIFO());

  const upper = await add(store, new TarWriter()
    .dir('etc').file('etc/.wh.a', '').file('etc/c', 'C')
    .dir('opt').file('opt/.wh..wh..opq', '').file('opt/z', 'Z')
    .finish());
  const wh = lstatSync(join(upper, 'etc/a'));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'whiteout is a 0/0 char device');
  assert.equal(getXattr(join(upper, 'opt'), 'trusted.overlay.opaque')?.toString(), 'y');
  assert.ok(!existsSync(join(upper, 'opt/.wh..wh..opq')));

  const mnt = join(work, 'mnt');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${upper}:${lower}`, mnt]);
  try {
    assert.deepEqual(readdirSync(join(mnt, 'etc')).sort(), ['b', 'c']);
    assert.deepEqual(readdirSync(join(mnt, 'opt')), ['z']);
    assert.equal(readFileSync(join(mnt, 'bin/tool'), 'utf8'), '#!/bin/sh\n');
  } finally {
    execFileSync('umount', [mnt]);
  }
});

test('a later entry of the same name replaces the earlier one', async () => {
  const store = await newStore('s2');
  const dir = await add(store, new TarWriter().file('f', 'one').file('f', 'two').symlink('l', 'f').file('l', 'plain').finish());
  assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'two');
  assert.ok(lstatSync(join(dir, 'l')).isFile());
});

const outside = join(work, 'outside');
mkdirSync(outside);

const malicious: [string, () => Buffer, RegExp][] = [
  ['path traversal', () => new TarWriter().file('ok', 'x').file('../../outside/x', 'pwned').finish(), /'\.\.' component/],
  ['write through an absolute symlink', () => new TarWriter().symlink('evil', outside).file('evil/pwned', 'x').finish(), /through the symlink/],
  ['write through a relative symlink', () => new TarWriter().dir('d').symlink('d/up', '.').file('d/up/x', 'x').finish(), /through the symlink/],
  ['relative symlink escaping the root', () => new TarWriter().dir('a').symlink('a/s', '../../outside').finish(), /escapes the layer root/],
  ['hardlink out of the root', () => new TarWriter().hardlink('h', '../../../etc/passwd').finish(), /'\.\.' component/],
  ['hardlink to a host absolute path', () => new TarWriter().hardlink('h', '/etc/passwd').finish(), /not in this layer/],
  ['hardlink through a symlink', () => new TarWriter().symlink('etc', '/etc').hardlink('h', 'etc/passwd').finish(), /not a directory/],
  ['whiteout naming the parent directory', () => new TarWriter().file('keep', 'k').file('.wh...', '').finish(), /whiteout of an invalid name/],
  ['device node', () => new TarWriter().dir('dev').chardev('dev/sda', 8, 0).finish(), /device nodes are not allowed/],
];

for (const [name, build, message] of malicious) {
  test(`malicious layer rejected: ${name}`, async () => {
    const store = await newStore(`m-${name.replace(/\W+/g, '-')}`);
    await assert.rejects(add(store, build()), (e: Error) => {
      assert.ok(e instanceof UnsafeLayerError, `UnsafeLayerError, got ${e}`);
      assert.match(e.message, message);
      return true;
    });
    storeIsEmpty(store);
    assert.deepEqual(readdirSync(outside), [], 'nothing written outside');
  });
}

test('device nodes are allowed for privileged stores', async () => {
  const store = await newStore('priv');
  const dir = await add(store, new TarWriter().dir('dev').chardev('dev/null', 1, 3, { mode: 0o666 }).finish(), true);
  const st = lstatSync(join(dir, 'dev/null'));
  assert.ok(st.isCharacterDevice());
  assert.equal(st.rdev, (1 << 8) | 3);
});

test('a layer whose content does not match its diffID is rejected and removed', async () => {
  const store = await newStore('mismatch');
  const tar = new TarWriter().file('a', 'x').finish();
  await assert.rejects(
    store.addLayer(sha256('something else'), () => Promise.resolve(Readable.from([tar]))),
    /diffID mismatch/,
  );
  storeIsEmpty(store);
});
