// The paths of the proxy subresources: /api/v1/namespaces/NS/pods/ID/proxy[/path],
// .../services/ID/proxy[/path] and /api/v1/nodes/ID/proxy[/path], where ID is
// `[scheme:]name[:port]`. They are cut here from the path as sent (not decoded), since
// what follows `proxy` belongs to the target and has any number of segments.

import { badRequest } from '../errors.js';
import type { ProxyResource } from './proxy-target.js';

export interface ProxyRoute {
  resource: ProxyResource;
  namespace?: string;
  /** `[scheme:]name[:port]`, decoded. */
  id: string;
  /** The path up to and including `/proxy` as sent: the prefix Location headers are rewritten under. */
  prefix: string;
  /** The target's path (cleaned, escaped, '' when nothing followed `proxy`). */
  targetPath: string;
}

const RE = /^(\/api\/v1\/(?:namespaces\/([^/]+)\/(pods|services)|(nodes))\/([^/]+)\/proxy)(\/.*)?$/;

function decode(s: string, path: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw badRequest(`malformed path ${path}`);
  }
}

/** The proxy route of a raw request path, undefined when it is none. */
export function proxyRouteOf(path: string): ProxyRoute | undefined {
  const m = RE.exec(path);
  if (!m) return undefined;
  const resource = (m[3] ?? m[4]) as ProxyResource;
  return {
    resource,
    namespace: m[2] !== undefined ? decode(m[2], path) : undefined,
    id: decode(m[5], path),
    prefix: m[1],
    targetPath: cleanTargetPath(m[6] ?? '', path),
  };
}

// Characters Go leaves unescaped in a path segment besides the unreserved ones.
const SEGMENT_KEEP = /%(3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi;

/**
 * The target path as upstream's JoinPreserveTrailingSlash makes it: `.` and `..` resolved
 * (never above the target's root), empty segments dropped, a trailing slash kept.
 */
export function cleanTargetPath(raw: string, fullPath = raw): string {
  if (raw === '') return '';
  const out: string[] = [];
  for (const seg of raw.split('/')) {
    const d = decode(seg, fullPath);
    if (d === '' || d === '.') continue;
    if (d === '..') {
      out.pop();
      continue;
    }
    out.push(encodeURIComponent(d).replace(SEGMENT_KEEP, (x) => decodeURIComponent(x)));
  }
  const trailing = raw.endsWith('/') && out.length > 0 ? '/' : '';
  return `/${out.join('/')}${trailing}`;
}
