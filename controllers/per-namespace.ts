// What the serviceaccount and root-ca-cert-publisher controllers share: one object of a kind
// kept in every active namespace. A namespace's key is queued when the namespace appears or
// changes and when its object is deleted or changed; the sync makes the object be as wanted.
// A terminating namespace is left alone (the namespace controller is emptying it).

import type { Namespace } from '../api/core.js';
import { isAlreadyExists, isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import type { Obj, RestClient } from '../client/rest.js';
import { WorkQueue } from '../client/workqueue.js';
import type { RunnableInformer } from './informers.js';
import { runWorkers, startInformers } from './workers.js';

export interface PerNamespaceOptions<T extends Obj> {
  client: RestClient;
  /** Controller name, for the queue and the log. */
  name: string;
  /** The plural of the kept kind and the one name it is kept under. */
  resource: string;
  objectName: string;
  /** The object wanted in `namespace`. */
  want(namespace: string): T;
  /** Whether `have` needs rewriting to `want` (absent: never, existence is enough). */
  differs?(have: T, want: T): boolean;
  workers?: number;
  log?: (m: string) => void;
  namespaceInformer?: Informer<Namespace>;
  objectInformer?: Informer<T>;
}

export class PerNamespaceController<T extends Obj> {
  readonly namespaces: Informer<Namespace>;
  readonly objects: Informer<T>;
  readonly queue: WorkQueue<string>;
  private readonly ownInformers: RunnableInformer[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly opts: PerNamespaceOptions<T>) {
    this.queue = new WorkQueue<string>({ name: opts.name });
    this.namespaces = opts.namespaceInformer ?? this.own(new Informer<Namespace>(opts.client, 'namespaces'));
    this.objects = opts.objectInformer ?? this.own(new Informer<T>(opts.client, opts.resource));
    const nsKey = (ns: Namespace) => this.queue.add(ns.metadata?.name ?? '');
    this.namespaces.on('add', nsKey);
    this.namespaces.on('update', (_o, ns) => nsKey(ns));
    const objKey = (o: T) => {
      if (o.metadata?.name === opts.objectName && o.metadata.namespace) this.queue.add(o.metadata.namespace);
    };
    this.objects.on('delete', objKey);
    this.objects.on('update', (_o, n) => objKey(n));
  }

  private own<I extends RunnableInformer>(i: I): I {
    this.ownInformers.push(i);
    return i;
  }

  async start(): Promise<this> {
    await startInformers([this.namespaces, this.objects]);
    this.workers = runWorkers(this.queue, this.opts.workers ?? 1, (k) => this.sync(k), this.opts.name, this.opts.log ?? console.error);
    return this;
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.ownInformers.map((i) => i.stop()));
    await this.workers;
  }

  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.store.get(namespace);
    if (!ns || ns.status?.phase === 'Terminating' || ns.metadata?.deletionTimestamp) return;
    const want = this.opts.want(namespace);
    const have = this.objects.store.get(`${namespace}/${this.opts.objectName}`);
    if (have && !(this.opts.differs?.(have, want) ?? false)) return;
    const rc = this.opts.client.resource<T>(this.opts.resource, namespace);
    try {
      if (!have) await rc.create(want);
      else await rc.update({ ...want, metadata: { ...have.metadata, ...want.metadata, resourceVersion: have.metadata?.resourceVersion } });
    } catch (err) {
      // Someone else wrote it first (the watch will bring it), or the namespace went away.
      if (isAlreadyExists(err) || isNotFound(err)) return;
      // A namespace turning Terminating refuses new objects: nothing to do there.
      if ((err as { code?: number }).code === 403) return;
      throw err;
    }
  }
}
