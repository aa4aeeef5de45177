// The generic registry: create/get/list/update/delete/watch for any resource on the
// Storage interface, with Kubernetes' object-meta rules (uid, resourceVersion,
// generation, generateName, finalizers, graceful deletion, status subresource).
// What differs per resource comes from its Strategy.

import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeList, KubeObject, StatusCause } from '../../api/meta.js';
import { apiVersionOf } from '../../api/resources.js';
import { applyDefaults, validate, validateStatusFields } from '../../api/kinds.js';
import { recordUpdateManager } from '../../api/patch.js';
import { nowRFC3339 } from '../../api/managed-fields.js';
import type { Storage, StorageWatchEvent, Watcher } from '../storage/interface.js';
import { StorageError } from '../storage/interface.js';
import {
  ApiError,
  badRequest,
  conflict,
  fromStorage,
  invalid,
  type Target,
} from '../errors.js';
import type { DeleteOptions, RequestContext, Strategy } from './strategy.js';
import { ephemeralContainersUpdateCauses, withEphemeralContainersOf } from './ephemeral-containers.js';

export type ObjectFilter = (obj: KubeObject) => boolean;

export interface ListQuery {
  filter?: ObjectFilter;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  /** resourceVersionMatch=Exact: the list as of exactly resourceVersion. */
  exact?: boolean;
}

export interface WatchSink {
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void;
  bookmark?(revision: string): void;
  /** The watch ended (storage error); the handler should send an ERROR event and close. */
  end(err: ApiError): void;
}

/** Answers whether a namespace accepts new objects; the namespace registry implements it. */
export interface NamespaceGate {
  check(namespace: string): Promise<void>;
}

const GENERATE_NAME_TRIES = 8;
const UPDATE_RETRIES = 8;

export class Registry<T extends KubeObject = KubeObject> {
  readonly prefixRoot: string;
  /**
   * The newest revision this apiserver wrote for this resource. Without quorumReads, reads
   * without a resourceVersion wait until the watch cache has seen it and are then served
   * from the cache: read-your-writes without an etcd round trip (one apiserver per etcd).
   */
  private lastWrite = 0n;

  constructor(
    readonly store: Storage,
    readonly strategy: Strategy<T>,
    private readonly namespaces?: NamespaceGate,
  ) {
    // Custom resources live under their group, as upstream's (a CRD's plural may equal a built-in's).
    const info = strategy.info;
    this.prefixRoot = info.custom ? `/registry/${info.group}/${info.resource}/` : `/registry/${info.resource}/`;
    this.rulesKind = info.custom ? '' : info.kind;
  }

  /** The kind whose api/kinds.ts rules apply: none for a custom resource (whose kind may spell a built-in one). */
  private readonly rulesKind: string;

  get info() {
    return this.strategy.info;
  }

  private noteWrite(obj: KubeObject, revision: string): void {
    const rev = BigInt(obj.metadata.resourceVersion ?? revision);
    if (rev > this.lastWrite) this.lastWrite = rev;
  }

  /**
   * Other apiservers write to the same etcd: a "most recent" read must then see their writes too,
   * so it is served once the cache has caught up with etcd's current (quorum) revision, or from etcd
   * (upstream's consistent reads), instead of at this apiserver's own latest write.
   */
  quorumReads = false;

  /** The resourceVersion a "most recent" read is served at (see lastWrite and quorumReads). */
  private consistent(rv: string | undefined): string {
    if (rv !== undefined && rv !== '') return rv;
    return this.quorumReads ? '' : this.ownWrites();
  }

  /** As fresh as this apiserver's own writes: enough before a compare-and-swap, which catches anything newer. */
  private ownWrites(): string {
    return this.lastWrite > 0n ? String(this.lastWrite) : '0';
  }

  key(namespace: string | undefined, name: string): string {
    return this.info.namespaced ? `${this.prefixRoot}${namespace}/${name}` : `${this.prefixRoot}${name}`;
  }

  /** The key prefix for a list: one namespace, or all of them. */
  prefix(namespace?: string): string {
    return this.info.namespaced && namespace ? `${this.prefixRoot}${namespace}/` : this.prefixRoot;
  }

  target(name?: string): Target & { kind: string } {
    return { resource: this.info.resource, group: this.info.group || undefined, name, kind: this.info.kind };
  }

  /** Objects from the watch cache are shared and frozen: copy only when type meta is missing. */
  private withType(obj: T): T {
    const apiVersion = apiVersionOf(this.info);
    if (obj.apiVersion === apiVersion && obj.kind === this.info.kind) return obj;
    return { ...obj, apiVersion, kind: this.info.kind };
  }

  async get(namespace: string | undefined, name: string, resourceVersion?: string): Promise<T> {
    try {
      const got = await this.store.get<T>(this.key(namespace, name), { resourceVersion: this.consistent(resourceVersion), readOnly: true });
      return this.withType(got.object);
    } catch (err) {
      throw fromStorage(err, this.target(name));
    }
  }

  /** A namespace's objects as fresh as this apiserver's own writes, from the watch cache once listed (admission plugins' reads). */
  async listOwnWrites(namespace: string): Promise<T[]> {
    return (await this.list(namespace, { resourceVersion: this.ownWrites() })).items;
  }

  async list(namespace: string | undefined, q: ListQuery = {}): Promise<KubeList<T>> {
    const prefix = this.prefix(namespace);
    let startAfter: string | undefined;
    let exactRevision: string | undefined;
    if (q.continueToken) {
      const tok = decodeContinue(q.continueToken);
      if (!tok.start.startsWith(prefix)) throw badRequest('continue key is not valid for this list');
      startAfter = tok.start;
      exactRevision = tok.rv;
    } else if (q.exact && q.resourceVersion && q.resourceVersion !== '0') {
      exactRevision = q.resourceVersion;
    }
    const limit = q.limit && q.limit > 0 ? q.limit : undefined;
    try {
      // With a filter the page must be cut after filtering, so read everything after the start key.
      const res = await this.store.list<T>(prefix, {
        resourceVersion: this.consistent(q.resourceVersion),
        startAfter,
        exactRevision,
        limit: q.filter ? undefined : limit,
      });
      let items = res.items;
      if (q.filter) items = items.filter((i) => q.filter!(i.object));
      let more = res.continueKey !== undefined;
      let remaining = res.remaining;
      if (limit !== undefined && items.length > limit) {
        remaining = items.length - limit;
        items = items.slice(0, limit);
        more = true;
      }
      const list: KubeList<T> = {
        apiVersion: apiVersionOf(this.info),
        kind: this.info.listKind,
        metadata: { resourceVersion: exactRevision ?? res.revision },
        items: items.map((i) => this.withType(i.object)),
      };
      if (more && items.length > 0) {
        list.metadata.continue = encodeContinue(exactRevision ?? res.revision, items[items.length - 1].key);
        if (remaining !== undefined && !q.filter) list.metadata.remainingItemCount = remaining;
      }
      return list;
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Gone' && q.continueToken) {
        throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      throw fromStorage(err, this.target());
    }
  }

  /** `applied`: the object comes from a server-side apply that already recorded its field manager. */
  async create(ctx: RequestContext, input: T, opts: { applied?: boolean } = {}): Promise<T> {
    const obj = this.normalizeIncoming(input, ctx);
    const meta = obj.metadata;
    if (this.info.namespaced && this.namespaces) await this.namespaces.check(meta.namespace!);
    if (!meta.name && !meta.generateName) {
      throw invalid(this.target(), [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = nowSeconds();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    if (this.strategy.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    applyDefaults(this.rulesKind, obj);
    await this.strategy.prepareForCreate?.(obj, ctx);
    let created = false;
    try {
      this.mustBeValid(obj);
      if (!opts.applied) recordUpdateManager(obj, ctx.fieldManager, 'Update');
      if (ctx.dryRun) return this.withType(await this.dryRunCreate(obj));
      for (let attempt = 0; ; attempt++) {
        const named = meta.name ? obj : withGeneratedName(obj);
        if (!meta.name) {
          this.strategy.prepareNamed?.(named);
          this.mustBeValid(named); // the generated name itself must be valid
        }
        try {
          const res = await this.store.create(this.key(named.metadata.namespace, named.metadata.name!), named);
          this.noteWrite(res.object, res.revision);
          created = true;
          return this.withType(res.object);
        } catch (err) {
          // generateName collisions are retried, as the apiserver's client would have to do otherwise.
          if (!meta.name && err instanceof StorageError && err.code === 'AlreadyExists' && attempt < GENERATE_NAME_TRIES) continue;
          throw fromStorage(err, this.target(named.metadata.name));
        }
      }
    } finally {
      if (!created && !ctx.dryRun) await this.strategy.release?.(obj);
    }
  }

  /**
   * What a create would store, without storing it: a generated name is filled in, and an
   * existing name is a 409 AlreadyExists, as upstream's dry-run storage checks the key.
   */
  private async dryRunCreate(obj: T): Promise<T> {
    const named = obj.metadata.name ? obj : withGeneratedName(obj);
    if (!obj.metadata.name) {
      this.strategy.prepareNamed?.(named);
      this.mustBeValid(named);
    }
    const name = named.metadata.name!;
    try {
      await this.store.get<T>(this.key(named.metadata.namespace, name), { resourceVersion: this.consistent(undefined), readOnly: true });
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound') return named;
      throw fromStorage(err, this.target(name));
    }
    throw fromStorage(new StorageError('AlreadyExists', name), this.target(name));
  }

  /**
   * Read-modify-write with compare-and-swap, retried on conflict unless the caller
   * pinned a resourceVersion. `mutate` gets a private copy of the current object.
   */
  async guaranteedUpdate(
    ctx: RequestContext,
    name: string,
    mutate: (current: T) => T | Promise<T>,
    opts: { subresource?: string; createIfMissing?: () => T; applied?: boolean } = {},
  ): Promise<{ object: T; created: boolean }> {
    const key = this.key(ctx.namespace, name);
    // First read from the watch cache (as fresh as our own writes); a miss or a lost
    // compare-and-swap race reads etcd itself.
    let fromCache = true;
    for (let attempt = 0; ; attempt++) {
      let current: T;
      let revision: string;
      try {
        // readOnly: mutate() below gets its own copy.
        const got = await this.store.get<T>(key, fromCache ? { resourceVersion: this.ownWrites(), readOnly: true } : undefined);
        current = got.object;
        revision = got.revision;
      } catch (err) {
        if (err instanceof StorageError && err.code === 'NotFound' && fromCache) {
          fromCache = false;
          continue;
        }
        if (err instanceof StorageError && err.code === 'NotFound' && opts.createIfMissing) {
          const created = await this.create(ctx, opts.createIfMissing(), { applied: opts.applied });
          return { object: created, created: true };
        }
        throw fromStorage(err, this.target(name));
      }
      const proposed = await mutate(structuredClone(current));
      const pinned = proposed.metadata?.resourceVersion;
      if (pinned && pinned !== revision) {
        if (fromCache) {
          fromCache = false; // the cache may lag another writer: decide on etcd's copy
          continue;
        }
        throw conflict(this.target(name), 'the object has been modified; please apply your changes to the latest version and try again');
      }
      const next = await this.prepareUpdate(ctx, name, proposed, current, opts.subresource, opts.applied);
      if (isDeepStrictEqual(stripRV(next), stripRV(current))) return { object: this.withType(current), created: false };
      if (ctx.dryRun) return { object: this.withType(next), created: false };
      try {
        if (this.shouldFinishDeletion(next)) {
          const res = await this.store.delete<T>(key, revision);
          this.noteWrite(res.object, res.revision);
          await this.strategy.release?.(res.object);
          return { object: this.withType(res.object), created: false };
        }
        const res = await this.store.update(key, next, revision);
        this.noteWrite(res.object, res.revision);
        if (!opts.subresource) await this.strategy.afterUpdate?.(res.object, current);
        return { object: this.withType(res.object), created: false };
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Conflict' && (fromCache || !pinned) && attempt < UPDATE_RETRIES) {
          fromCache = false;
          continue;
        }
        throw fromStorage(err, this.target(name));
      }
    }
  }

  /** PUT: replace the object (or its status) with `input`. */
  async update(ctx: RequestContext, name: string, input: T, subresource?: string): Promise<{ object: T; created: boolean }> {
    const incoming = this.normalizeIncoming(input, ctx);
    if (incoming.metadata.name !== name) {
      throw badRequest(`the name of the object (${incoming.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    const allowCreate = this.strategy.allowCreateOnUpdate && !subresource;
    return this.guaranteedUpdate(ctx, name, () => structuredClone(incoming), {
      subresource,
      createIfMissing: allowCreate ? () => structuredClone(incoming) : undefined,
    });
  }

  /** Turns a proposed new state into what gets stored, enforcing meta and status rules. */
  private async prepareUpdate(ctx: RequestContext, name: string, proposed: T, current: T, subresource?: string, applied = false): Promise<T> {
    let next: T;
    if (subresource === 'binding' || subresource === 'finalize') {
      // Server-side mutations of fields users may not change directly (spec.nodeName,
      // spec.finalizers): the caller built the whole object from the stored one.
      next = proposed;
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      this.mustBeValid(next);
      recordUpdateManager(next, ctx.fieldManager, 'Update', current, { subresource });
      return next;
    }
    if (subresource === 'ephemeralcontainers') {
      // Only spec.ephemeralContainers is taken from the request; existing ones may not change.
      next = withEphemeralContainersOf(current, proposed);
      applyDefaults(this.rulesKind, next);
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      const causes = ephemeralContainersUpdateCauses(next, current);
      if (causes.length) throw invalid(this.target(name), causes);
      recordUpdateManager(next, ctx.fieldManager, 'Update', current, { subresource });
      return next;
    }
    if (subresource === 'status' || subresource === 'approval') {
      // A status write changes status only; everything else stays as stored. (CSR approval
      // also writes status: its strategy keeps all but the conditions.)
      next = structuredClone(current);
      (next as KubeObject).status = (proposed as KubeObject).status;
      await this.strategy.prepareForStatusUpdate?.(next, current, subresource, ctx);
    } else {
      next = proposed;
      next.metadata ??= {};
      const m = next.metadata;
      const old = current.metadata;
      if (m.name !== undefined && m.name !== old.name) throw badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
      m.name = old.name;
      if (this.info.namespaced) m.namespace = old.namespace;
      m.uid = old.uid;
      m.creationTimestamp = old.creationTimestamp;
      // deletionTimestamp can only be set by DELETE, never by an update.
      if (old.deletionTimestamp) {
        m.deletionTimestamp = old.deletionTimestamp;
        m.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
      } else {
        delete m.deletionTimestamp;
        delete m.deletionGracePeriodSeconds;
      }
      if (old.deletionTimestamp && (m.finalizers ?? []).some((f) => !(old.finalizers ?? []).includes(f))) {
        throw invalid(this.target(name), [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted' }]);
      }
      // `current` may be the cache's frozen copy: take a private one of what we keep.
      if (this.strategy.hasStatus && (current as KubeObject).status !== undefined) (next as KubeObject).status = structuredClone((current as KubeObject).status);
      else if (this.strategy.hasStatus) delete (next as KubeObject).status;
      applyDefaults(this.rulesKind, next);
      await this.strategy.prepareForUpdate?.(next, current, ctx);
      if (this.strategy.tracksGeneration) {
        m.generation = old.generation ?? 1;
        if (!isDeepStrictEqual(specOf(next), specOf(current)) || this.strategy.generationChanged?.(next, current)) m.generation += 1;
      }
    }
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    this.mustBeValid(next, current, subresource === 'status' || subresource === 'approval');
    if (!applied && !isDeepStrictEqual(stripRV(next), stripRV(current))) {
      recordUpdateManager(next, ctx.fieldManager, 'Update', current, { subresource });
    }
    return next;
  }

  async delete(ctx: RequestContext, name: string, opts: DeleteOptions = {}): Promise<{ object: T; finished: boolean }> {
    this.strategy.beforeDelete?.(name, ctx);
    const key = this.key(ctx.namespace, name);
    for (let attempt = 0; ; attempt++) {
      let cur: T;
      let revision: string;
      try {
        const got = await this.store.get<T>(key);
        cur = got.object;
        revision = got.revision;
      } catch (err) {
        throw fromStorage(err, this.target(name));
      }
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== cur.metadata.uid) {
        throw conflict(this.target(name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== revision) {
        throw conflict(this.target(name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${revision}`);
      }
      const next = structuredClone(cur);
      const m = next.metadata;
      let grace = this.strategy.gracePeriod?.(next, opts);
      if (m.deletionTimestamp && grace !== undefined && m.deletionGracePeriodSeconds !== undefined && grace >= m.deletionGracePeriodSeconds) {
        grace = m.deletionGracePeriodSeconds; // a second delete may only shorten the grace period
      }
      const finalizers = new Set(m.finalizers ?? []);
      const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
      // Dependents are handled by the garbage collector through these finalizers, as in Kubernetes.
      if (policy === 'Foreground') finalizers.add('foregroundDeletion');
      if (policy === 'Orphan') finalizers.add('orphan');
      const graceful = grace !== undefined && grace > 0;
      if (finalizers.size === 0 && !graceful) {
        if (ctx.dryRun) return { object: this.withType(cur), finished: true };
        try {
          const res = await this.store.delete<T>(key, revision);
          this.noteWrite(res.object, res.revision);
          await this.strategy.release?.(res.object);
          return { object: this.withType(res.object), finished: true };
        } catch (err) {
          if (err instanceof StorageError && err.code === 'Conflict' && !pre?.resourceVersion && attempt < UPDATE_RETRIES) continue;
          throw fromStorage(err, this.target(name));
        }
      }
      const now = Date.now();
      const graceSecs = graceful ? grace! : 0;
      // An int64 grace period can be far past what a timestamp can say; RFC 3339 ends with year 9999.
      const deletionTs = nowSeconds(Math.min(now + graceSecs * 1000, LAST_RFC3339_MS));
      if (!m.deletionTimestamp || graceSecs < (m.deletionGracePeriodSeconds ?? Infinity)) {
        m.deletionTimestamp = deletionTs;
        m.deletionGracePeriodSeconds = graceSecs;
      }
      m.finalizers = [...finalizers];
      if (m.finalizers.length === 0) delete m.finalizers;
      if (isDeepStrictEqual(next, cur)) return { object: this.withType(cur), finished: false };
      if (ctx.dryRun) return { object: this.withType(next), finished: false };
      try {
        const res = await this.store.update(key, next, revision);
        this.noteWrite(res.object, res.revision);
        return { object: this.withType(res.object), finished: false };
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Conflict' && !pre?.resourceVersion && attempt < UPDATE_RETRIES) continue;
        throw fromStorage(err, this.target(name));
      }
    }
  }

  /**
   * Watch from `resourceVersion` (exclusive). With no resourceVersion (or "0"), the
   * current state is sent first as ADDED events, as Kubernetes does for a plain watch.
   */
  async watch(namespace: string | undefined, q: { filter?: ObjectFilter; resourceVersion?: string; sendInitial?: boolean }, sink: WatchSink): Promise<Watcher> {
    const prefix = this.prefix(namespace);
    const filter = q.filter ?? (() => true);
    let from = q.resourceVersion && q.resourceVersion !== '0' ? q.resourceVersion : undefined;
    if (!from || q.sendInitial) {
      try {
        const res = await this.store.list<T>(prefix, { resourceVersion: q.resourceVersion === '0' ? '0' : this.consistent(undefined) });
        for (const item of res.items) if (filter(item.object)) sink.event('ADDED', this.withType(item.object));
        from = res.revision;
      } catch (err) {
        throw fromStorage(err, this.target());
      }
    }
    return this.store.watch<T>(prefix, from, {
      onEvent: (ev: StorageWatchEvent<T>) => {
        const obj = this.withType(ev.object);
        const now = filter(obj);
        if (ev.type === 'MODIFIED' && ev.prevObject) {
          const before = filter(this.withType(ev.prevObject));
          if (now && !before) sink.event('ADDED', obj);
          else if (!now && before) sink.event('DELETED', obj);
          else if (now) sink.event('MODIFIED', obj);
          return;
        }
        if (now) sink.event(ev.type, obj);
      },
      onProgress: (rev) => sink.bookmark?.(rev),
      onError: (err) => sink.end(fromStorage(err, this.target())),
    });
  }

  /** An object marked for deletion is removed once nothing holds it any more. */
  private shouldFinishDeletion(obj: T): boolean {
    const m = obj.metadata;
    if (!m.deletionTimestamp || m.finalizers?.length || (m.deletionGracePeriodSeconds ?? 0) !== 0) return false;
    // A namespace is also held by its spec.finalizers until the namespace controller finalizes it.
    const spec = (obj as KubeObject).spec as { finalizers?: string[] } | undefined;
    return !(this.rulesKind === 'Namespace' && spec?.finalizers?.length);
  }

  /** Sets kind/apiVersion/namespace the way the URL says and rejects contradictions. */
  private normalizeIncoming(input: T, ctx: RequestContext): T {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw badRequest('the request body must be a JSON or YAML object');
    // The body was decoded for this request alone, so it is normalised in place.
    const obj = input;
    if (obj.kind !== undefined && obj.kind !== this.info.kind) {
      throw badRequest(`the kind of the object (${String(obj.kind)}) does not match the kind on the URL (${this.info.kind})`);
    }
    const apiVersion = apiVersionOf(this.info);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw badRequest('metadata must be an object');
    const meta = obj.metadata;
    if (this.info.namespaced) {
      if (meta.namespace && ctx.namespace && meta.namespace !== ctx.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = ctx.namespace ?? meta.namespace;
      if (!meta.namespace) throw badRequest('a namespace is required for namespaced resources');
    } else {
      delete meta.namespace;
    }
    obj.apiVersion = apiVersion;
    obj.kind = this.info.kind;
    return obj;
  }

  /** `statusWrite`: a write to the status subresource, which the kind's status rules check too. */
  private mustBeValid(obj: T, old?: T, statusWrite = false): void {
    const causes: StatusCause[] = [...validate(this.rulesKind, obj, old), ...(this.strategy.validate?.(obj, old) ?? [])];
    if (statusWrite && old) causes.push(...validateStatusFields(this.rulesKind, obj, old));
    if (causes.length) throw invalid(this.target(obj.metadata.name ?? obj.metadata.generateName), causes);
  }
}

/** RFC 3339 to the second (memoised: every write stamps one). */
export const nowSeconds = nowRFC3339;
const LAST_RFC3339_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
function withGeneratedName<T extends KubeObject>(obj: T): T {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  const base = obj.metadata.generateName!.slice(0, 63 - 5);
  const copy = structuredClone(obj);
  copy.metadata.name = base + suffix;
  return copy;
}

function specOf(obj: KubeObject): unknown {
  const rest: Record<string, unknown> = { ...obj };
  for (const k of ['metadata', 'status', 'apiVersion', 'kind']) delete rest[k];
  return rest;
}

function stripRV(obj: KubeObject): unknown {
  const meta = { ...obj.metadata };
  delete meta.resourceVersion;
  delete meta.managedFields;
  return { ...obj, metadata: meta };
}


interface ContinueToken {
  rv: string;
  start: string;
}

export function encodeContinue(rv: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(rv), start: lastKey })).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown } | null;
    if (typeof t?.start !== 'string' || typeof t.rv !== 'number' || !Number.isFinite(t.rv) || t.rv <= 0) throw new Error('bad');
    return { rv: String(t.rv), start: t.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

