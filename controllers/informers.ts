// One informer per resource, shared by every controller of a controller manager
// (client-go's SharedInformerFactory): each resource is listed and watched once.
// Resources are keyed by group too, so two groups' kinds of one plural never share.

import { Informer } from '../client/informer.js';
import type { Obj, RestClient } from '../client/rest.js';
import { lookupResource, type ResourceInfo } from '../api/resources.js';

/** What a controller does with an informer it owns, whatever its object type: start and stop it. */
export type RunnableInformer = Pick<Informer<Obj>, 'start' | 'stop'>;

export class InformerFactory {
  // Informers of every object type in one map: get() hands each back with the type it was made with.
  private readonly informers = new Map<string, RunnableInformer>();
  constructor(
    readonly client: RestClient,
    private readonly onError?: (err: unknown) => void,
  ) {}

  /** The informer of a resource: its plural (looked up across groups) or its ResourceInfo (exactly that group). */
  get<T extends Obj>(resource: string | ResourceInfo, namespace?: string): Informer<T> {
    const info = typeof resource === 'string' ? lookupResource(resource) : resource;
    if (!info) throw new Error(`the server doesn't have a resource type "${typeof resource === 'string' ? resource : resource.resource}"`);
    const key = `${info.group}/${info.resource}/${namespace ?? ''}`;
    let i = this.informers.get(key);
    if (!i) {
      i = new Informer<T>(this.client, this.client.resourceFor<T>(info, namespace), { ...(namespace ? { namespace } : {}), ...(this.onError ? { onError: this.onError } : {}) });
      this.informers.set(key, i);
    }
    return i as Informer<T>;
  }

  /** Start every informer made so far; resolves when all have their first list. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
