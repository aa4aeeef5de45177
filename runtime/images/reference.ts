// Docker-style image reference parsing: `busybox` → docker.io/library/busybox:latest.

export interface ImageReference {
  /** Registry host as written (with port), `docker.io` for Docker Hub. */
  domain: string;
  /** Repository path, `library/busybox` for official Hub images. */
  path: string;
  tag?: string;
  /** `sha256:<hex>` when the reference pins a digest. */
  digest?: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseReference(ref: string): ImageReference {
  let rest = ref.trim();
  if (!rest) throw new Error('empty image reference');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new Error(`invalid digest in reference ${JSON.stringify(ref)}`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`invalid tag in reference ${JSON.stringify(ref)}`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const firstSlash = rest.indexOf('/');
  // As docker: the first component is a registry host if it has a '.', a ':' or is 'localhost'.
  if (firstSlash >= 0) {
    const first = rest.slice(0, firstSlash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(firstSlash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  for (const c of path.split('/')) {
    if (!PATH_COMPONENT.test(c)) throw new Error(`invalid repository name in reference ${JSON.stringify(ref)}`);
  }
  if (!tag && !digest) tag = 'latest';
  return { domain, path, tag, digest };
}

/** `docker.io/library/busybox` */
export function repositoryName(r: ImageReference): string {
  return `${r.domain}/${r.path}`;
}

/** The fully-qualified form: `docker.io/library/busybox:latest` or `host/repo@sha256:...`. */
export function formatReference(r: ImageReference): string {
  let s = repositoryName(r);
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += `@${r.digest}`;
  return s;
}

export function normalizeReference(ref: string): string {
  return formatReference(parseReference(ref));
}

/** The host to talk HTTP to: Docker Hub's API lives at registry-1.docker.io. */
export function registryHost(r: ImageReference): string {
  return r.domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : r.domain;
}

export function isLoopbackRegistry(domain: string): boolean {
  const host = domain.startsWith('[') ? domain.slice(0, domain.indexOf(']') + 1) : domain.split(':')[0];
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}
