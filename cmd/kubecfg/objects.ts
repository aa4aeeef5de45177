// Reading manifests for -f: a file, a directory (its .yaml/.yml/.json files,
// recursively with -R), or "-" for stdin; multi-document YAML, JSON, and
// List kinds are expanded into their items.

import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { KubeObject } from '../../api/meta.js';
import { UsageError } from './args.js';

export interface SourcedObject {
  object: KubeObject;
  source: string;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c));
  return Buffer.concat(chunks).toString('utf8');
}

export function parseManifests(text: string, source: string): SourcedObject[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (err) {
    throw new UsageError(`error parsing ${source}: ${(err as Error).message.split('\n')[0]}`);
  }
  const out: SourcedObject[] = [];
  const push = (d: unknown): void => {
    if (d === null || d === undefined) return;
    if (typeof d !== 'object' || Array.isArray(d)) throw new UsageError(`error parsing ${source}: a document is not an object`);
    const o = d as KubeObject & { items?: unknown[] };
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items) push(item);
      return;
    }
    if (!o.kind || !o.apiVersion) throw new UsageError(`error validating ${source}: apiVersion and kind must be set`);
    o.metadata = o.metadata ?? {};
    out.push({ object: o, source });
  };
  for (const d of docs) push(d);
  return out;
}

const MANIFEST = /\.(ya?ml|json)$/i;

async function fromDir(dir: string, recursive: boolean): Promise<SourcedObject[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const out: SourcedObject[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await fromDir(p, recursive)));
    } else if (MANIFEST.test(e.name)) out.push(...parseManifests(await readFile(p, 'utf8'), p));
  }
  return out;
}

/** All objects named by the -f arguments, in order. */
export async function readManifests(paths: string[], stdin: NodeJS.ReadableStream | undefined, recursive = false): Promise<SourcedObject[]> {
  const out: SourcedObject[] = [];
  for (const p of paths) {
    if (p === '-') {
      if (!stdin) throw new UsageError('-f -: no standard input');
      out.push(...parseManifests(await readStream(stdin), 'STDIN'));
      continue;
    }
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new UsageError(`the path "${p}" does not exist`);
    }
    if (st.isDirectory()) out.push(...(await fromDir(p, recursive)));
    else out.push(...parseManifests(await readFile(p, 'utf8'), p));
  }
  if (out.length === 0) throw new UsageError(`no objects passed (${paths.join(', ')})`);
  return out;
}
