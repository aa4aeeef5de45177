// A small OpenAPI v3 description of the served paths. kubectl 1.32 reads it to learn
// that the server validates fields itself (the `fieldValidation` parameter on PATCH
// for each group/version/kind); without it kubectl refuses to create or apply
// ("failed to download openapi"). Schemas are not published (kubectl falls back to
// its built-in types for strategic merge), so `kubectl explain` is not supported.

import { createHash } from 'node:crypto';
import type { Express } from 'express';
import { apiVersionOf, groupVersions, resourcesIn, type ResourceInfo } from '../api/resources.js';

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
  if (r.resource !== 'bindings') {
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

export function openapiRoutes(app: Express): void {
  const docs = new Map<string, { body: string; hash: string }>();
  for (const gv of groupVersions()) {
    const body = JSON.stringify(gvDocument(gv.group, gv.version));
    docs.set(gvPath(gv.group, gv.version), { body, hash: createHash('sha512').update(body).digest('hex').slice(0, 32).toUpperCase() });
  }
  const root = JSON.stringify({
    paths: Object.fromEntries([...docs].map(([p, d]) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` }])),
  });
  app.get('/openapi/v3', (_req, res) => res.type('application/json').send(root));
  app.get(/^\/openapi\/v3\/(.+)$/, (req, res) => {
    const d = docs.get(req.params[0]);
    if (!d) return res.status(404).type('application/json').send(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 }));
    res.type('application/json').setHeader('Cache-Control', 'public, immutable').send(d.body);
  });
}
