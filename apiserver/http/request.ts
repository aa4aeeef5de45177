// Parsing what a resource request asks for: the path (namespace, resource, name,
// subresource) and the query options of lists, watches, writes and deletes.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { parse as parseQuery, type ParsedUrlQuery } from 'node:querystring';
import { lookupResource, type ResourceInfo } from '../../api/resources.js';
import { badRequest, invalid, notFoundPath } from '../errors.js';
import type { DeleteOptions } from '../registry/strategy.js';

/** One request as the apiserver reads it: node's request with its path and query parsed once. */
import type { UserInfo } from '../auth/user.js';

export interface ApiRequest {
  /** Node's request: the socket, and the body stream. */
  readonly raw: IncomingMessage;
  /** Upper case. */
  readonly method: string;
  /** The path as sent, not decoded. */
  readonly path: string;
  /** Path and query as sent. */
  readonly url: string;
  /** The query, parsed as Go's url.ParseQuery does (a repeated key is an array). */
  readonly query: ParsedUrlQuery;
  readonly headers: IncomingHttpHeaders;
  /** Who sent it, once authentication has run (undefined: not authenticated / no auth configured). */
  user?: UserInfo;
}

export function apiRequest(raw: IncomingMessage): ApiRequest {
  const url = raw.url ?? '/';
  const qi = url.indexOf('?');
  return {
    raw,
    method: (raw.method ?? 'GET').toUpperCase(),
    path: qi < 0 ? url : url.slice(0, qi),
    url,
    query: qi < 0 ? {} : parseQuery(url.slice(qi + 1)),
    headers: raw.headers,
  };
}

/** Where a path under /api/v1/ or /apis/<group>/<version>/ points, before the resource is looked up. */
export interface ResourceRoute {
  group: string;
  version: string;
  /** The segments after the group/version, percent-decoded (a trailing empty segment dropped). */
  segs: string[];
}

/** The resource route of `path`, undefined for any other path; a path that does not decode is a 400. */
export function resourceRouteOf(path: string): ResourceRoute | undefined {
  let group = '';
  let version = 'v1';
  let rest: string;
  const core = /^\/api\/v1\/(.+)$/.exec(path);
  if (core) rest = core[1];
  else {
    const g = /^\/apis\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    if (!g) return undefined;
    [, group, version, rest] = g;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw badRequest(`malformed path ${path}`);
  }
  return { group, version, segs: decoded.split('/').filter((s, i, a) => s !== '' || i < a.length - 1) };
}

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

/** `segs` are the path segments after /api/v1 or /apis/<group>/<version>. */
export function parseResourcePath(group: string, version: string, segs: string[], fullPath: string): ResourcePath {
  let watchPath = false;
  if (segs[0] === 'watch') {
    watchPath = true;
    segs = segs.slice(1);
  }
  const find = (plural: string) => {
    const info = lookupResource(plural, group, version);
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

export function queryString(req: ApiRequest, key: string): string | undefined {
  const v = req.query[key];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
}

const PARSE_BOOL: Record<string, boolean> = {
  '1': true, t: true, T: true, TRUE: true, true: true, True: true,
  '0': false, f: false, F: false, FALSE: false, false: false, False: false,
};

/**
 * A boolean parameter value read as Go's strconv.ParseBool (clients send "true",
 * "True", "1"); anything else is a 400 rather than silently true, so a typo never
 * turns a LIST into a WATCH.
 */
export function parseBoolParam(key: string, v: string): boolean {
  if (!Object.hasOwn(PARSE_BOOL, v)) throw badRequest(`${key}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
  return PARSE_BOOL[v];
}

/** A boolean query parameter (absent: false; see parseBoolParam). */
export function queryBool(req: ApiRequest, key: string): boolean {
  const v = queryString(req, key);
  if (v === undefined) return false;
  return parseBoolParam(key, v);
}

/** Present at all (for *bool options such as sendInitialEvents). */
export function queryHas(req: ApiRequest, key: string): boolean {
  return queryString(req, key) !== undefined;
}

const INT64_MAX = 2n ** 63n - 1n;

/** An int64 query parameter, parsed as Go's strconv.ParseInt does (400 with its words otherwise). */
export function queryInt(req: ApiRequest, key: string): number | undefined {
  const v = queryString(req, key);
  if (v === undefined || v === '') return undefined;
  return parseIntParam(v);
}

/** An int64 parameter value as Go's strconv.ParseInt reads it; 400 in its words otherwise. */
export function parseIntParam(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const big = BigInt(v);
  if (big > INT64_MAX || big < -INT64_MAX - 1n) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(v);
}

const UINT64_MAX = 2n ** 64n - 1n;

/**
 * ?resourceVersion: "" or a decimal uint64 (etcd revisions), else 400. Upstream answers a 500 with
 * the same words (kubernetes#101350, #139485); a client error is a 400 here.
 */
export function queryResourceVersion(req: ApiRequest): string | undefined {
  const v = queryString(req, 'resourceVersion');
  if (v === undefined || v === '') return v;
  const fail = (why: string) => badRequest(`resourceVersion: Invalid value: ${JSON.stringify(v)}: strconv.ParseUint: parsing ${JSON.stringify(v)}: ${why}`);
  if (!/^\+?\d+$/.test(v)) throw fail('invalid syntax');
  if (BigInt(v) > UINT64_MAX) throw fail('value out of range');
  // Leading zeros or "+" parse in Go; storage wants the plain decimal form.
  return BigInt(v).toString();
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continueToken?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
}

/**
 * The query of a list or a watch, checked the same way for both before anything is
 * sent (so a bad watch is a 400 Status, not a 200 and an empty stream): values that do
 * not parse are 400, as the parameter decoding upstream; combinations ValidateListOptions
 * forbids are 422 on ListOptions.meta.k8s.io.
 */
export function listOptionsOf(req: ApiRequest, watch: boolean): ListOptions {
  const o: ListOptions = {
    labelSelector: queryString(req, 'labelSelector'),
    fieldSelector: queryString(req, 'fieldSelector'),
    resourceVersion: queryResourceVersion(req),
    resourceVersionMatch: queryString(req, 'resourceVersionMatch') || undefined,
    // A limit of 0 or below means no limit upstream (storage pages only when limit > 0).
    limit: queryInt(req, 'limit'),
    continueToken: queryString(req, 'continue') || undefined,
    timeoutSeconds: queryInt(req, 'timeoutSeconds'),
    allowWatchBookmarks: queryBool(req, 'allowWatchBookmarks'),
    sendInitialEvents: queryHas(req, 'sendInitialEvents') ? queryBool(req, 'sendInitialEvents') : undefined,
  };
  const errs: { field: string; message: string; reason: string }[] = [];
  const forbidden = (field: string, detail: string) => errs.push({ field, reason: 'FieldValueForbidden', message: `Forbidden: ${detail}` });
  const unsupported = (field: string, value: string, supported: string[]) =>
    errs.push({ field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` });
  const match = o.resourceVersionMatch;
  if (watch) {
    if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
      forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    }
    if (match) {
      if (o.sendInitialEvents === undefined) forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
      if (match !== 'NotOlderThan') unsupported('resourceVersionMatch', match, ['NotOlderThan']);
      if (o.continueToken) forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
    }
  } else {
    if (match) {
      if (!o.resourceVersion) forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
      if (o.continueToken) forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
      if (match !== 'Exact' && match !== 'NotOlderThan') unsupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']);
      if (match === 'Exact' && o.resourceVersion === '0') forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
    if (o.sendInitialEvents !== undefined) forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list');
  }
  if (errs.length) throw invalid({ resource: '', kind: 'ListOptions', group: 'meta.k8s.io', name: '' }, errs);
  return o;
}

export function isDryRun(req: ApiRequest): boolean {
  const v = req.query.dryRun;
  const vals = Array.isArray(v) ? v : v === undefined ? [] : [v];
  for (const d of vals) if (d !== 'All') throw badRequest(`invalid dry run option: ${JSON.stringify(d)}; supported values are "All"`);
  return vals.length > 0;
}

export function fieldManagerOf(req: ApiRequest): string {
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
export function deleteOptionsOf(req: ApiRequest, body: unknown): DeleteOptions {
  const opts: DeleteOptions = {};
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw badRequest(`expected DeleteOptions in the request body, got ${typeof b.kind === 'string' ? b.kind : JSON.stringify(b.kind)}`);
    if (b.gracePeriodSeconds !== undefined) {
      const g = b.gracePeriodSeconds;
      if (typeof g !== 'number' || !Number.isInteger(g) || g < -(2 ** 63) || g >= 2 ** 63) {
        throw badRequest(`json: cannot unmarshal ${typeof g === 'number' ? `number ${g}` : typeof g} into Go struct field DeleteOptions.gracePeriodSeconds of type int64`);
      }
      opts.gracePeriodSeconds = g;
    }
    if (b.propagationPolicy !== undefined && typeof b.propagationPolicy !== 'string') {
      throw badRequest(`json: cannot unmarshal ${typeof b.propagationPolicy} into Go struct field DeleteOptions.propagationPolicy of type v1.DeletionPropagation`);
    }
    if (b.propagationPolicy !== undefined) opts.propagationPolicy = b.propagationPolicy as DeleteOptions['propagationPolicy'];
    if (typeof b.orphanDependents === 'boolean') opts.orphanDependents = b.orphanDependents;
    if (b.preconditions && typeof b.preconditions === 'object') opts.preconditions = b.preconditions;
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
