// COPY and ADD: which files of the context (or of an earlier stage) go where, as layer entries,
// plus the digest of what was copied (content and metadata) for the cache key. Sources never
// leave their root: `..` above it, absolute sources and symlinks pointing outside the context
// are errors; ADD of a local tar unpacks it, refusing `..`, absolute names and device nodes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { readTar } from '../tar-reader.js';
import type { DockerIgnore } from './dockerignore.js';
import type { LayerEntry } from './layer-tar.js';
import type { FileTree } from './merged.js';

export class CopyError extends Error {}

export interface CopyRequest {
  /** Where sources are read: the context, or a stage's / image's files. */
  src: FileTree;
  /** The context: escaping symlinks and absolute sources are errors (a stage's are resolved inside it). */
  isContext: boolean;
  sources: string[];
  dest: string;
  workdir: string;
  /** The image so far: whether dest is a directory, and the metadata of existing parents. */
  target: FileTree;
  chown?: { uid: number; gid: number };
  chmod?: number;
  ignore?: DockerIgnore;
  /** ADD: local tar archives are unpacked at dest. */
  extractArchives: boolean;
}

export interface CopyPlan {
  entries: LayerEntry[];
  /** sha256 over names, modes, owners, link targets and file contents (not mtimes). */
  digest: string;
}

const MAX_SYMLINKS = 40;

/** Resolves a source path inside its root, following symlinks (docker's FollowSymlinkInScope). */
export function resolveInRoot(tree: FileTree, path: string, isContext: boolean): string {
  if (isContext && path.startsWith('/')) throw new CopyError(`${path}: absolute source paths are outside the build context`);
  const todo = path.split('/').filter((p) => p && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length) {
    const p = todo.shift()!;
    if (p === '..') {
      if (!done.length) {
        if (isContext) throw new CopyError(`forbidden path outside the build context: ${path}`);
        continue;
      }
      done.pop();
      continue;
    }
    const rel = [...done, p].join('/');
    const st = tree.lstat(rel);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw new CopyError(`${path}: too many levels of symbolic links`);
      const target = tree.readlink(rel);
      if (target.startsWith('/')) {
        if (isContext) throw new CopyError(`${path}: symlink ${rel} -> ${target} points outside the build context`);
        done.length = 0;
      } else if (isContext && climbs(done, target)) {
        throw new CopyError(`${path}: symlink ${rel} -> ${target} points outside the build context`);
      }
      todo.unshift(...target.split('/').filter((x) => x && x !== '.'));
      continue;
    }
    done.push(p);
  }
  return done.join('/');
}

function climbs(base: string[], target: string): boolean {
  let depth = base.length;
  for (const p of target.split('/')) {
    if (p === '..') { if (--depth < 0) return true; } else if (p && p !== '.') depth++;
  }
  return false;
}

const GLOB = /[*?[]/;

function globToRegExp(g: string): RegExp {
  return new RegExp(`^${g.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
}

/** The sources after wildcard expansion (in the last path element), each resolved in its root. */
function expandSources(req: CopyRequest): string[] {
  const out: string[] = [];
  for (const s of req.sources) {
    const base = posix.basename(s);
    if (GLOB.test(base)) {
      const dir = resolveInRoot(req.src, posix.dirname(s), req.isContext);
      const re = globToRegExp(base);
      const hits = req.src.readdir(dir).filter((n) => re.test(n)).map((n) => (dir ? `${dir}/${n}` : n))
        .filter((r) => !(req.isContext && req.ignore?.ignores(r)));
      if (!hits.length) throw new CopyError(`no source files were specified matching ${s}`);
      out.push(...hits.map((h) => resolveInRoot(req.src, h, req.isContext)));
    } else {
      const r = resolveInRoot(req.src, s, req.isContext);
      if (!req.src.lstat(r) || (req.isContext && r && req.ignore?.ignores(r))) throw new CopyError(`${s}: not found`);
      out.push(r);
    }
  }
  return out;
}

export function isTarArchive(head: Buffer): 'gzip' | 'tar' | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return null;
}

export async function planCopy(req: CopyRequest): Promise<CopyPlan> {
  const sources = expandSources(req);
  let dest = req.dest.startsWith('/') ? req.dest : posix.join(req.workdir || '/', req.dest);
  const destIsDir = req.dest.endsWith('/') || req.dest.endsWith('/.') || sources.length > 1 ||
    !!req.target.lstat(posix.normalize(dest).slice(1))?.isDirectory();
  if (sources.length > 1 && !req.dest.endsWith('/')) throw new CopyError('When using COPY with more than one source file, the destination must be a directory and end with a /');
  dest = posix.normalize(dest).replace(/^\/+|\/+$/g, '');
  const entries = new Map<string, LayerEntry>();
  const hash = createHash('sha256');
  const own = (st: { uid: number; gid: number }) => req.chown ?? (req.isContext ? { uid: 0, gid: 0 } : { uid: st.uid, gid: st.gid });
  const add = (e: LayerEntry, content?: string) => {
    entries.set(e.name, e);
    hash.update(JSON.stringify([e.name, e.type, e.mode, e.uid, e.gid, e.linkname ?? '', content ?? '']));
  };
  const parents = (rel: string) => {
    const parts = rel.split('/').filter(Boolean);
    for (let n = 1; n < parts.length; n++) {
      const p = parts.slice(0, n).join('/');
      if (entries.has(p)) continue;
      const st = req.target.lstat(p);
      if (st?.isDirectory()) add({ name: p, type: 'directory', mode: st.mode, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) });
      else add({ name: p, type: 'directory', mode: 0o40755, ...(req.chown ?? { uid: 0, gid: 0 }), mtime: 0 });
    }
  };
  const copyOne = async (srcRel: string, destRel: string) => {
    const st = req.src.lstat(srcRel)!;
    const base = { mode: req.chmod !== undefined ? (st.mode & ~0o7777) | req.chmod : st.mode, ...own(st), mtime: Math.floor(st.mtimeMs / 1000) };
    if (st.isDirectory()) {
      if (destRel) add({ ...base, name: destRel, type: 'directory' });
      for (const n of req.src.readdir(srcRel)) {
        const child = srcRel ? `${srcRel}/${n}` : n;
        if (req.isContext && req.ignore?.ignores(child)) continue;
        await copyOne(child, destRel ? `${destRel}/${n}` : n);
      }
    } else if (st.isSymbolicLink()) {
      add({ ...base, name: destRel, type: 'symlink', linkname: req.src.readlink(srcRel) });
    } else if (st.isFile()) {
      const path = req.src.hostPath(srcRel);
      const data = readFileSync(path);
      add({ ...base, name: destRel, type: 'file', path, size: data.length }, createHash('sha256').update(data).digest('hex'));
    } else if (st.isFIFO()) {
      add({ ...base, name: destRel, type: 'fifo' });
    } else {
      throw new CopyError(`${srcRel}: device nodes and sockets cannot be copied`);
    }
  };
  for (const s of sources) {
    const st = req.src.lstat(s)!;
    if (req.extractArchives && st.isFile()) {
      const data = readFileSync(req.src.hostPath(s));
      const kind = isTarArchive(data.subarray(0, 512));
      if (kind) {
        parents(`${dest}/x`);
        if (dest && !entries.has(dest) && !req.target.lstat(dest)) add({ name: dest, type: 'directory', mode: 0o40755, uid: 0, gid: 0, mtime: 0 });
        await extractTar(kind === 'gzip' ? gunzipSync(data) : data, dest, s, add, parents);
        continue;
      }
    }
    const to = st.isDirectory() ? dest : destIsDir ? posix.join(dest, posix.basename(s)) : dest;
    if (!to) { if (!st.isDirectory()) throw new CopyError(`cannot copy ${s} over the root directory`); }
    parents(st.isDirectory() ? `${to}/x` : to);
    await copyOne(s, to);
  }
  return { entries: [...entries.values()], digest: `sha256:${hash.digest('hex')}` };
}

/** ADD's local tar auto-extraction, with the unpacker's safety rules. */
async function extractTar(tar: Buffer, dest: string, source: string, add: (e: LayerEntry, content?: string) => void, parents: (rel: string) => void): Promise<void> {
  for await (const e of readTar(Readable.from([tar]) as AsyncIterable<Buffer>)) {
    if (e.name.startsWith('/')) throw new CopyError(`${source}: archive entry ${JSON.stringify(e.name)} has an absolute path`);
    const parts = e.name.split('/').filter((p) => p && p !== '.');
    if (parts.includes('..')) throw new CopyError(`${source}: archive entry ${JSON.stringify(e.name)} has a '..' component`);
    if (e.type === 'chardev' || e.type === 'blockdev') throw new CopyError(`${source}: archive entry ${JSON.stringify(e.name)} is a device node`);
    if (!parts.length) continue;
    const name = [dest, ...parts].filter(Boolean).join('/');
    if (e.type === 'link' && e.linkname.split('/').includes('..')) throw new CopyError(`${source}: hardlink ${JSON.stringify(e.name)} points outside the archive`);
    if (e.type === 'symlink' && !e.linkname.startsWith('/') && climbs(parts.slice(0, -1), e.linkname)) {
      throw new CopyError(`${source}: symlink ${JSON.stringify(e.name)} -> ${e.linkname} points outside the archive`);
    }
    parents(name);
    const typeBits = { file: 0o100000, dir: 0o40000, symlink: 0o120000, link: 0o100000, fifo: 0o10000 }[e.type];
    const base = { name, mode: typeBits | (e.mode & 0o7777), uid: e.uid, gid: e.gid, mtime: e.mtime };
    if (e.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const c of e.body()) chunks.push(c);
      const data = Buffer.concat(chunks);
      add({ ...base, type: 'file', data, size: data.length }, createHash('sha256').update(data).digest('hex'));
    } else if (e.type === 'dir') add({ ...base, type: 'directory' });
    else if (e.type === 'symlink') add({ ...base, type: 'symlink', linkname: e.linkname });
    else if (e.type === 'link') add({ ...base, type: 'link', linkname: [dest, ...e.linkname.split('/').filter((p) => p && p !== '.')].filter(Boolean).join('/') });
    else add({ ...base, type: 'fifo' });
  }
}
