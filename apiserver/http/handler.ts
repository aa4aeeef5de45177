// The resource endpoints: one dispatcher for every served resource and verb, on top
// of the registries. Kubernetes semantics of each verb live in the registry; this
// file maps HTTP (path, query, body, Accept) onto them.

import type { ServerResponse } from 'node:http';
import type { KubeList, KubeObject } from '../../api/meta.js';
import { apiVersionOf, isStored, type ResourceInfo } from '../../api/resources.js';
import { deleteCRD } from '../registry/crds.js';
import { checkCustomFields } from './custom-fields.js';
import type { UserInfo } from '../auth/user.js';
import { ApiError, badRequest, methodNotAllowed, notFoundPath, unavailable } from '../errors.js';
import type { Registries } from '../registry/index.js';
import type { Registry } from '../registry/generic.js';
import type { RequestContext } from '../registry/strategy.js';
import { bindPod } from '../registry/pods.js';
import { deleteNamespace, finalizeNamespace } from '../registry/namespaces.js';
import { scaleOf, updateScale, type Scale } from '../registry/scale.js';
import { evictPod } from '../registry/eviction.js';
import { readRawBody } from './body.js';
import { decodeBody, decodeObject, duplicateFieldsOf, floatIntegersOf, mediaType, patchTypeOf } from '../../api/codec.js';
import { K8S_PROTOBUF_CONTENT_TYPE, ProtobufError, decodeK8sProtobuf } from '../../api/protobuf.js';
import { deleteOptionsOf, fieldManagerOf, isDryRun, listOptionsOf, parseResourcePath, queryBool, queryResourceVersion, queryString, type ApiRequest, type ListOptions, type ResourcePath, type ResourceRoute } from './request.js';
import { sendJSON } from './respond.js';
import { converterFor, listFromStored } from './versions.js';
import { buildFilter } from './filters.js';
import { applyPatchBody } from './patching.js';
import { MAX_JSON_DEPTH, depthExceeds } from '../../api/json-scan.js';
import { checkStructure, strictProblems, structureErrorMessage, unknownFieldsMessage } from '../../api/structure.js';
import { tableRequest, toTable, type TableRequest } from './tables.js';
import { successStatus } from '../../api/status.js';
import { WatchStream, httpTransport, type WatchTransport } from './watch.js';
import type { WatchCounters } from '../metrics.js';

export interface PreparedWatch {
  options: ListOptions;
  filter: ReturnType<typeof buildFilter>;
  table: TableRequest | undefined;
}

export interface HandlerDeps {
  registries: Registries;
  watchCounters?: WatchCounters;
  /** Admits a long-running request (a watch) or throws the 429; returns its release. */
  admitLongRunning?: (req: ApiRequest) => () => void;
  /** Streaming subresources (log/exec/attach/portforward) go to the kubelet; absent until one is wired. */
  streaming?: (req: ApiRequest, res: ServerResponse, path: ResourcePath) => Promise<void>;
  /** Resources computed on request rather than stored (metrics.k8s.io). */
  computed?: (req: ApiRequest, res: ServerResponse, path: ResourcePath) => Promise<void>;
  /** serviceaccounts/<name>/token (TokenRequest); absent without a service-account signing key. */
  tokenRequest?: (namespace: string, name: string, body: KubeObject, user: UserInfo | undefined) => Promise<KubeObject>;
  /** tokenreviews (TokenReview). */
  tokenReview?: (body: KubeObject) => Promise<KubeObject>;
  /** Kinds answered at once and never stored (access reviews): the answer to a POSTed object. */
  reviews?: (path: ResourcePath, body: KubeObject, user: UserInfo | undefined) => KubeObject;
}

/** What a request is, for metrics and logs. */
export interface RequestInfo {
  verb: string;
  resource: string;
  subresource?: string;
}

export class ResourceHandler {
  constructor(private readonly deps: HandlerDeps) {}

  registryFor(p: ResourcePath): Registry {
    const reg = this.deps.registries.get(p.group, p.info.resource === 'bindings' ? 'pods' : p.info.resource);
    if (!reg) throw notFoundPath();
    return reg;
  }

  /** Serves one request; `info` is filled for metrics as soon as the verb is known. */
  async handle(req: ApiRequest, res: ServerResponse, route: ResourceRoute, info: RequestInfo): Promise<void> {
    const p = parseResourcePath(route.group, route.version, route.segs, req.path);
    info.resource = p.info.resource;
    info.subresource = p.subresource;
    const ctx: RequestContext = { namespace: p.namespace, fieldManager: fieldManagerOf(req), dryRun: false, user: req.user, ...(p.subresource ? { subresource: p.subresource } : {}) };
    const method = req.method;
    if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) ctx.dryRun = isDryRun(req);
    if (p.info.namespaced && p.name !== undefined && p.namespace === undefined && !(p.info.resource === 'namespaces' && p.group === '')) {
      throw notFoundPath(req.path);
    }
    if (p.subresource && ['log', 'exec', 'attach', 'portforward', 'proxy'].includes(p.subresource)) {
      info.verb = method === 'GET' ? 'get' : 'create';
      if (!this.deps.streaming) throw unavailable(`${p.subresource} needs a kubelet streaming server, and none is connected to this apiserver`);
      return this.deps.streaming(req, res, p);
    }
    if (p.info.stored === false) {
      info.verb = p.name === undefined ? 'list' : 'get';
      if (!this.deps.computed) throw notFoundPath(req.path);
      return this.deps.computed(req, res, p);
    }
    if (p.info.resource === 'tokenreviews' || p.subresource === 'token') return this.createUnstored(req, res, p, info);
    if (p.info.resource !== 'bindings' && !isStored(p.info)) {
      info.verb = 'create';
      if (method !== 'POST' || p.name !== undefined || p.subresource) throw methodNotAllowed('the server does not allow this method on the requested resource');
      if (!this.deps.reviews) throw notFoundPath(req.path);
      const body = await this.readObject(req);
      return sendJSON(res, 201, this.deps.reviews(p, body, req.user));
    }
    const reg = this.registryFor(p);
    switch (method) {
      case 'GET':
        if (p.name === undefined) {
          if (p.watchPath || queryBool(req, 'watch')) {
            info.verb = 'watch';
            // Every parameter is checked before the 200 and the stream begin.
            const w = this.prepareWatch(req, p);
            const release = this.deps.admitLongRunning?.(req);
            if (release) res.once('close', release);
            return this.watch(w, reg, p, httpTransport(res));
          }
          info.verb = 'list';
          return this.list(req, res, reg, p);
        }
        info.verb = 'get';
        return this.get(req, res, reg, p);
      case 'POST':
        info.verb = 'create';
        return this.create(req, res, reg, p, ctx);
      case 'PUT':
        info.verb = 'update';
        return this.update(req, res, reg, p, ctx);
      case 'PATCH':
        info.verb = 'patch';
        return this.patch(req, res, reg, p, ctx);
      case 'DELETE':
        info.verb = p.name === undefined ? 'deletecollection' : 'delete';
        return p.name === undefined ? this.deleteCollection(req, res, reg, p, ctx) : this.delete(req, res, reg, p, ctx);
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  }

  private send(req: ApiRequest, res: ServerResponse, code: number, obj: KubeObject | KubeList, table?: TableRequest, p?: ResourcePath) {
    const t = table ?? tableRequest(req);
    const body = t ? toTable(obj, t, p?.info.custom && !p.subresource?.startsWith('scale') ? p.info : undefined) : p && !p.subresource?.startsWith('scale') ? listFromStored(converterFor(p.info), p.info, obj) : obj;
    sendJSON(res, code, body);
  }

  private async get(req: ApiRequest, res: ServerResponse, reg: Registry, p: ResourcePath) {
    const obj = await reg.get(p.namespace, p.name!, queryResourceVersion(req));
    if (p.subresource === 'scale') return this.send(req, res, 200, scaleOf(obj, obj.kind, p.info));
    this.send(req, res, 200, obj, undefined, p);
  }

  private async list(req: ApiRequest, res: ServerResponse, reg: Registry, p: ResourcePath) {
    const o = listOptionsOf(req, false);
    const filter = buildFilter(p.info, o.labelSelector, o.fieldSelector);
    const list = await reg.list(p.namespace, {
      filter,
      limit: o.limit,
      continueToken: o.continueToken,
      resourceVersion: o.resourceVersion,
      exact: o.resourceVersionMatch === 'Exact',
    });
    this.send(req, res, 200, list, undefined, p);
  }

  /** A watch's parameters, parsed and checked (throws the 4xx) before any byte of the stream is sent. */
  prepareWatch(req: ApiRequest, p: ResourcePath): PreparedWatch {
    const options = listOptionsOf(req, true);
    const filter = buildFilter(p.info, options.labelSelector, options.fieldSelector);
    return { options, filter, table: tableRequest(req) };
  }

  async watch(w: PreparedWatch, reg: Registry, p: ResourcePath, transport: WatchTransport) {
    const { filter, options } = w;
    const t = w.table;
    const rv = options.resourceVersion;
    const sendInitial = options.sendInitialEvents === true;
    // Table watches carry the column definitions with the first event only, as Kubernetes does.
    let firstTable = true;
    const timeoutSeconds = options.timeoutSeconds ?? 1800 + Math.floor(Math.random() * 1800);
    const stream = new WatchStream({
      transport,
      kind: p.info.kind,
      apiVersion: apiVersionOf(p.info),
      bookmarks: options.allowWatchBookmarks,
      present: t ? (o) => toTable(o, { ...t, noHeaders: !firstTable || (firstTable = false) }) : undefined,
      timeoutSeconds,
    });
    const conv = converterFor(p.info);
    this.deps.watchCounters?.opened(p.info.resource);
    stream.onStop(() => this.deps.watchCounters?.closed(p.info.resource));
    try {
      let lastRevision = rv && rv !== '0' ? rv : '0';
      const watcher = await reg.watch(p.namespace, { filter, resourceVersion: rv, sendInitial }, {
        event: (type, obj) => {
          lastRevision = obj.metadata.resourceVersion ?? lastRevision;
          stream.event(type, t ? obj : conv.fromStored(obj));
        },
        bookmark: (revision) => stream.bookmark(revision),
        end: (err) => stream.error(err),
      });
      if (sendInitial) {
        // WatchList protocol: the initial state is followed by a marked bookmark.
        stream.bookmark(lastRevision, true, { 'k8s.io/initial-events-end': 'true' });
      }
      stream.onStop(() => watcher.stop());
    } catch (err) {
      if (err instanceof ApiError) stream.error(err);
      else throw err;
    }
  }

  /** Create-only requests answered without storing anything: TokenRequest and TokenReview. */
  private async createUnstored(req: ApiRequest, res: ServerResponse, p: ResourcePath, info: RequestInfo) {
    if (req.method !== 'POST') throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    info.verb = 'create';
    const serve = p.subresource === 'token' ? this.deps.tokenRequest : this.deps.tokenReview;
    if (!serve || (p.subresource === 'token' ? p.namespace === undefined || p.name === undefined : p.name !== undefined)) throw notFoundPath(req.path);
    const kind = p.subresource === 'token' ? 'TokenRequest' : 'TokenReview';
    const body = await this.readObject(req);
    checkFields(req, res, kind, body, floatIntegersOf(body));
    const out = p.subresource === 'token' ? await this.deps.tokenRequest!(p.namespace!, p.name!, body, req.user) : await this.deps.tokenReview!(body);
    sendJSON(res, 201, out);
  }

  private async readObject(req: ApiRequest): Promise<KubeObject> {
    const raw = await readRawBody(req.raw);
    if (patchTypeOf(req.headers['content-type'])) throw new ApiError(415, 'UnsupportedMediaType', `content type ${mediaType(req.headers['content-type'])} is only valid for PATCH`);
    if (mediaType(req.headers['content-type']) === K8S_PROTOBUF_CONTENT_TYPE) return decodeProtobuf(raw);
    return decodeObject(raw, req.headers['content-type']);
  }

  private async create(req: ApiRequest, res: ServerResponse, reg: Registry, p: ResourcePath, ctx: RequestContext) {
    const read = await this.readObject(req);
    // Checked in the stored version, whose schema the kind's definition is (an autoscaling/v1 HPA
    // body would otherwise lose its v1-only fields to pruning before conversion).
    if (p.subresource === 'eviction') {
      checkFields(req, res, 'Eviction', read, floatIntegersOf(read));
      await evictPod(this.deps.registries, ctx, p.name!, read);
      sendJSON(res, 201, successStatus(201));
      return;
    }
    const body = p.info.resource === 'bindings' || p.subresource === 'binding' ? read : converterFor(p.info).toStored(read);
    if (p.info.resource !== 'bindings' && p.subresource !== 'binding') checkFields(req, res, p.info.kind, body, floatIntegersOf(read), p.info.version, duplicateFieldsOf(read), p.info);
    if (p.info.resource === 'bindings' || p.subresource === 'binding') {
      const podName = p.subresource === 'binding' ? p.name! : body?.metadata?.name;
      if (!podName) throw badRequest('Binding.metadata.name (the pod) is required');
      await bindPod(reg, ctx, podName, body);
      sendJSON(res, 201, successStatus(201));
      return;
    }
    if (p.name !== undefined) throw methodNotAllowed(`POST is not supported on a named ${p.info.resource} object`);
    const created = await reg.create(ctx, body);
    emitWarnings(res, ctx);
    this.send(req, res, 201, created, undefined, p);
  }

  private async update(req: ApiRequest, res: ServerResponse, reg: Registry, p: ResourcePath, ctx: RequestContext) {
    if (p.name === undefined) throw methodNotAllowed('PUT requires a named object');
    const read = await this.readObject(req);
    const plain = p.subresource === 'scale' || p.subresource === 'finalize';
    const body = plain ? read : converterFor(p.info).toStored(read);
    checkFields(req, res, p.subresource === 'scale' ? 'Scale' : p.info.kind, body, floatIntegersOf(read), p.subresource === 'scale' ? 'v1' : p.info.version, duplicateFieldsOf(read), p.subresource === 'scale' ? undefined : p.info);
    if (p.subresource === 'scale') {
      const scale = await updateScale(reg, ctx, p.name, () => body as Scale);
      return this.send(req, res, 200, scale);
    }
    if (p.subresource === 'finalize') {
      const obj = await finalizeNamespace(reg, ctx, p.name, body);
      return this.send(req, res, 200, obj);
    }
    const { object, created } = await reg.update(ctx, p.name, body, p.subresource);
    emitWarnings(res, ctx);
    this.send(req, res, created ? 201 : 200, object, undefined, p);
  }

  private async patch(req: ApiRequest, res: ServerResponse, reg: Registry, p: ResourcePath, ctx: RequestContext) {
    if (p.name === undefined) throw methodNotAllowed('PATCH requires a named object');
    const fmt = patchTypeOf(req.headers['content-type']);
    if (fmt === 'strategic' && p.info.custom) {
      // Custom resources have no patch strategy (no Go struct tags): upstream refuses the type.
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    }
    if (!fmt) {
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
    }
    const patch = decodeBody(await readRawBody(req.raw), req.headers['content-type']);
    const floats = patchFloatIntegers(fmt, patch, floatIntegersOf(patch));
    // Keys a merge patch writes twice (a JSON patch is a list of operations: its keys are not fields).
    const dups = fmt === 'json' ? [] : duplicateFieldsOf(patch);
    const force = queryBool(req, 'force');
    if (fmt === 'apply' && !queryString(req, 'fieldManager')) {
      throw badRequest('PATCH with application/apply-patch+yaml requires the fieldManager query parameter');
    }
    if (p.subresource === 'scale') {
      const scale = await updateScale(reg, ctx, p.name, (cur) => {
        const next = applyPatchBody(fmt, cur, patch, { kind: 'Scale', manager: ctx.fieldManager, force }) as Scale;
        checkFields(req, res, 'Scale', next, floats, undefined, dups);
        return next;
      });
      return this.send(req, res, 200, scale);
    }
    const conv = converterFor(p.info);
    const applyCreate = fmt === 'apply' && !p.subresource
      ? () => {
          const obj = conv.toStored(applyPatchBody(fmt, undefined, patch, { kind: p.info.kind, manager: ctx.fieldManager, force }));
          checkFields(req, res, p.info.kind, obj, floats, undefined, dups, p.info);
          obj.metadata ??= {};
          if (obj.metadata.name !== undefined && obj.metadata.name !== p.name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${p.name})`);
          obj.metadata.name = p.name;
          return obj;
        }
      : undefined;
    const { object, created } = await reg.guaranteedUpdate(
      ctx,
      p.name,
      (cur) => {
        const next = conv.toStored(applyPatchBody(fmt, conv.fromStored(cur), patch, { kind: p.info.kind, manager: ctx.fieldManager, force }));
        // A JSON patch can add a value under a deep pointer: the result may nest deeper than either input.
        if (fmt === 'json' && depthExceeds(next)) throw badRequest(`the patched object exceeds the max depth of ${MAX_JSON_DEPTH} nested objects and arrays`);
        checkFields(req, res, p.info.kind, next, floats, undefined, dups, p.info);
        // A patch may pin resourceVersion (a precondition); if it does not, the write is retried on conflict.
        if (!pinsResourceVersion(fmt, patch) && next.metadata) delete next.metadata.resourceVersion;
        return next;
      },
      { subresource: p.subresource, createIfMissing: applyCreate, applied: fmt === 'apply' },
    );
    emitWarnings(res, ctx);
    this.send(req, res, created ? 201 : 200, object, undefined, p);
  }

  private async delete(req: ApiRequest, res: ServerResponse, reg: Registry, p: ResourcePath, ctx: RequestContext) {
    const raw = await readRawBody(req.raw);
    const body = !raw.length ? undefined : mediaType(req.headers['content-type']) === K8S_PROTOBUF_CONTENT_TYPE ? decodeProtobuf(raw) : decodeBody(raw, req.headers['content-type']);
    const opts = deleteOptionsOf(req, body);
    if (p.subresource) throw methodNotAllowed(`DELETE is not supported on ${p.info.resource}/${p.subresource}`);
    const { object } = p.info.resource === 'namespaces' && p.group === ''
      ? await deleteNamespace(reg, ctx, p.name!, opts)
      : p.info.kind === 'CustomResourceDefinition' && p.group === 'apiextensions.k8s.io'
        ? await deleteCRD(reg, ctx, p.name!, opts)
        : await reg.delete(ctx, p.name!, opts);
    this.send(req, res, 200, object, undefined, p);
  }

  private async deleteCollection(req: ApiRequest, res: ServerResponse, reg: Registry, p: ResourcePath, ctx: RequestContext) {
    if (!p.info.verbs.includes('deletecollection')) throw methodNotAllowed(`deletecollection is not supported on ${p.info.resource}`);
    const raw = await readRawBody(req.raw);
    const body = !raw.length ? undefined : mediaType(req.headers['content-type']) === K8S_PROTOBUF_CONTENT_TYPE ? decodeProtobuf(raw) : decodeBody(raw, req.headers['content-type']);
    const opts = deleteOptionsOf(req, body);
    const filter = buildFilter(p.info, queryString(req, 'labelSelector'), queryString(req, 'fieldSelector'));
    const list = await reg.list(p.namespace, { filter });
    const deleted: KubeObject[] = [];
    for (const item of list.items) {
      try {
        deleted.push((await reg.delete({ ...ctx, namespace: item.metadata.namespace }, item.metadata.name!, opts)).object);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    this.send(req, res, 200, { ...list, items: deleted });
  }
}

/**
 * JSON patch values are written under "value": a float-written integer there belongs to
 * the field the op's path ends in (`{"path":"/spec/replicas","value":1e3}` → replicas).
 */
function patchFloatIntegers(fmt: string, patch: unknown, floats: ReadonlyMap<string, string> | undefined): ReadonlyMap<string, string> | undefined {
  const literal = floats?.get('value');
  if (fmt !== 'json' || literal === undefined || !Array.isArray(patch)) return floats;
  const out = new Map(floats);
  for (const op of patch as unknown[]) {
    if (!op || typeof op !== 'object') continue;
    const { path, value } = op as { path?: unknown; value?: unknown };
    if (typeof path === 'string' && value === Number(literal)) {
      out.set(path.slice(path.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~'), literal);
    }
  }
  return out;
}

function pinsResourceVersion(fmt: string, patch: unknown): boolean {
  if (fmt === 'json') {
    return Array.isArray(patch) && (patch as unknown[]).some((o) => {
      const op = o as { path?: unknown; op?: unknown } | null | undefined;
      return op?.path === '/metadata/resourceVersion' && (op.op === 'add' || op.op === 'replace');
    });
  }
  return (patch as KubeObject | undefined)?.metadata?.resourceVersion !== undefined;
}

/**
 * Decode-time checks: wrong JSON types are a 400; unknown fields are a 400 with
 * ?fieldValidation=Strict (what kubectl sends), otherwise dropped with a Warning header.
 */
function checkFields(req: ApiRequest, res: ServerResponse, kind: string, obj: KubeObject, floatIntegers?: ReadonlyMap<string, string>, decodedAs?: string, duplicates: readonly string[] = [], info?: ResourceInfo): void {
  // A custom resource is checked against its CRD's schema (its kind may spell a built-in one).
  if (info?.custom) return checkCustomFields(req, res, info, obj, duplicates);
  const mode = queryString(req, 'fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode)) {
    throw badRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`);
  }
  const result = checkStructure(kind, obj, { prune: mode !== 'Strict', floatIntegers });
  const typeError = structureErrorMessage(kind, result);
  if (typeError) throw badRequest(typeError);
  const unknown = unknownFieldsMessage(result, duplicates);
  if (!unknown) return;
  // A body decoded as the kind says which kind it could not become (upstream's transformDecodeError); a patch result does not.
  if (mode === 'Strict') throw badRequest(decodedAs !== undefined ? `${kind} in version "${decodedAs}" cannot be handled as a ${kind}: ${unknown}` : unknown);
  if (mode === 'Warn' && !res.headersSent) {
    res.setHeader('Warning', strictProblems(result, duplicates).slice(0, 10).map((p) => `299 - "${p.replace(/["\\]/g, (ch) => `\\${ch}`)}"`).join(', '));
  }
}

/** Admission's warnings as `Warning: 299 - "<text>"` headers, which kubectl prints as `Warning: <text>`. */
function emitWarnings(res: ServerResponse, ctx: RequestContext): void {
  if (!ctx.warnings?.length || res.headersSent) return;
  for (const w of new Set(ctx.warnings)) res.appendHeader('Warning', `299 - "${w.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
}

/** typed client-go clients (kubectl create namespace/configmap/secret/service...) send protobuf bodies. */
function decodeProtobuf(raw: Buffer): KubeObject {
  try {
    return decodeK8sProtobuf(raw);
  } catch (err) {
    if (err instanceof ProtobufError) {
      throw err.unsupportedKind ? new ApiError(415, 'UnsupportedMediaType', err.message) : badRequest(`error decoding protobuf: ${err.message}`);
    }
    throw err;
  }
}
