// A small OpenAPI v3 description of the served paths. kubectl 1.32 reads it to learn
// that the server validates fields itself (the `fieldValidation` parameter on PATCH
// for each group/version/kind); without it kubectl refuses to create or apply
// ("failed to download openapi"). Schemas are not published (kubectl falls back to
// its built-in types for strategic merge), so `kubectl explain` is not supported.

import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { apiVersionOf, groupVersions, resourcesIn, type ResourceInfo } from '../api/resources.js';
import { notFoundPath } from './errors.js';
import type { ApiRequest } from './http/request.js';
import { sendBody, sendError } from './http/respond.js';

const gvPath = (group: string, version: string) => (group === '' ? `api/${version}` : `apis/${group}/${version}`);

const COMMON_QUERY = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'].map((name) => ({
  name,
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
}));

function operations(r: ResourceInfo) {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const op = (verb: string, params: unknown[] = COMMON_QUERY) => ({
    operationId: `${verb}${r.kind}`,
    parameters: params,
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': verb,
    'x-kubernetes-group-version-kind': gvk,
  });
  const base = `/${gvPath(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
  const paths: Record<string, unknown> = {};
  paths[base] = { get: op('list'), post: op('post') };
  if (r.verbs.includes('get')) {
    paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch', [...COMMON_QUERY, { name: 'force', in: 'query', schema: { type: 'boolean' } }]), delete: op('delete') };
  }
  return paths;
}

function gvDocument(group: string, version: string) {
  const paths: Record<string, unknown> = {};
  for (const r of resourcesIn(group, version)) Object.assign(paths, operations(r));
  return {
    openapi: '3.0.0',
    info: { title: 'tskube', version: apiVersionOf({ group, version }) },
    paths,
    components: { schemas: {} },
  };
}

/**
 * /openapi/v2 as an empty Swagger 2.0 document (no definitions). kubectl validates what the
 * server cannot (a `kind: List` file is split client-side) against this document, and skips
 * kinds it does not describe; without it, `kubectl apply -f list.yaml` fails. It asks for the
 * gnostic protobuf form: Document { swagger = 1; info = 2 }, Info { title = 1; version = 2 }.
 */
export function openapiV2Protobuf(): Buffer {
  const str = (field: number, v: string | Buffer) => {
    const b = typeof v === 'string' ? Buffer.from(v) : v;
    return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
  };
  return Buffer.concat([str(1, '2.0'), str(2, Buffer.concat([str(1, 'tskube'), str(2, 'v1')]))]);
}

// The Accept kubectl sends has 'v2@v1.0'; the response type spells it 'v2.v1.0' ('@' is not a MIME token character).
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** Serves GET /openapi/v2, /openapi/v3 and /openapi/v3/<group-version>; false for any other request. */
export function openapiServer(): (req: ApiRequest, res: ServerResponse) => boolean {
  const v2pb = openapiV2Protobuf();
  const v2json = JSON.stringify({ swagger: '2.0', info: { title: 'tskube', version: 'v1' }, paths: {}, definitions: {} });
  const docs = new Map<string, { body: string; hash: string }>();
  for (const gv of groupVersions()) {
    const body = JSON.stringify(gvDocument(gv.group, gv.version));
    docs.set(gvPath(gv.group, gv.version), { body, hash: createHash('sha512').update(body).digest('hex').slice(0, 32).toUpperCase() });
  }
  const root = JSON.stringify({
    paths: Object.fromEntries([...docs].map(([p, d]) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` }])),
  });
  return (req, res) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.path.startsWith('/openapi/')) return false;
    const path = req.path.replace(/(.)\/$/, '$1'); // one trailing slash is tolerated, as on every non-resource path
    if (path === '/openapi/v2') {
      if ((req.headers.accept ?? '').includes('protobuf')) sendBody(res, 200, OPENAPI_V2_PROTOBUF, v2pb);
      else sendBody(res, 200, JSON_UTF8, v2json);
      return true;
    }
    if (path === '/openapi/v3') {
      sendBody(res, 200, JSON_UTF8, root);
      return true;
    }
    const m = /^\/openapi\/v3\/(.+)$/.exec(path);
    if (!m) return false;
    let gv: string;
    try {
      gv = decodeURIComponent(m[1]);
    } catch {
      gv = '';
    }
    const d = docs.get(gv);
    if (!d) sendError(res, notFoundPath(req.path));
    else sendBody(res, 200, JSON_UTF8, d.body, { 'Cache-Control': 'public, immutable' });
    return true;
  };
}

const JSON_UTF8 = 'application/json; charset=utf-8';
