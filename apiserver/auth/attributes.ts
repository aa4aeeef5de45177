// What a request asks to do, for authorization (upstream's RequestInfo / authorizer.Attributes):
// from the method and path alone, before any resource is looked up, so unknown paths are
// authorized (and refused) the same way as known ones.

import type { ApiRequest } from '../http/request.js';
import type { UserInfo } from './user.js';

export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  /** Non-resource requests: the path. */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** A list or watch's fieldSelector as sent ('' without one): the node authorizer reads it. */
  fieldSelector?: string;
}

const RESOURCE_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
const NONRESOURCE_VERBS: Record<string, string> = { POST: 'post', GET: 'get', HEAD: 'get', PUT: 'put', PATCH: 'patch', DELETE: 'delete' };
/** Subresources of a namespace, which do not make /namespaces/<ns>/<x> a namespaced resource path. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function fieldSelectorOf(req: ApiRequest): string {
  const fs = req.query.fieldSelector;
  const s = Array.isArray(fs) ? fs[0] : fs;
  return typeof s === 'string' ? s : '';
}

/** The field selector's `field=value` (or `==`) requirements, as upstream's GetFieldSelector. */
export function fieldEquals(selector: string | undefined, field: string): string[] {
  const out: string[] = [];
  for (const term of (selector ?? '').split(',')) {
    const m = /^\s*([^!=\s]+)\s*==?\s*([^,\s]*)\s*$/.exec(term);
    if (m && m[1] === field) out.push(m[2]);
  }
  return out;
}

/** The metadata.name a list or watch selects by fieldSelector, if it names exactly one. */
function selectedName(req: ApiRequest): string {
  const s = fieldSelectorOf(req);
  if (!s) return '';
  for (const term of s.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*([^,\s]+)\s*$/.exec(term);
    if (m) return m[1];
  }
  return '';
}

export function requestAttributes(req: ApiRequest, user: UserInfo): Attributes {
  const base: Attributes = { user, verb: '', resourceRequest: false, path: req.path, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
  let parts: string[];
  try {
    // Decoding only paths with an escape in them: the common path is then split alone.
    const split = req.path.split('/').filter(Boolean);
    parts = req.path.includes('%') ? split.map(decodeURIComponent) : split;
  } catch {
    parts = [];
  }
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    base.apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    base.apiGroup = parts[1];
    base.apiVersion = parts[2];
    rest = parts.slice(3);
  } else {
    return { ...base, verb: NONRESOURCE_VERBS[req.method] ?? req.method.toLowerCase() };
  }
  const a: Attributes = { ...base, resourceRequest: true, verb: RESOURCE_VERBS[req.method] ?? req.method.toLowerCase() };
  if (rest[0] === 'watch') {
    a.verb = 'watch';
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length > 1) {
    a.namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
  }
  a.resource = rest[0] ?? '';
  a.name = rest[1] ?? '';
  a.subresource = rest[2] ?? '';
  if (a.name === '' && a.verb === 'get') {
    const w = req.query.watch;
    const wv = Array.isArray(w) ? w[0] : w;
    a.verb = wv !== undefined && wv !== '0' && String(wv).toLowerCase() !== 'false' ? 'watch' : 'list';
  }
  if (a.name === '' && a.verb === 'delete') a.verb = 'deletecollection';
  if (a.name === '' && (a.verb === 'list' || a.verb === 'watch')) {
    a.name = selectedName(req);
    a.fieldSelector = fieldSelectorOf(req);
  }
  return a;
}
