// The OpenAPI documents kube-apiserver publishes, built from api/openapi-definitions.ts
// (generated from the types in api/) and the resource registry: Swagger 2.0 for /openapi/v2
// with every definition, and one OpenAPI 3.0 document per group/version for /openapi/v3/...,
// holding its paths and the schemas its kinds reach. Kinds registered in api/resources.ts
// appear here once their types are in api/ and the definitions are regenerated.

import { DEFINITIONS } from '../api/openapi-definitions.js';
import { refName, type Schema } from '../api/openapi-schema.js';
import { apiVersionOf, resourcesIn, RESOURCES, type ResourceInfo } from '../api/resources.js';

export const gvPath = (group: string, version: string) => (group === '' ? `api/${version}` : `apis/${group}/${version}`);

type GVK = { group: string; version: string; kind: string };

/** The definition name of a kind (by its x-kubernetes-group-version-kind), if one was generated. */
export function definitionOf(gvk: GVK): string | undefined {
  for (const [name, d] of Object.entries(DEFINITIONS)) {
    if (d['x-kubernetes-group-version-kind']?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) return name;
  }
  return undefined;
}

/** The definitions `roots` reach through $refs, themselves included. */
function closure(roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (s: Schema) => {
    if (s.$ref) add(refName(s.$ref));
    for (const p of Object.values(s.properties ?? {})) visit(p);
    if (s.items) visit(s.items);
    if (s.additionalProperties) visit(s.additionalProperties);
  };
  const add = (name: string) => {
    if (seen.has(name) || !DEFINITIONS[name]) return;
    seen.add(name);
    visit(DEFINITIONS[name]);
  };
  roots.forEach(add);
  return [...seen].sort();
}

/** A Swagger 2.0 schema in OpenAPI 3 form: refs under #/components/schemas, a ref with siblings wrapped in allOf (as upstream). */
function toV3(s: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, toV3(ps)]));
    else if (k === 'items' || k === 'additionalProperties') out[k] = toV3(v as Schema);
    else out[k] = v;
  }
  if (!s.$ref) return out;
  const ref = { $ref: `#/components/schemas/${refName(s.$ref)}` };
  return Object.keys(out).length ? { allOf: [ref], ...out } : ref;
}

const QUERY = (names: string[]) => names.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));
const WRITE_QUERY = QUERY(['dryRun', 'fieldManager', 'fieldValidation', 'pretty']);
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

function operations(r: ResourceInfo): Record<string, unknown> {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const def = definitionOf(gvk);
  const listDef = definitionOf({ ...gvk, kind: r.listKind });
  const body = (name: string | undefined, types = ['application/json', 'application/yaml']) =>
    name ? { content: Object.fromEntries(types.map((t) => [t, { schema: { $ref: `#/components/schemas/${name}` } }])), required: true } : undefined;
  const op = (verb: string, action: string, opts: { params?: unknown[]; request?: unknown; response?: string } = {}) => ({
    operationId: `${verb}${r.kind}`,
    parameters: opts.params ?? WRITE_QUERY,
    ...(opts.request ? { requestBody: opts.request } : {}),
    responses: { '200': { description: 'OK', ...(opts.response ? body(opts.response, ['application/json', 'application/yaml']) : {}) } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  });
  const base = `/${gvPath(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
  const paths: Record<string, unknown> = {};
  paths[base] = {
    get: op('list', 'list', { params: QUERY(['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'watch']), response: listDef }),
    post: op('create', 'post', { request: body(def), response: def }),
  };
  if (r.resource !== 'bindings') {
    paths[`${base}/{name}`] = {
      get: op('read', 'get', { params: QUERY(['pretty']), response: def }),
      put: op('replace', 'put', { request: body(def), response: def }),
      patch: op('patch', 'patch', { params: [...WRITE_QUERY, { name: 'force', in: 'query', schema: { type: 'boolean' } }], request: def ? { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: 'object' } }])), required: true } : undefined, response: def }),
      delete: op('delete', 'delete', { params: QUERY(['dryRun', 'gracePeriodSeconds', 'propagationPolicy']) }),
    };
  }
  return paths;
}

/** The OpenAPI v3 document of one group/version: its paths and the schemas of its kinds and what they reach. */
export function openapiV3Document(group: string, version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const roots: string[] = [];
  for (const r of resourcesIn(group, version)) {
    Object.assign(paths, operations(r));
    for (const kind of [r.kind, r.listKind]) {
      const d = definitionOf({ group, version, kind });
      if (d) roots.push(d);
    }
    for (const s of r.subresources) {
      const d = definitionOf({ group: s.group ?? group, version: s.version ?? version, kind: s.kind });
      if (d) roots.push(d);
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: apiVersionOf({ group, version }) },
    paths,
    components: { schemas: Object.fromEntries(closure(roots).map((n) => [n, toV3(DEFINITIONS[n])])) },
  };
}

/** /openapi/v2: every definition (Swagger 2.0 refs as generated) and every resource path. */
export function openapiV2Document(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES) {
    for (const [p, ops] of Object.entries(operations(r))) {
      // Swagger 2.0 has no requestBody/content: parameters and responses carry the schema refs.
      const v2ops = Object.fromEntries(Object.entries(ops as Record<string, Record<string, unknown>>).map(([verb, o]) => [verb, v2Operation(o)]));
      paths[`/${p.replace(/^\//, '')}`] = v2ops;
    }
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1' }, paths, definitions: DEFINITIONS };
}

function v2Operation(o: Record<string, unknown>): Record<string, unknown> {
  const { requestBody, responses, parameters, ...rest } = o as { requestBody?: { content: Record<string, { schema: { $ref?: string } }> }; responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>; parameters: { name: string; in: string; schema: { type: string } }[] };
  const v2ref = (s?: { $ref?: string }) => (s?.$ref ? { $ref: s.$ref.replace('#/components/schemas/', '#/definitions/') } : { type: 'object' });
  const params: unknown[] = parameters.map((p) => ({ name: p.name, in: p.in, type: p.schema.type, uniqueItems: true }));
  if (requestBody) params.push({ name: 'body', in: 'body', required: true, schema: v2ref(Object.values(requestBody.content)[0]?.schema) });
  const r200 = responses['200'];
  return { ...rest, parameters: params, responses: { '200': { description: r200.description, ...(r200.content ? { schema: v2ref(Object.values(r200.content)[0]?.schema) } : {}) } } };
}
