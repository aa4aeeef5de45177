// Layer tars the builder makes: from a list of entries (COPY/ADD) or from a RUN container's
// overlayfs upper directory (whiteouts → `.wh.<name>`, opaque directories → `.wh..wh..opq`).
// Deterministic: the same files give the same bytes, so the same diffID.
import { createReadStream, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack, type Header } from 'tar-stream';
import { getXattr } from '../libc.js';
import type { FileTree } from './merged.js';

export interface LayerEntry {
  /** Path in the layer, no leading '/'. */
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname?: string;
  /** Content of a file: a host path to read, or the bytes. */
  path?: string;
  data?: Buffer;
  size?: number;
}

/** The tar stream of `entries`, in their order. */
export function layerTar(entries: LayerEntry[]): AsyncIterable<Buffer> {
  const p = pack();
  const produce = async () => {
    for (const e of entries) {
      const h: Header = { name: e.type === 'directory' ? `${e.name}/` : e.name, type: e.type, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: new Date(e.mtime * 1000), size: 0, linkname: e.linkname ?? '', uname: '', gname: '', devmajor: 0, devminor: 0 };
      if (e.type === 'file') {
        if (e.data) {
          await new Promise<void>((res, rej) => p.entry({ ...h, size: e.data!.length }, e.data!, (err) => (err ? rej(err) : res())));
        } else {
          const size = e.size ?? lstatSync(e.path!).size;
          await pipeline(createReadStream(e.path!), p.entry({ ...h, size }));
        }
      } else {
        await new Promise<void>((res, rej) => p.entry({ ...h, size: 0 }, (err) => (err ? rej(err) : res())));
      }
    }
    p.finalize();
  };
  produce().catch((e: unknown) => p.destroy(e as Error));
  return p as AsyncIterable<Buffer>;
}

/** Every entry of an unpacked layer directory as is (the layer's tar made again). */
export function layerDirEntries(dir: string): LayerEntry[] {
  return upperDirEntries(dir);
}

/** Orders entries as a directory walk does (parents first, siblings sorted), so a layer tar
 *  made again from the unpacked layer has the same bytes. */
export function walkOrder(entries: LayerEntry[]): LayerEntry[] {
  const cmp = (a: string[], b: string[]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length - b.length;
  };
  // A whiteout sorts by the name it hides, as the walk meets the 0/0 device of that name.
  // The opaque marker comes right after its directory, before any child.
  const key = (e: LayerEntry) => e.name.split('/').map((p) => (p === '.wh..wh..opq' ? '' : p.startsWith('.wh.') ? p.slice(4) : p));
  return [...entries].sort((x, y) => cmp(key(x), key(y)));
}

/** Paths the runtime creates as mount targets in a container's root: not part of a RUN's result. */
const MOUNT_STUBS = new Set(['etc/hosts', 'etc/resolv.conf', 'etc/hostname', 'proc', 'sys', 'dev', 'run/secrets']);

function sameOwnerAndMode(a: Stats, b: Stats): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}

/**
 * The entries of a RUN's upper directory, as a layer: what the command changed over `lower`.
 * Directories overlayfs only copied up (same owner and mode, nothing changed below) and the
 * runtime's mount targets that the image did not have are left out.
 */
export function upperDirEntries(upper: string, lower?: FileTree): LayerEntry[] {
  const inodes = new Map<string, string>();
  const walk = (rel: string): LayerEntry[] => {
    const out: LayerEntry[] = [];
    for (const name of readdirSync(join(upper, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const host = join(upper, r);
      const st = lstatSync(host);
      const below = lower ? lower.lstat(r) : null;
      if (lower && MOUNT_STUBS.has(r) && !below) continue;
      const base = { mode: st.mode, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
      if (st.isCharacterDevice() && st.rdev === 0) {
        if (below || !lower) out.push({ ...base, name: rel ? `${rel}/.wh.${name}` : `.wh.${name}`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, data: Buffer.alloc(0) });
      } else if (st.isDirectory()) {
        const opaque = getXattr(host, 'trusted.overlay.opaque')?.toString() === 'y';
        const children = walk(r);
        const changed = !lower || !below || !below.isDirectory() || !sameOwnerAndMode(st, below) || opaque;
        if (changed || children.length) {
          out.push({ ...base, name: r, type: 'directory' });
          if (opaque) out.push({ name: `${r}/.wh..wh..opq`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, data: Buffer.alloc(0) });
          out.push(...children);
        }
      } else if (st.isSymbolicLink()) {
        out.push({ ...base, name: r, type: 'symlink', linkname: readlinkSync(host) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? inodes.get(key) : undefined;
        if (first) out.push({ ...base, name: r, type: 'link', linkname: first });
        else {
          if (st.nlink > 1) inodes.set(key, r);
          out.push({ ...base, name: r, type: 'file', path: host, size: st.size });
        }
      } else if (st.isFIFO()) {
        out.push({ ...base, name: r, type: 'fifo' });
      } else if (st.isSocket()) {
        continue; // sockets are not kept in images (as docker)
      } else {
        throw new Error(`${r}: device nodes are not allowed in image layers`);
      }
    }
    return out;
  };
  return walk('');
}
