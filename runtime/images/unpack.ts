// Unpacks one uncompressed layer tar into a directory in overlayfs-native form, so the directory
// can be used as an overlay lowerdir as is: `.wh.<name>` becomes a 0/0 character device and
// `.wh..wh..opq` the `trusted.overlay.opaque=y` xattr on its directory.
//
// Safety: entry names with `..` are rejected; nothing is ever written through a symlink (every
// parent component is lstat'ed); relative symlinks may not climb above the layer root (absolute
// targets are kept: they are resolved inside the container's root, never during unpack); hardlinks
// must point at an entry already in this layer; device nodes need allowDevices. The caller unpacks
// into a fresh temporary directory and deletes it on error, so a rejected layer leaves nothing.
import { lstat, mkdir, open, symlink, link, lchown, chmod, lutimes, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readTar, type TarEntry } from './tar-reader.js';
import { mknodDevice, mkfifo, setXattr } from './libc.js';
import { UnsafeLayerError } from './types.js';

export interface UnpackOptions {
  /** Allow character/block device nodes (privileged images only). */
  allowDevices?: boolean;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
/** Only these xattrs are taken from a layer; trusted.* would let a layer forge overlay metadata. */
const ALLOWED_XATTR = (name: string) => name === 'security.capability' || name.startsWith('user.');

/** Splits an archive path into clean components; a leading '/' means the layer root (as docker). */
export function cleanPath(name: string): string[] {
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') throw new UnsafeLayerError(name, "path contains a '..' component");
    parts.push(p);
  }
  return parts;
}

/** Whether a relative symlink target, seen from the link's directory, stays inside the root. */
function relativeLinkStaysInside(linkParts: string[], target: string): boolean {
  let depth = linkParts.length - 1;
  for (const p of target.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') { depth--; if (depth < 0) return false; } else depth++;
  }
  return true;
}

/** Creates missing parent directories and refuses to go through a symlink or a non-directory. */
async function ensureParents(root: string, parts: string[], entryName: string): Promise<string> {
  let cur = root;
  for (const p of parts) {
    cur = join(cur, p);
    const st = await lstat(cur).catch(() => null);
    if (!st) { await mkdir(cur, { mode: 0o755 }); continue; }
    if (st.isSymbolicLink()) throw new UnsafeLayerError(entryName, `path goes through the symlink ${JSON.stringify(parts.join('/'))}`);
    if (!st.isDirectory()) throw new UnsafeLayerError(entryName, `parent ${JSON.stringify(p)} is not a directory`);
  }
  return cur;
}

interface DirMeta { path: string; mode: number; uid: number; gid: number; mtime: number }

export async function unpackLayer(data: AsyncIterable<Buffer>, root: string, opts: UnpackOptions = {}): Promise<void> {
  await mkdir(root, { recursive: true });
  const dirs: DirMeta[] = [];
  for await (const e of readTar(data)) {
    const parts = cleanPath(e.name);
    if (parts.length === 0) {
      if (e.type === 'dir') dirs.push({ path: root, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime });
      continue;
    }
    const base = parts[parts.length - 1];
    const parent = await ensureParents(root, parts.slice(0, -1), e.name);

    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base === OPAQUE_MARKER) setXattr(parent, 'trusted.overlay.opaque', Buffer.from('y'));
      else if (!base.startsWith('.wh..wh.')) {
        // Other .wh..wh.* names are aufs bookkeeping and mean nothing to overlayfs.
        const name = base.slice(WHITEOUT_PREFIX.length);
        // `.wh..` / `.wh...` would name the directory itself or its parent.
        if (name === '' || name === '.' || name === '..') throw new UnsafeLayerError(e.name, 'whiteout of an invalid name');
        const target = join(parent, name);
        await rm(target, { recursive: true, force: true });
        mknodDevice(target, 'char', 0, 0, 0);
      }
      continue;
    }

    const dest = join(parent, base);
    const existing = await lstat(dest).catch(() => null);
    if (existing && !(existing.isDirectory() && e.type === 'dir')) await rm(dest, { recursive: true, force: true });

    switch (e.type) {
      case 'dir':
        if (!existing || !existing.isDirectory()) await mkdir(dest, { mode: 0o700 });
        dirs.push({ path: dest, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime });
        applyXattrs(dest, e);
        continue; // mode and times are applied at the end, so read-only dirs still take children
      case 'file': {
        // 'wx' = O_CREAT|O_EXCL: never follows a symlink at the final component.
        const fh = await open(dest, 'wx', 0o600);
        try {
          for await (const chunk of e.body()) await fh.write(chunk);
        } finally {
          await fh.close();
        }
        break;
      }
      case 'symlink':
        if (!e.linkname) throw new UnsafeLayerError(e.name, 'symlink with an empty target');
        if (!e.linkname.startsWith('/') && !relativeLinkStaysInside(parts, e.linkname)) {
          throw new UnsafeLayerError(e.name, `symlink target ${JSON.stringify(e.linkname)} escapes the layer root`);
        }
        await symlink(e.linkname, dest);
        break;
      case 'link': {
        const tparts = cleanPath(e.linkname);
        if (tparts.length === 0) throw new UnsafeLayerError(e.name, 'hardlink to the layer root');
        const tparent = await ensureExistingParents(root, tparts.slice(0, -1), e.name);
        const target = join(tparent, tparts[tparts.length - 1]);
        const tst = await lstat(target).catch(() => null);
        if (!tst) throw new UnsafeLayerError(e.name, `hardlink target ${JSON.stringify(e.linkname)} is not in this layer`);
        if (tst.isDirectory()) throw new UnsafeLayerError(e.name, 'hardlink to a directory');
        await link(target, dest);
        continue; // a hardlink shares the target's metadata
      }
      case 'chardev':
      case 'blockdev':
        if (!opts.allowDevices) throw new UnsafeLayerError(e.name, 'device nodes are not allowed in unprivileged images');
        mknodDevice(dest, e.type === 'chardev' ? 'char' : 'block', e.mode, e.devmajor, e.devminor);
        break;
      case 'fifo':
        mkfifo(dest, e.mode);
        break;
    }
    await lchown(dest, e.uid, e.gid);
    // chmod after chown: chown clears setuid/setgid bits.
    if (e.type !== 'symlink') await chmod(dest, e.mode);
    applyXattrs(dest, e);
    await lutimes(dest, e.mtime, e.mtime);
  }
  // Deepest first, so setting a parent's mtime is not undone by touching a child.
  for (const d of dirs.reverse()) {
    await lchown(d.path, d.uid, d.gid);
    await chmod(d.path, d.mode);
    await lutimes(d.path, d.mtime, d.mtime);
  }
}

/** Like ensureParents but for a hardlink target: everything must already exist, no symlinks. */
async function ensureExistingParents(root: string, parts: string[], entryName: string): Promise<string> {
  let cur = root;
  for (const p of parts) {
    cur = join(cur, p);
    const st = await lstat(cur).catch(() => null);
    if (!st) throw new UnsafeLayerError(entryName, 'hardlink target is not in this layer');
    if (!st.isDirectory()) throw new UnsafeLayerError(entryName, `hardlink target path goes through ${JSON.stringify(p)}, not a directory`);
  }
  return cur;
}

function applyXattrs(path: string, e: TarEntry): void {
  for (const [name, value] of Object.entries(e.xattrs)) {
    if (ALLOWED_XATTR(name)) setXattr(path, name, value);
  }
}

