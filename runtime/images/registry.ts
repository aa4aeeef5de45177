// A Docker Registry HTTP API v2 client: manifests (lists → linux/amd64), blobs, and auth by
// WWW-Authenticate challenge (Bearer token endpoint, or Basic). Every byte is digest-checked by
// the callers or here (manifests).
import { Readable } from 'node:stream';
import { sha256 } from './store.js';
import { isLoopbackRegistry, registryHost, type ImageReference } from './reference.js';
import { MEDIA } from './media.js';
import type { RegistryAuth } from './types.js';

const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');
const MAX_MANIFEST = 4 << 20;

export interface FetchedManifest {
  body: Buffer;
  mediaType: string | undefined;
  digest: string;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="..."`. */
export function parseChallenge(header: string): Challenge {
  const sp = header.indexOf(' ');
  const scheme = (sp < 0 ? header : header.slice(0, sp)).trim().toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const m of (sp < 0 ? '' : header.slice(sp + 1)).matchAll(re)) params[m[1].toLowerCase()] = m[2] ?? m[3];
  return { scheme, params };
}

export class RegistryClient {
  /** Authorization header value per registry host + scope, reused across requests. */
  private readonly authCache = new Map<string, string>();

  constructor(private readonly insecure: string[] = []) {}

  baseURL(ref: ImageReference): string {
    const host = registryHost(ref);
    const http = isLoopbackRegistry(host) || this.insecure.includes(host);
    return `${http ? 'http' : 'https'}://${host}/v2/${ref.path}`;
  }

  /** Fetches a manifest by tag or digest and checks its digest. */
  async manifest(ref: ImageReference, reference: string, auth?: RegistryAuth): Promise<FetchedManifest> {
    const res = await this.request(ref, `/manifests/${reference}`, { accept: MANIFEST_ACCEPT }, auth);
    const body = await readLimited(res, MAX_MANIFEST);
    const digest = sha256(body);
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new Error(`manifest digest mismatch: asked for ${reference}, got ${digest}`);
    }
    const header = res.headers.get('docker-content-digest');
    if (header && header.startsWith('sha256:') && header !== digest) {
      throw new Error(`manifest digest mismatch: registry says ${header}, content is ${digest}`);
    }
    const mediaType = res.headers.get('content-type')?.split(';')[0].trim() || undefined;
    return { body, mediaType, digest };
  }

  /** A small blob (config) read fully and verified. */
  async blobBytes(ref: ImageReference, digest: string, auth?: RegistryAuth): Promise<Buffer> {
    const res = await this.request(ref, `/blobs/${digest}`, {}, auth);
    const body = await readLimited(res, 64 << 20);
    const got = sha256(body);
    if (got !== digest) throw new Error(`blob digest mismatch: expected ${digest}, got ${got}`);
    return body;
  }

  /** A blob as a stream (layers); the caller verifies the digest while unpacking. */
  async blobStream(ref: ImageReference, digest: string, auth?: RegistryAuth): Promise<AsyncIterable<Buffer>> {
    const res = await this.request(ref, `/blobs/${digest}`, {}, auth);
    if (!res.body) throw new Error(`blob ${digest}: empty response`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  private async request(ref: ImageReference, path: string, h: { accept?: string }, auth?: RegistryAuth): Promise<Response> {
    const url = this.baseURL(ref) + path;
    const cacheKey = `${registryHost(ref)}|${ref.path}`;
    const headers: Record<string, string> = {};
    if (h.accept) headers.accept = h.accept;
    const cached = auth?.token ? `Bearer ${auth.token}` : this.authCache.get(cacheKey);
    if (cached) headers.authorization = cached;
    let res = await fetch(url, { headers, redirect: 'follow' });
    if (res.status === 401 && !auth?.token) {
      const challenge = res.headers.get('www-authenticate');
      await res.body?.cancel();
      if (!challenge) throw new Error(`${url}: 401 Unauthorized without a WWW-Authenticate challenge`);
      const authorization = await this.answer(parseChallenge(challenge), ref, auth);
      this.authCache.set(cacheKey, authorization);
      res = await fetch(url, { headers: { ...headers, authorization }, redirect: 'follow' });
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 300);
      if (res.status === 401 || res.status === 403) throw new Error(`${url}: unauthorized (${res.status}) ${text}`);
      if (res.status === 404) throw new Error(`${url}: not found ${text}`);
      throw new Error(`${url}: HTTP ${res.status} ${text}`);
    }
    return res;
  }

  private async answer(c: Challenge, ref: ImageReference, auth?: RegistryAuth): Promise<string> {
    const basic = auth?.username !== undefined
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}` : undefined;
    if (c.scheme === 'basic') {
      if (!basic) throw new Error(`registry ${registryHost(ref)} wants Basic auth and no credentials were given`);
      return basic;
    }
    if (c.scheme !== 'bearer' || !c.params.realm) throw new Error(`unsupported auth challenge ${c.scheme}`);
    const u = new URL(c.params.realm);
    if (c.params.service) u.searchParams.set('service', c.params.service);
    u.searchParams.set('scope', c.params.scope ?? `repository:${ref.path}:pull`);
    const res = await fetch(u, { headers: basic ? { authorization: basic } : {} });
    if (!res.ok) throw new Error(`token endpoint ${u.origin}${u.pathname}: HTTP ${res.status}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`token endpoint ${u.origin}${u.pathname} returned no token`);
    return `Bearer ${token}`;
  }
}

async function readLimited(res: Response, max: number): Promise<Buffer> {
  const len = Number(res.headers.get('content-length') ?? '0');
  if (len > max) throw new Error(`response too large (${len} bytes)`);
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.length > max) throw new Error(`response too large (${buf.length} bytes)`);
  return buf;
}
