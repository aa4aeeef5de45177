// Writes a directory tree as a tar stream, deterministically (names sorted, mtimes in whole
// seconds, hardlinks by inode within the tree), in two modes:
//  - one layer (an unpacked store layer or a container's overlay upper dir): overlayfs-native
//    whiteouts become OCI/Docker whiteout files again — a 0/0 character device `x` → `.wh.x`,
//    `trusted.overlay.opaque=y` on a dir → `.wh..wh..opq` inside it;
//  - merged (several layers, top first, as overlayfs would show them): whiteouts hide what is
//    below, opaque dirs hide their lower contents, nothing of the whiteouts is written.
// Nothing is ever followed: symlinks are written as links.
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Pack } from 'tar-stream';
import { readlink } from 'node:fs/promises';
import { getXattr } from './libc.js';
import { packTo } from './pack-to.js';

const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Whiteout markers carry no time of their own: a fixed one keeps a re-tarred layer's digest. */
const EPOCH = new Date(0);

export interface TreeTarOptions {
  /** Top layer first. With `whiteouts`, exactly one directory. */
  layers: string[];
  /** Write overlay whiteouts as `.wh.` files (a layer diff) rather than applying them (merged). */
  whiteouts: boolean;
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(path: string): boolean {
  const v = getXattr(path, OPAQUE_XATTR);
  return v !== null && v.toString() === 'y';
}

interface Found { path: string; st: Stats }

/** Streams the tar of the tree into `out` (which is ended). */
export async function writeTreeTar(opts: TreeTarOptions, out: Writable): Promise<void> {
  if (opts.whiteouts && opts.layers.length !== 1) throw new Error('a layer diff is written from exactly one directory');
  await packTo(out, (p) => walk(p, '', opts.layers, opts.whiteouts, new Map()));
}

async function walk(p: Pack, rel: string, dirs: string[], whiteouts: boolean, inodes: Map<string, string>): Promise<void> {
  // The top-most entry of each name wins; below a directory, the same name's directories in
  // lower layers merge into it until a non-directory (or whiteout) closes the run; an opaque
  // dir hides everything below it (the recursion stops at it).
  const found = new Map<string, { hits: Found[]; closed: boolean }>();
  for (const dir of dirs) {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const st = await lstat(path);
      const f = found.get(name);
      if (!f) { found.set(name, { hits: [{ path, st }], closed: !st.isDirectory() }); continue; }
      if (f.closed) continue;
      if (st.isDirectory()) f.hits.push({ path, st }); else f.closed = true;
    }
    if (!whiteouts && isOpaque(dir)) break;
  }
  for (const name of [...found.keys()].sort()) {
    const hits = found.get(name)!.hits;
    const top = hits[0];
    const name2 = rel ? `${rel}/${name}` : name;
    if (isWhiteout(top.st)) {
      if (whiteouts) await entry(p, { name: `${rel ? `${rel}/` : ''}.wh.${name}`, type: 'file', mode: 0o644, size: 0, mtime: EPOCH });
      continue;
    }
    const base = { mode: top.st.mode & 0o7777, uid: top.st.uid, gid: top.st.gid, mtime: new Date(Math.floor(top.st.mtimeMs / 1000) * 1000) };
    if (top.st.isDirectory()) {
      await entry(p, { ...base, name: `${name2}/`, type: 'directory' });
      if (whiteouts && isOpaque(top.path)) await entry(p, { name: `${name2}/.wh..wh..opq`, type: 'file', mode: 0o644, size: 0, mtime: EPOCH });
      await walk(p, name2, hits.map((h) => h.path), whiteouts, inodes);
    } else if (top.st.isSymbolicLink()) {
      await entry(p, { ...base, name: name2, type: 'symlink', linkname: await readlink(top.path) });
    } else if (top.st.isFile()) {
      const key = `${top.st.dev}:${top.st.ino}`;
      const first = top.st.nlink > 1 ? inodes.get(key) : undefined;
      if (first) { await entry(p, { ...base, name: name2, type: 'link', linkname: first }); continue; }
      if (top.st.nlink > 1) inodes.set(key, name2);
      const sink = p.entry({ ...base, name: name2, type: 'file', size: top.st.size });
      await pipeline(createReadStream(top.path), sink);
    } else if (top.st.isFIFO()) {
      await entry(p, { ...base, name: name2, type: 'fifo' });
    } else if (top.st.isCharacterDevice() || top.st.isBlockDevice()) {
      const rdev = top.st.rdev;
      const devmajor = ((rdev >> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff;
      const devminor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
      await entry(p, { ...base, name: name2, type: top.st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor, devminor });
    }
    // Sockets are not archived (as tar and docker).
  }
}

function entry(p: Pack, h: Parameters<Pack['entry']>[0]): Promise<void> {
  return new Promise((resolve, reject) => { p.entry(h, '', (err) => (err ? reject(err) : resolve())); });
}
