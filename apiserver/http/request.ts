// Parsing what a resource request asks for: the path (namespace, resource, name,
// subresource) and the query options of lists, watches, writes and deletes.

import type { Request } from 'express';
import { lookupResource, type ResourceInfo } from '../../api/resources.js';
import { badRequest, ApiError } from '../errors.js';
import type { DeleteOptions } from '../registry/strategy.js';

export interface ResourcePath {
  group: string;
  version: string;
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Legacy /watch/ path prefix. */
  watchPath: boolean;
}

const notFoundPath = (path: string) => new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);

/** `segs` are the path segments after /api/v1 or /apis/<group>/<version>. */
export function parseResourcePath(group: string, version: string, segs: string[], fullPath: string): ResourcePath {
  let watchPath = false;
  if (segs[0] === 'watch') {
    watchPath = true;
    segs = segs.slice(1);
  }
  const find = (plural: string) => {
    const info = lookupResource(plural, group);
    return info && info.resource === plural && info.version === version ? info : undefined;
  };
  let namespace: string | undefined;
  if (segs[0] === 'namespaces' && segs.length >= 3 && find(segs[2]) && segs[2] !== 'namespaces') {
    namespace = segs[1];
    segs = segs.slice(2);
  }
  if (segs.length === 0 || segs.length > 3) throw notFoundPath(fullPath);
  const info = find(segs[0]);
  if (!info) throw notFoundPath(fullPath);
  if (namespace !== undefined && !info.namespaced) throw notFoundPath(fullPath);
  const [, name, subresource] = segs;
  if (subresource && !info.subresources.some((s) => s.name === subresource)) throw notFoundPath(fullPath);
  if (name !== undefined && name === '') throw notFoundPath(fullPath);
  return { group, version, info, namespace, name, subresource, watchPath };
}

export function queryString(req: Request, key: string): string | undefined {
  const v = req.query[key];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function queryBool(req: Request, key: string): boolean {
  const v = queryString(req, key);
  return v === 'true' || v === '1';
}

export function queryInt(req: Request, key: string): number | undefined {
  const v = queryString(req, key);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${key}: ${JSON.stringify(v)} is not an integer`);
  return Number(v);
}

export function isDryRun(req: Request): boolean {
  const v = req.query.dryRun;
  const vals = Array.isArray(v) ? v : v === undefined ? [] : [v];
  for (const d of vals) if (d !== 'All') throw badRequest(`invalid dry run option: ${JSON.stringify(d)}; supported values are "All"`);
  return vals.length > 0;
}

export function fieldManagerOf(req: Request): string {
  const fm = queryString(req, 'fieldManager');
  if (fm !== undefined) {
    if (fm.length > 128) throw badRequest('fieldManager: Too long: may not be longer than 128');
    return fm;
  }
  // Kubernetes' default: the user agent up to the first '/'.
  const ua = req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0].slice(0, 128) || 'unknown';
}

/** DeleteOptions from the query and, when present, the body. */
export function deleteOptionsOf(req: Request, body: unknown): DeleteOptions {
  const opts: DeleteOptions = {};
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw badRequest(`expected DeleteOptions in the request body, got ${String(b.kind)}`);
    if (b.gracePeriodSeconds !== undefined) {
      if (typeof b.gracePeriodSeconds !== 'number' || !Number.isInteger(b.gracePeriodSeconds)) throw badRequest('gracePeriodSeconds must be an integer');
      opts.gracePeriodSeconds = b.gracePeriodSeconds;
    }
    if (b.propagationPolicy !== undefined) opts.propagationPolicy = b.propagationPolicy as DeleteOptions['propagationPolicy'];
    if (typeof b.orphanDependents === 'boolean') opts.orphanDependents = b.orphanDependents;
    if (b.preconditions && typeof b.preconditions === 'object') opts.preconditions = b.preconditions as DeleteOptions['preconditions'];
  }
  const g = queryInt(req, 'gracePeriodSeconds');
  if (g !== undefined) opts.gracePeriodSeconds = g;
  const p = queryString(req, 'propagationPolicy');
  if (p !== undefined) opts.propagationPolicy = p as DeleteOptions['propagationPolicy'];
  if (queryString(req, 'orphanDependents') !== undefined) opts.orphanDependents = queryBool(req, 'orphanDependents');
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw badRequest(`propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 0;
  return opts;
}
