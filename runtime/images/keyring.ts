// Registry credentials as the kubelet's credential keyring (upstream pkg/credentialprovider):
// docker `config.json` ({"auths": {...}}) and legacy `.dockercfg` ({host: {...}}) entries,
// keyed by a schemeless URL (`host[:port][/path]`; `/v1/`, `/v2/` prefixes dropped), matched
// against an image's repository as upstream's URLsMatch: same number of host labels, each
// label a glob (`*.example.com`), the same port, and the key's path a prefix of the image's.
// Keys are tried longest (reverse-sorted) first; Docker Hub images fall back to the
// `index.docker.io` entry.
import type { RegistryAuth } from './types.js';
import { parseReference, repositoryName } from './reference.js';

interface DockerConfigEntry { username?: unknown; password?: unknown; auth?: unknown; identitytoken?: unknown; registrytoken?: unknown }

const DEFAULT_REGISTRY_HOST = 'index.docker.io';

/** The entries of a config.json (`{"auths": {...}}`) or a .dockercfg (`{host: {...}}`). */
export function parseDockerConfig(json: unknown): Map<string, RegistryAuth> {
  const out = new Map<string, RegistryAuth>();
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('docker config is not a JSON object');
  const auths: unknown = 'auths' in json ? json.auths : json;
  if (!auths || typeof auths !== 'object' || Array.isArray(auths)) throw new Error('docker config: "auths" is not an object');
  for (const [loc, v] of Object.entries(auths as Record<string, unknown>)) {
    if (!v || typeof v !== 'object') continue;
    const e = v as DockerConfigEntry;
    const a: RegistryAuth = {};
    if (typeof e.username === 'string') a.username = e.username;
    if (typeof e.password === 'string') a.password = e.password;
    if (typeof e.auth === 'string' && e.auth) {
      // `auth` is base64("user:password") and wins over the separate fields (as upstream).
      const dec = Buffer.from(e.auth, 'base64').toString('utf8');
      const i = dec.indexOf(':');
      if (i < 0) throw new Error(`docker config: the auth of ${JSON.stringify(loc)} is not base64 of user:password`);
      a.username = dec.slice(0, i);
      a.password = dec.slice(i + 1);
    }
    if (typeof e.registrytoken === 'string' && e.registrytoken) a.token = e.registrytoken;
    out.set(loc, a);
  }
  return out;
}

/** `https://host:5000/v2/path` → `host:5000/path`; `index.docker.io/v1/` → `index.docker.io`. */
export function keyringKey(loc: string): { host: string; path: string } {
  let s = loc.replace(/^https?:\/\//, '');
  const slash = s.indexOf('/');
  let host = slash < 0 ? s : s.slice(0, slash);
  let path = slash < 0 ? '' : s.slice(slash);
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  if (path === '/') path = '';
  host = host.toLowerCase();
  s = host + path;
  return { host, path };
}

function splitHostPort(h: string): [string, string] {
  const m = /^(.*?)(?::(\d+))?$/.exec(h)!;
  return [m[1], m[2] ?? ''];
}

/** Shell-style glob of one DNS label (`*`, `?`, `[...]`), as Go's filepath.Match. */
function globLabel(glob: string, s: string): boolean {
  const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  try { return new RegExp(`^${re}$`).test(s); } catch { return false; }
}

export function urlsMatch(key: { host: string; path: string }, target: { host: string; path: string }): boolean {
  const [gh, gp] = splitHostPort(key.host);
  const [th, tp] = splitHostPort(target.host);
  if (gp !== tp) return false;
  const gl = gh.split('.');
  const tl = th.split('.');
  if (gl.length !== tl.length) return false;
  if (!gl.every((g, i) => globLabel(g, tl[i]))) return false;
  return target.path.startsWith(key.path);
}

export class Keyring {
  private readonly entries: { key: string; k: { host: string; path: string }; auth: RegistryAuth }[] = [];

  /** Adds the entries of one config (in order; several configs: call in priority order). */
  add(cfg: Map<string, RegistryAuth>): this {
    for (const [loc, auth] of cfg) {
      const k = keyringKey(loc);
      this.entries.push({ key: k.host + k.path, k, auth });
    }
    return this;
  }

  get size(): number { return this.entries.length; }

  /** Every credential matching the image's repository, most specific key first (stable within a key). */
  lookup(image: string): RegistryAuth[] {
    const r = parseReference(image);
    const repo = repositoryName(r);
    const target = { host: r.domain.toLowerCase(), path: repo.slice(r.domain.length) };
    const keys = [...new Set(this.entries.map((e) => e.key))].sort().reverse();
    const out: RegistryAuth[] = [];
    for (const key of keys) {
      for (const e of this.entries) if (e.key === key && urlsMatch(e.k, target)) out.push(e.auth);
    }
    if (out.length) return out;
    if (r.domain === 'docker.io') return this.entries.filter((e) => e.key === DEFAULT_REGISTRY_HOST).map((e) => e.auth);
    return [];
  }
}
