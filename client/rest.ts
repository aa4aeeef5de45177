// The typed REST client: requests in the Kubernetes wire format over the pooled
// transport, errors as ApiError with the server's Status, one ResourceClient per
// (resource, namespace) with the verbs and subresources, and typed shortcuts for
// the core kinds.

import type { IncomingMessage } from 'node:http';
import type { KubeList, ObjectMeta, TypeMeta, WatchEvent } from '../api/meta.js';
import type {
  Binding,
  ConfigMap,
  Endpoints,
  Event,
  Namespace,
  Node,
  Pod,
  ReplicationController,
  Scale,
  Secret,
  Service,
} from '../api/core.js';
import { apiVersionOf, lookupResource, type ResourceInfo } from '../api/resources.js';
import { ApiError, isConflict, statusFromResponse } from './errors.js';
import { Transport, type RawResponse, type TransportOptions } from './http.js';
import { loadKubeconfig, type ClusterConnection, type LoadOptions } from './kubeconfig.js';
import { openWatch, type Watch } from './watch.js';

/** Anything with object metadata: KubeObject and every typed kind of api/core.ts. */
export interface Obj extends TypeMeta {
  metadata?: ObjectMeta;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WatchOptions extends ListOptions {
  /** Ask for BOOKMARK events (default true). */
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  /** Accept header (e.g. TABLE_ACCEPT for server-side table rows in the events). */
  accept?: string;
}

export interface GetOptions {
  resourceVersion?: string;
  signal?: AbortSignal;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** 'Strict' | 'Warn' | 'Ignore' (fieldValidation query parameter). */
  fieldValidation?: string;
  signal?: AbortSignal;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

export interface ApplyOptions extends WriteOptions {
  fieldManager: string;
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface LogOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  timestamps?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  limitBytes?: number;
  signal?: AbortSignal;
}

/** The Accept header that asks for server-side tables (kubectl's), falling back to plain JSON. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface RequestSpec {
  method: string;
  /** Absolute API path, e.g. /api/v1/namespaces/default/pods */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type RestClientOptions = TransportOptions;

/** Path prefix of a group/version: /api/v1 or /apis/<group>/<version>. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

export function queryString(q: Record<string, string | number | boolean | undefined> | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function listQuery(o: ListOptions | undefined): Record<string, string | number | boolean | undefined> {
  if (!o) return {};
  return {
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    limit: o.limit,
    continue: o.continue,
    resourceVersion: o.resourceVersion,
    resourceVersionMatch: o.resourceVersionMatch,
    timeoutSeconds: o.timeoutSeconds,
  };
}

function writeQuery(o: WriteOptions | undefined): Record<string, string | boolean | undefined> {
  if (!o) return {};
  return { dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager, fieldValidation: o.fieldValidation };
}

export class RestClient {
  readonly transport: Transport;
  readonly connection: ClusterConnection;

  constructor(conn: ClusterConnection | string, opts: RestClientOptions = {}) {
    this.connection = typeof conn === 'string' ? { server: conn } : conn;
    this.transport = new Transport(this.connection, opts);
  }

  /** A client from the kubeconfig (see loadKubeconfig for the search order). */
  static fromKubeconfig(load: LoadOptions = {}, opts: RestClientOptions = {}): RestClient {
    return new RestClient(loadKubeconfig(load), opts);
  }

  /** The raw exchange: no status interpretation. */
  raw(spec: RequestSpec): Promise<RawResponse> {
    const headers: Record<string, string> = { Accept: spec.accept ?? 'application/json' };
    let body: string | Buffer | undefined;
    if (spec.body !== undefined) {
      body = typeof spec.body === 'string' || Buffer.isBuffer(spec.body) ? spec.body : JSON.stringify(spec.body);
      headers['Content-Type'] = spec.contentType ?? 'application/json';
    }
    return this.transport.request({
      method: spec.method,
      path: spec.path + queryString(spec.query),
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(spec.signal ? { signal: spec.signal } : {}),
      ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
    });
  }

  /** A request whose JSON answer is returned; a non-2xx answer throws ApiError. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const res = await this.raw(spec);
    if (res.statusCode < 200 || res.statusCode > 299) throw new ApiError(statusFromResponse(res.statusCode, res.body.toString('utf8')));
    if (res.body.length === 0) return undefined as T;
    const type = String(res.headers['content-type'] ?? '');
    if (type && !type.includes('json')) return res.body.toString('utf8') as T;
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  /** A request answered with text (e.g. logs). */
  async text(spec: RequestSpec): Promise<string> {
    const res = await this.raw({ accept: '*/*', ...spec });
    if (res.statusCode < 200 || res.statusCode > 299) throw new ApiError(statusFromResponse(res.statusCode, res.body.toString('utf8')));
    return res.body.toString('utf8');
  }

  /** A streamed GET (follow logs): the response once the server accepted; ApiError otherwise. */
  async stream(spec: RequestSpec): Promise<IncomingMessage> {
    const res = await this.transport.stream({
      method: spec.method,
      path: spec.path + queryString(spec.query),
      headers: { Accept: spec.accept ?? '*/*' },
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw new ApiError(statusFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
    }
    return res;
  }

  /** Open a watch at an absolute collection path. */
  watchPath<T>(path: string, opts: WatchOptions = {}): Promise<Watch<T>> {
    const q: Record<string, string | number | boolean | undefined> = { ...listQuery(opts), watch: true, allowWatchBookmarks: opts.allowWatchBookmarks ?? true, sendInitialEvents: opts.sendInitialEvents };
    delete q.limit;
    delete q.continue;
    return openWatch<T>(this.transport, path + queryString(q), opts.accept ? { Accept: opts.accept } : {}, opts.signal);
  }

  /** A client for one resource, by plural/singular/short name or kind (api/resources.ts), in a namespace if namespaced. */
  resource<T extends Obj = Obj & Record<string, unknown>>(name: string, namespace?: string): ResourceClient<T> {
    const info = lookupResource(name);
    if (!info) throw new Error(`the server doesn't have a resource type "${name}"`);
    return new ResourceClient<T>(this, info, info.namespaced ? namespace : undefined);
  }

  /** A client for a resource described explicitly (for kinds not in api/resources.ts). */
  resourceFor<T extends Obj>(info: ResourceDescriptor, namespace?: string): ResourceClient<T> {
    return new ResourceClient<T>(this, info, info.namespaced ? namespace : undefined);
  }

  pods(namespace?: string): ResourceClient<Pod> {
    return this.resource<Pod>('pods', namespace);
  }
  services(namespace?: string): ResourceClient<Service> {
    return this.resource<Service>('services', namespace);
  }
  replicationControllers(namespace?: string): ResourceClient<ReplicationController> {
    return this.resource<ReplicationController>('replicationcontrollers', namespace);
  }
  endpoints(namespace?: string): ResourceClient<Endpoints> {
    return this.resource<Endpoints>('endpoints', namespace);
  }
  events(namespace?: string): ResourceClient<Event> {
    return this.resource<Event>('events', namespace);
  }
  configMaps(namespace?: string): ResourceClient<ConfigMap> {
    return this.resource<ConfigMap>('configmaps', namespace);
  }
  secrets(namespace?: string): ResourceClient<Secret> {
    return this.resource<Secret>('secrets', namespace);
  }
  nodes(): ResourceClient<Node> {
    return this.resource<Node>('nodes');
  }
  namespaces(): ResourceClient<Namespace> {
    return this.resource<Namespace>('namespaces');
  }

  /** Release pooled sockets (open watches keep their own until stopped). */
  close(): void {
    this.transport.close();
  }
}


/** What a ResourceClient needs to know about its resource; api/resources.ts ResourceInfo fits. */
export interface ResourceDescriptor {
  resource: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
}

export class ResourceClient<T extends Obj> {
  readonly apiVersion: string;

  constructor(
    readonly client: RestClient,
    readonly info: ResourceDescriptor | ResourceInfo,
    /** Undefined for cluster-scoped resources, and for "all namespaces" lists/watches of namespaced ones. */
    readonly namespace: string | undefined,
  ) {
    this.apiVersion = apiVersionOf(info);
  }

  /** The collection path: /api/v1[/namespaces/<ns>]/<plural>. */
  collectionPath(): string {
    const gv = groupVersionPath(this.info.group, this.info.version);
    return this.namespace !== undefined && this.info.namespaced
      ? `${gv}/namespaces/${encodeURIComponent(this.namespace)}/${this.info.resource}`
      : `${gv}/${this.info.resource}`;
  }

  itemPath(name: string, subresource?: string): string {
    if (!name) throw new Error(`${this.info.resource}: a resource name is required`);
    if (this.info.namespaced && this.namespace === undefined) throw new Error(`${this.info.resource} "${name}": a namespace is required`);
    return `${this.collectionPath()}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
  }

  /** The same resource in another namespace. */
  inNamespace(namespace: string | undefined): ResourceClient<T> {
    return new ResourceClient<T>(this.client, this.info, this.info.namespaced ? namespace : undefined);
  }

  get(name: string, opts: GetOptions = {}): Promise<T> {
    return this.client.request<T>({ method: 'GET', path: this.itemPath(name), query: { resourceVersion: opts.resourceVersion }, signal: opts.signal });
  }

  list(opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.client.request<KubeList<T>>({ method: 'GET', path: this.collectionPath(), query: listQuery(opts), signal: opts.signal });
  }

  /** Follow `continue` tokens until the whole (consistent) list is read; pageSize 0 = one request. */
  async listAll(opts: ListOptions = {}, pageSize = 500): Promise<KubeList<T>> {
    const first = await this.list({ ...opts, ...(pageSize > 0 ? { limit: pageSize } : {}) });
    const items = first.items ?? [];
    let token = first.metadata?.continue;
    while (token) {
      const page = await this.list({ ...opts, resourceVersion: undefined, limit: pageSize, continue: token });
      items.push(...(page.items ?? []));
      token = page.metadata?.continue;
    }
    return { ...first, items, metadata: { resourceVersion: first.metadata?.resourceVersion } };
  }

  /** The list as a server-side Table (meta.k8s.io/v1), or a plain list if the server does not make tables. */
  listTable(opts: ListOptions & { includeObject?: 'None' | 'Metadata' | 'Object' } = {}): Promise<unknown> {
    return this.client.request<unknown>({
      method: 'GET',
      path: this.collectionPath(),
      query: { ...listQuery(opts), includeObject: opts.includeObject },
      accept: TABLE_ACCEPT,
      signal: opts.signal,
    });
  }

  getTable(name: string, opts: GetOptions & { includeObject?: 'None' | 'Metadata' | 'Object' } = {}): Promise<unknown> {
    return this.client.request<unknown>({
      method: 'GET',
      path: this.itemPath(name),
      query: { includeObject: opts.includeObject },
      accept: TABLE_ACCEPT,
      signal: opts.signal,
    });
  }

  private withType(obj: T): T {
    if (obj.apiVersion && obj.kind) return obj;
    return { apiVersion: this.apiVersion, kind: this.info.kind, ...obj };
  }

  create(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.client.request<T>({ method: 'POST', path: this.collectionPath(), query: writeQuery(opts), body: this.withType(obj), signal: opts.signal });
  }

  /** PUT the whole object; metadata.resourceVersion, when set, makes it conditional (409 if stale). */
  update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.client.request<T>({ method: 'PUT', path: this.itemPath(nameOf(obj)), query: writeQuery(opts), body: this.withType(obj), signal: opts.signal });
  }

  updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.client.request<T>({ method: 'PUT', path: this.itemPath(nameOf(obj), 'status'), query: writeQuery(opts), body: this.withType(obj), signal: opts.signal });
  }

  /** PATCH with the given patch type; a subresource (e.g. 'status', 'scale') when given. */
  patch(name: string, patch: unknown, type: PatchType = 'merge', opts: PatchOptions & { subresource?: string } = {}): Promise<T> {
    return this.client.request<T>({
      method: 'PATCH',
      path: this.itemPath(name, opts.subresource),
      query: { ...writeQuery(opts), force: opts.force ? true : undefined },
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      signal: opts.signal,
    });
  }

  /** Server-side apply of a (partial) object under a field manager. */
  apply(obj: T, opts: ApplyOptions): Promise<T> {
    return this.patch(nameOf(obj), JSON.stringify(this.withType(obj)), 'apply', opts);
  }

  /** Delete; resolves with what the server answers (the object while it finishes, or a Success Status). */
  delete(name: string, opts: DeleteOptions = {}): Promise<T | import('../api/meta.js').Status> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.dryRun) body.dryRun = ['All'];
    return this.client.request({ method: 'DELETE', path: this.itemPath(name), body, signal: opts.signal });
  }

  /** DELETE on the collection, filtered by the list options. */
  deleteCollection(opts: ListOptions & Omit<DeleteOptions, 'signal'> = {}): Promise<unknown> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    return this.client.request({ method: 'DELETE', path: this.collectionPath(), query: listQuery(opts), body, signal: opts.signal });
  }

  watch(opts: WatchOptions = {}): Promise<Watch<T>> {
    return this.client.watchPath<T>(this.collectionPath(), opts);
  }

  /** GET a subresource (e.g. 'status', 'scale'). */
  getSubresource<S = T>(name: string, subresource: string, opts: GetOptions = {}): Promise<S> {
    return this.client.request<S>({ method: 'GET', path: this.itemPath(name, subresource), signal: opts.signal });
  }

  /** PUT a subresource object. */
  updateSubresource<S>(name: string, subresource: string, body: S, opts: WriteOptions = {}): Promise<S> {
    return this.client.request<S>({ method: 'PUT', path: this.itemPath(name, subresource), query: writeQuery(opts), body, signal: opts.signal });
  }

  /** POST to a subresource (e.g. 'binding'). */
  createSubresource<S, R = unknown>(name: string, subresource: string, body: S, opts: WriteOptions = {}): Promise<R> {
    return this.client.request<R>({ method: 'POST', path: this.itemPath(name, subresource), query: writeQuery(opts), body, signal: opts.signal });
  }

  getScale(name: string): Promise<Scale> {
    return this.getSubresource<Scale>(name, 'scale');
  }

  /** Set replicas through the scale subresource (read, then PUT; retried on conflict). */
  async scale(name: string, replicas: number, opts: WriteOptions = {}): Promise<Scale> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.getScale(name);
      const next: Scale = { ...cur, apiVersion: cur.apiVersion ?? 'autoscaling/v1', kind: 'Scale', spec: { ...cur.spec, replicas } };
      try {
        return await this.updateSubresource<Scale>(name, 'scale', next, opts);
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }

  /** Bind a pod to a node (pods only): POST .../pods/<name>/binding. */
  bind(name: string, nodeName: string, opts: WriteOptions & { uid?: string } = {}): Promise<unknown> {
    const binding: Binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, ...(this.namespace ? { namespace: this.namespace } : {}), ...(opts.uid ? { uid: opts.uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    return this.createSubresource(name, 'binding', binding, opts);
  }

  private logQuery(o: LogOptions): Record<string, string | number | boolean | undefined> {
    return {
      container: o.container,
      follow: o.follow || undefined,
      previous: o.previous || undefined,
      timestamps: o.timestamps || undefined,
      tailLines: o.tailLines,
      sinceSeconds: o.sinceSeconds,
      limitBytes: o.limitBytes,
    };
  }

  /** A pod's log as text (pods only). */
  log(name: string, opts: Omit<LogOptions, 'follow'> = {}): Promise<string> {
    return this.client.text({ method: 'GET', path: this.itemPath(name, 'log'), query: this.logQuery(opts), signal: opts.signal });
  }

  /** A pod's log as a stream (follow=true by default). */
  logStream(name: string, opts: LogOptions = {}): Promise<IncomingMessage> {
    return this.client.stream({ method: 'GET', path: this.itemPath(name, 'log'), query: this.logQuery({ follow: true, ...opts }), signal: opts.signal });
  }
}

function nameOf(obj: Obj): string {
  const n = obj.metadata?.name;
  if (!n) throw new Error('the object has no metadata.name');
  return n;
}

export type { Watch, WatchEvent };
