// The handlers of `hyperkube image <sub>` (see image.ts for the usage lines).
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { UsageError, findContainer, mib, openRuntime, pullProgressPrinter, type CliIO, type Globals } from '../runtime/cli.js';
import {
  DEFAULT_IMAGE_ROOT, ImageStore, Keyring, RegistryClient, commitLayer, createImageService, exportRootfs, findImage,
  importRootfs, normalizeReference, parseDockerConfig, pushImage, saveImages,
  type ArchiveFormat, type ImageService, type PushProgress, type RegistryAuth, type StoredImage,
} from '../runtime/images/index.js';
import type { Runtime } from '../runtime/runtime.js';

export interface ImageContext {
  g: Globals;
  io: CliIO;
  stdin: NodeJS.ReadableStream;
  store: ImageStore;
  service: ImageService;
  runtime(): Runtime;
  close(): Promise<void>;
}

export async function openImageContext(g: Globals, io: CliIO, stdin: NodeJS.ReadableStream): Promise<ImageContext> {
  const root = g.imagesRoot ?? DEFAULT_IMAGE_ROOT;
  const service = await createImageService({ root });
  const store = new ImageStore(root);
  await store.init();
  let rt: Runtime | undefined;
  return {
    g, io, stdin, store, service,
    runtime: () => (rt ??= openRuntime(g, service)),
    close: () => rm(store.tmpDir, { recursive: true, force: true }),
  };
}

/** Flags of one command: `--x V`, `--x=V`, `-x V`, booleans; the rest positional. */
function parseFlags(args: string[], valued: string[], bools: string[]): { f: Record<string, string>; pos: string[] } {
  const f: Record<string, string> = {};
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (valued.includes(name)) {
      const v = name !== a ? a.slice(eq + 1) : args[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      f[name] = v;
    } else if (bools.includes(a)) f[a] = 'true';
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown flag ${a}`);
    else pos.push(a);
  }
  return { f, pos };
}

function ago(iso: string | undefined): string {
  if (!iso) return '';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s < 60) return `${Math.floor(s)} seconds ago`;
  if (s < 3600) return `${Math.floor(s / 60)} minutes ago`;
  if (s < 86400 * 2) return `${Math.floor(s / 3600)} hours ago`;
  return `${Math.floor(s / 86400)} days ago`;
}

function splitTag(t: string): [string, string] {
  const i = t.lastIndexOf(':');
  return [t.slice(0, i), t.slice(i + 1)];
}

async function inUseIds(ctx: ImageContext): Promise<Set<string>> {
  return new Set((await ctx.runtime().listContainers()).map((c) => c.imageRef));
}

async function requireImage(ctx: ImageContext, ref: string): Promise<StoredImage> {
  const img = findImage(await ctx.store.readIndex(), ref);
  if (!img) throw new Error(`${ref}: image not known`);
  return img;
}

/** Credentials: --creds, else the matching entry of --authfile ($REGISTRY_AUTH_FILE, ~/.docker/config.json). */
async function credentials(f: Record<string, string>, image: string): Promise<RegistryAuth | undefined> {
  if (f['--creds']) {
    const i = f['--creds'].indexOf(':');
    return i < 0 ? { username: f['--creds'], password: '' } : { username: f['--creds'].slice(0, i), password: f['--creds'].slice(i + 1) };
  }
  const file = f['--authfile'] ?? process.env.REGISTRY_AUTH_FILE ?? join(homedir(), '.docker', 'config.json');
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch (e) {
    if (f['--authfile']) throw new Error(`--authfile ${file}: ${(e as Error).message}`);
    return undefined;
  }
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { throw new Error(`${file}: not JSON`); }
  return new Keyring().add(parseDockerConfig(parsed)).lookup(image)[0];
}

function pushProgressPrinter(io: CliIO): (p: PushProgress) => void {
  return (p) => {
    const d = p.digest.slice(7, 19);
    if (p.phase === 'manifest') io.err(`Manifest ${p.digest} written\n`);
    else if (p.outcome === 'exists') io.err(`${d}: Layer already exists\n`);
    else if (p.outcome === 'mounted') io.err(`${d}: Mounted from another repository\n`);
    else if (p.outcome === 'uploaded') io.err(`${d}: Pushed${p.phase === 'config' ? ' (config)' : ''}\n`);
    else io.err(`${d}: Pushing ${mib(p.current)} / ${mib(p.total)}\n`);
  };
}

/** stdin to a scratch file (archives are read twice: tar index, then blobs). */
async function stdinToFile(ctx: ImageContext): Promise<string> {
  const path = join(ctx.store.tmpDir, `stdin-${randomBytes(6).toString('hex')}`);
  await pipeline(ctx.stdin, createWriteStream(path, { mode: 0o600 }));
  return path;
}

type Handler = (ctx: ImageContext, args: string[]) => Promise<number>;

export const imageCommands: Record<string, Handler> = {
  async ls(ctx, args) {
    const { f } = parseFlags(args, [], ['-q', '--digests', '-a']);
    const images = await ctx.store.readIndex();
    if (f['-q']) {
      for (const i of images) ctx.io.out(`${i.id.slice(7, 19)}\n`);
      return 0;
    }
    const rows: string[][] = [['REPOSITORY', 'TAG', ...(f['--digests'] ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE']];
    for (const i of images) {
      const digest = i.repoDigests[0]?.split('@')[1] ?? '<none>';
      const tags = i.repoTags.length ? i.repoTags.map(splitTag) : [['<none>', '<none>']];
      for (const [repo, tag] of tags) rows.push([repo, tag, ...(f['--digests'] ? [digest] : []), i.id.slice(7, 19), ago(i.created), mib(i.size)]);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)) + 3);
    for (const r of rows) ctx.io.out(`${r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]))).join('')}\n`);
    return 0;
  },

  async inspect(ctx, args) {
    const { pos } = parseFlags(args, [], []);
    if (!pos.length) throw new UsageError('image inspect NAME...');
    const out = [];
    for (const ref of pos) {
      const img = await requireImage(ctx, ref);
      const cfg = JSON.parse((await ctx.store.readBlob(img.id)).toString('utf8')) as Record<string, unknown>;
      out.push({
        Id: img.id, RepoTags: img.repoTags, RepoDigests: img.repoDigests, Created: img.created ?? null, Size: img.size,
        Author: cfg.author ?? '', Architecture: cfg.architecture ?? '', Os: cfg.os ?? '', Config: cfg.config ?? {},
        RootFS: { Type: 'layers', Layers: img.layers }, History: cfg.history ?? [],
      });
    }
    ctx.io.out(`${JSON.stringify(out, null, 4)}\n`);
    return 0;
  },

  async history(ctx, args) {
    const { pos } = parseFlags(args, [], ['--no-trunc']);
    if (pos.length !== 1) throw new UsageError('image history NAME');
    const img = await requireImage(ctx, pos[0]);
    type Entry = { created?: string; created_by?: string; comment?: string; empty_layer?: boolean };
    const cfg = JSON.parse((await ctx.store.readBlob(img.id)).toString('utf8')) as { history?: Entry[] };
    const hist: Entry[] = cfg.history?.length ? cfg.history : img.layers.map(() => ({}));
    // Newest first, as docker; the layer of each non-empty entry, counted from the top.
    let layer = img.layers.length;
    const rows = [['IMAGE', 'CREATED', 'CREATED BY', 'LAYER', 'COMMENT']];
    for (let i = hist.length - 1; i >= 0; i--) {
      const h = hist[i];
      const l = h.empty_layer ? '' : img.layers[--layer]?.slice(7, 19) ?? '';
      rows.push([i === hist.length - 1 ? img.id.slice(7, 19) : '<missing>', ago(h.created), (h.created_by ?? '').slice(0, 60), l, h.comment ?? '']);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)) + 3);
    for (const r of rows) ctx.io.out(`${r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]))).join('').trimEnd()}\n`);
    return 0;
  },

  async tag(ctx, args) {
    const { pos } = parseFlags(args, [], []);
    if (pos.length !== 2) throw new UsageError('image tag SOURCE TARGET');
    const target = normalizeReference(pos[1]);
    if (target.includes('@')) throw new Error(`${pos[1]}: a tag cannot be a digest`);
    await ctx.store.updateIndex((images) => {
      const img = findImage(images, pos[0]);
      if (!img) throw new Error(`${pos[0]}: image not known`);
      for (const o of images) if (o !== img) o.repoTags = o.repoTags.filter((t) => t !== target);
      if (!img.repoTags.includes(target)) img.repoTags.push(target);
    });
    return 0;
  },

  async rm(ctx, args) {
    const { f, pos } = parseFlags(args, [], ['-f', '--force']);
    if (!pos.length) throw new UsageError('image rm [-f] NAME...');
    const used = await inUseIds(ctx);
    let code = 0;
    for (const ref of pos) {
      try {
        const img = await requireImage(ctx, ref);
        const byId = f['-f'] || f['--force'] ? img.id : ref;
        await ctx.service.removeImage(byId, { inUse: (id) => used.has(id) });
        ctx.io.out(`${(await ctx.service.imageStatus(img.id)) ? 'Untagged' : 'Deleted'}: ${ref}\n`);
      } catch (e) {
        ctx.io.err(`error: ${(e as Error).message}\n`);
        code = 1;
      }
    }
    return code;
  },

  async prune(ctx, args) {
    const { f } = parseFlags(args, [], ['-a', '--all', '-f', '--force']);
    const used = await inUseIds(ctx);
    const all = !!(f['-a'] || f['--all']);
    const removed = await ctx.store.updateIndex((images) => {
      const gone = images.filter((i) => !used.has(i.id) && (all || i.repoTags.length === 0));
      for (const g of gone) images.splice(images.indexOf(g), 1);
      return gone;
    });
    if (removed.length) await ctx.store.collectGarbage();
    for (const r of removed) ctx.io.out(`${r.id}\n`);
    return 0;
  },

  async pull(ctx, args) {
    const { f, pos } = parseFlags(args, ['--creds', '--authfile'], ['-q', '--quiet']);
    if (pos.length !== 1) throw new UsageError('image pull NAME');
    const auth = await credentials(f, pos[0]);
    const r = await ctx.service.pullImage(pos[0], { auth, onProgress: f['-q'] || f['--quiet'] ? undefined : pullProgressPrinter(ctx.io) });
    ctx.io.out(`${r.id}\n`);
    return 0;
  },

  async push(ctx, args) {
    const { f, pos } = parseFlags(args, ['--creds', '--authfile', '--chunk-size'], ['-q', '--quiet']);
    if (pos.length < 1 || pos.length > 2) throw new UsageError('image push NAME [DESTINATION]');
    const dest = pos[1] ?? pos[0];
    const chunkSize = f['--chunk-size'] ? Number(f['--chunk-size']) : undefined;
    if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize < 1024 || chunkSize > 1 << 30)) throw new UsageError('--chunk-size: an integer from 1024 to 1073741824');
    const auth = await credentials(f, dest);
    const client = new RegistryClient();
    const r = await pushImage(ctx.store, client, dest, { source: pos[0], auth, chunkSize, onProgress: f['-q'] || f['--quiet'] ? undefined : pushProgressPrinter(ctx.io) });
    ctx.io.out(`${r.ref}@${r.digest}\n`);
    return 0;
  },

  async load(ctx, args) {
    const { f } = parseFlags(args, ['-i', '--input'], ['-q', '--quiet']);
    const input = f['-i'] ?? f['--input'];
    const path = input && input !== '-' ? resolve(input) : await stdinToFile(ctx);
    try {
      for (const r of await ctx.service.loadArchive(path)) {
        ctx.io.out(`Loaded image: ${r.repoTags.join(', ') || r.id}\n`);
      }
    } finally {
      if (path !== input) await rm(path, { force: true });
    }
    return 0;
  },

  async save(ctx, args) {
    const { f, pos } = parseFlags(args, ['-o', '--output', '--format'], []);
    const out = f['-o'] ?? f['--output'];
    if (!out || !pos.length) throw new UsageError('image save -o FILE [--format docker-archive|oci-archive] NAME...');
    const format = (f['--format'] ?? 'docker-archive') as ArchiveFormat;
    if (format !== 'docker-archive' && format !== 'oci-archive') throw new UsageError(`--format: docker-archive or oci-archive, not ${JSON.stringify(format)}`);
    await saveImages(ctx.store, pos, resolve(out), format);
    return 0;
  },

  async commit(ctx, args) {
    const { f, pos } = parseFlags(args, ['-a', '--author', '-m', '--message'], []);
    if (pos.length < 1 || pos.length > 2) throw new UsageError('image commit [-a AUTHOR] [-m MESSAGE] CONTAINER [NAME]');
    const rt = ctx.runtime();
    const id = await findContainer(rt, pos[0]);
    const st = await rt.containerStatus(id);
    const rec = await commitLayer(ctx.store, st.imageRef, join(rt.containersDir, id, 'upper'), pos[1], {
      author: f['-a'] ?? f['--author'], message: f['-m'] ?? f['--message'], createdBy: `tskube image commit ${id.slice(0, 12)}`,
    });
    ctx.io.out(`${rec.id}\n`);
    return 0;
  },

  async export(ctx, args) {
    const { f, pos } = parseFlags(args, ['-o', '--output'], []);
    const out = f['-o'] ?? f['--output'];
    if (!out || pos.length !== 1) throw new UsageError('image export -o FILE CONTAINER');
    const rt = ctx.runtime();
    const id = await findContainer(rt, pos[0]);
    const st = await rt.containerStatus(id);
    const img = await ctx.service.resolve(st.imageRef);
    await exportRootfs([join(rt.containersDir, id, 'upper'), ...[...img.layers].reverse()], resolve(out));
    return 0;
  },

  async import(ctx, args) {
    const { f, pos } = parseFlags(args, ['-m', '--message'], []);
    if (pos.length < 1 || pos.length > 2) throw new UsageError('image import [-m MESSAGE] FILE|- [NAME]');
    const path = pos[0] === '-' ? await stdinToFile(ctx) : resolve(pos[0]);
    try {
      const rec = await importRootfs(ctx.store, path, pos[1], { message: f['-m'] ?? f['--message'], createdBy: `tskube image import ${pos[0] === '-' ? 'stdin' : pos[0]}` });
      ctx.io.out(`${rec.id}\n`);
    } finally {
      if (pos[0] === '-') await rm(path, { force: true });
    }
    return 0;
  },
};
