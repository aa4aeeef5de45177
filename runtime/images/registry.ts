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

  /** Whether the repository has the blob (HEAD), so a push can skip it. */
  async blobExists(ref: ImageReference, digest: string, auth?: RegistryAuth): Promise<boolean> {
    const res = await this.request(ref, `/blobs/${digest}`, { method: 'HEAD', push: true, okStatus: [404] }, auth);
    return res.status === 200;
  }

  /**
   * Uploads a blob: a cross-repository mount when `mountFrom` names a repository of the same
   * registry that has it (201: done; 202: not mounted, go on with the upload it opened), else
   * POST to open an upload, PATCH each chunk (Content-Range), PUT `?digest=` to close.
   */
  async uploadBlob(ref: ImageReference, digest: string, size: number, chunks: () => AsyncIterable<Buffer> | Iterable<Buffer>,
    o: { auth?: RegistryAuth; mountFrom?: string; onBytes?: (n: number) => void } = {}): Promise<'mounted' | 'uploaded'> {
    const q = o.mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(o.mountFrom)}` : '';
    const opened = await this.request(ref, `/blobs/uploads/${q}`, { method: 'POST', push: true, mountFrom: o.mountFrom, okStatus: [201, 202] }, o.auth);
    if (opened.status === 201) return 'mounted';
    let location = this.location(ref, opened);
    let offset = 0;
    for await (const chunk of chunks()) {
      const res = await this.request(ref, location, {
        method: 'PATCH', push: true, body: chunk, okStatus: [202],
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
      }, o.auth);
      offset += chunk.length;
      o.onBytes?.(offset);
      location = this.location(ref, res);
    }
    if (offset !== size) throw new Error(`blob ${digest}: sent ${offset} bytes, expected ${size}`);
    const u = new URL(location);
    u.searchParams.set('digest', digest);
    await this.request(ref, u.toString(), { method: 'PUT', push: true, okStatus: [201], headers: { 'content-length': '0' } }, o.auth);
    return 'uploaded';
  }

  /** PUTs a manifest under a tag (or digest); returns the digest the registry reports. */
  async putManifest(ref: ImageReference, reference: string, body: Buffer, mediaType: string, auth?: RegistryAuth): Promise<string> {
    const res = await this.request(ref, `/manifests/${reference}`, { method: 'PUT', push: true, body, okStatus: [201], headers: { 'content-type': mediaType } }, auth);
    const digest = sha256(body);
    const said = res.headers.get('docker-content-digest');
    if (said && said !== digest) throw new Error(`registry ${registryHost(ref)} stored the manifest as ${said}, its content is ${digest}`);
    return digest;
  }

  /** The absolute upload URL from a Location header (relative ones are against the registry). */
  private location(ref: ImageReference, res: Response): string {
    const loc = res.headers.get('location');
    if (!loc) throw new Error(`registry ${registryHost(ref)}: upload response without a Location header`);
    const base = new URL(this.baseURL(ref));
    const u = new URL(loc, base.origin);
    // Never be sent elsewhere than the registry: the upload URL must stay on its host.
    if (u.host !== base.host) throw new Error(`registry ${registryHost(ref)}: upload location ${u.origin} is another host`);
    return u.toString();
  }

  private async request(ref: ImageReference, path: string, h: RequestOptions, auth?: RegistryAuth): Promise<Response> {
    const url = path.startsWith('http') ? path : this.baseURL(ref) + path;
    const host = registryHost(ref);
    const cacheKey = `${host}|${ref.path}|${h.push ? 'push' : 'pull'}`;
    const headers: Record<string, string> = { ...h.headers };
    if (h.accept) headers.accept = h.accept;
    const cached = auth?.token ? `Bearer ${auth.token}` : this.authCache.get(cacheKey);
    if (cached) headers.authorization = cached;
    const init: RequestInit = { method: h.method ?? 'GET', headers, redirect: 'follow', body: h.body ? new Uint8Array(h.body) : undefined };
    let res = await fetch(url, init);
    if (res.status === 401 && !auth?.token) {
      const challenge = res.headers.get('www-authenticate');
      await res.body?.cancel();
      if (!challenge) throw new RegistryError(host, 401, 'Unauthorized', 'no WWW-Authenticate challenge');
      const authorization = await this.answer(parseChallenge(challenge), ref, auth, h);
      this.authCache.set(cacheKey, authorization);
      res = await fetch(url, { ...init, headers: { ...headers, authorization } });
    }
    if (!res.ok && !h.okStatus?.includes(res.status)) {
      const text = (await res.text().catch(() => '')).slice(0, 300).trim();
      throw new RegistryError(host, res.status, res.statusText, text);
    }
    return res;
  }

  private async answer(c: Challenge, ref: ImageReference, auth: RegistryAuth | undefined, h: RequestOptions): Promise<string> {
    const host = registryHost(ref);
    const basic = auth?.username !== undefined
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}` : undefined;
    if (c.scheme === 'basic') {
      if (!basic) throw new RegistryError(host, 401, 'Unauthorized', 'the registry wants Basic auth and no credentials were given');
      return basic;
    }
    if (c.scheme !== 'bearer' || !c.params.realm) throw new Error(`registry ${host}: unsupported auth challenge ${c.scheme}`);
    let u: URL;
    try { u = new URL(c.params.realm); } catch { throw new Error(`registry ${host}: bad token realm ${JSON.stringify(c.params.realm)}`); }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`registry ${host}: bad token realm ${u.protocol}`);
    if (c.params.service) u.searchParams.set('service', c.params.service);
    // The scope the registry asked for, else the repository's pull (and push) scope; a
    // cross-repository mount also needs pull on the source.
    // (The challenge's scope may list several, space-separated: one scope parameter each.)
    const scopes = new Set(c.params.scope ? c.params.scope.split(' ').filter(Boolean) : [`repository:${ref.path}:${h.push ? 'pull,push' : 'pull'}`]);
    if (h.mountFrom) scopes.add(`repository:${h.mountFrom}:pull`);
    for (const sc of scopes) u.searchParams.append('scope', sc);
    const res = await fetch(u, { headers: basic ? { authorization: basic } : {} });
    if (!res.ok) throw new Error(`token endpoint ${u.origin}${u.pathname}: HTTP ${res.status}`);
    let body: { token?: string; access_token?: string };
    try { body = (await res.json()) as typeof body; } catch { throw new Error(`token endpoint ${u.origin}${u.pathname} answered no JSON`); }
    const token = body?.token ?? body?.access_token;
    if (typeof token !== 'string' || !token) throw new Error(`token endpoint ${u.origin}${u.pathname} returned no token`);
    return `Bearer ${token}`;
  }
}

interface RequestOptions {
  method?: string;
  accept?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Ask for pull,push when a token is needed. */
  push?: boolean;
  mountFrom?: string;
  /** Statuses the caller handles itself (besides 2xx). */
  okStatus?: number[];
}

/** An HTTP error from a registry: names the host and the status (as the kubelet's ErrImagePull). */
export class RegistryError extends Error {
  constructor(readonly host: string, readonly status: number, statusText: string, detail: string) {
    const what = status === 401 || status === 403 ? 'unauthorized' : status === 404 ? 'not found' : 'failed';
    super(`registry ${host}: ${what}: ${status} ${statusText || ''}${detail ? `: ${detail}` : ''}`.replace(/ +:/g, ':'));
    this.name = 'RegistryError';
  }
}

async function readLimited(res: Response, max: number): Promise<Buffer> {
  const len = Number(res.headers.get('content-length') ?? '0');
  if (len > max) throw new Error(`response too large (${len} bytes)`);
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.length > max) throw new Error(`response too large (${buf.length} bytes)`);
  return buf;
}
