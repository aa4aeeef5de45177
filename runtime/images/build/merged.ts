// A read-only view of an image's filesystem from its unpacked layer directories (overlayfs-native
// whiteouts), without mounting anything: the topmost layer holding a path wins, a 0/0 character
// device hides it, an opaque directory hides what lower layers have below it.
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { getXattr } from '../libc.js';

export interface FileTree {
  /** lstat of a path relative to the root ('' = the root), or null when absent. */
  lstat(rel: string): Stats | null;
  readdir(rel: string): string[];
  readlink(rel: string): string;
  /** The host path holding the file's content. */
  hostPath(rel: string): string;
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(path: string): boolean {
  try {
    return getXattr(path, 'trusted.overlay.opaque')?.toString() === 'y';
  } catch {
    return false;
  }
}

export class MergedTree implements FileTree {
  /** @param layers unpacked layer directories, lowest first */
  constructor(private readonly layers: string[]) {}

  /** Index of the layer that provides `rel`, or -1. */
  private find(rel: string): number {
    const parts = rel.split('/').filter(Boolean);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      // A whiteout or a non-directory at a parent in this layer hides everything below it.
      let hidden = false;
      let opaqueAbove = false;
      for (let n = 1; n < parts.length; n++) {
        const st = lstatOrNull(join(this.layers[i], ...parts.slice(0, n)));
        if (st && (isWhiteout(st) || !st.isDirectory())) { hidden = true; break; }
        if (st?.isDirectory() && isOpaque(join(this.layers[i], ...parts.slice(0, n)))) opaqueAbove = true;
      }
      if (hidden) return -1;
      const st = lstatOrNull(join(this.layers[i], ...parts));
      if (st) return isWhiteout(st) ? -1 : i;
      if (opaqueAbove) return -1;
    }
    return -1;
  }

  lstat(rel: string): Stats | null {
    const i = this.find(rel);
    return i < 0 ? null : lstatSync(join(this.layers[i], rel));
  }

  readdir(rel: string): string[] {
    const names = new Set<string>();
    const gone = new Set<string>();
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const dir = join(this.layers[i], rel);
      const st = lstatOrNull(dir);
      if (!st) continue;
      if (!st.isDirectory()) break;
      for (const n of readdirSync(dir)) {
        if (names.has(n) || gone.has(n)) continue;
        if (isWhiteout(lstatSync(join(dir, n)))) gone.add(n);
        else names.add(n);
      }
      if (isOpaque(dir)) break;
    }
    return [...names].sort();
  }

  readlink(rel: string): string {
    return readlinkSync(this.hostPath(rel));
  }

  hostPath(rel: string): string {
    const i = this.find(rel);
    if (i < 0) throw new Error(`${rel}: no such file`);
    return join(this.layers[i], rel);
  }
}

/** A plain directory (the build context). */
export class DirTree implements FileTree {
  constructor(readonly root: string) {}
  lstat(rel: string): Stats | null { return lstatOrNull(join(this.root, rel)); }
  readdir(rel: string): string[] { return readdirSync(join(this.root, rel)).sort(); }
  readlink(rel: string): string { return readlinkSync(join(this.root, rel)); }
  hostPath(rel: string): string { return join(this.root, rel); }
}

export function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}
