// One informer per resource, shared by every controller of a controller manager
// (client-go's SharedInformerFactory): each resource is listed and watched once.

import { Informer } from '../client/informer.js';
import type { Obj, RestClient } from '../client/rest.js';

/** What a controller does with an informer it owns, whatever its object type: start and stop it. */
export type RunnableInformer = Pick<Informer<Obj>, 'start' | 'stop'>;

export class InformerFactory {
  // Informers of every object type in one map: get() hands each back with the type it was made with.
  private readonly informers = new Map<string, RunnableInformer>();
  constructor(
    readonly client: RestClient,
    private readonly onError?: (err: unknown) => void,
  ) {}

  get<T extends Obj>(resource: string, namespace?: string): Informer<T> {
    const key = `${resource}/${namespace ?? ''}`;
    let i = this.informers.get(key);
    if (!i) {
      i = new Informer<T>(this.client, resource, { ...(namespace ? { namespace } : {}), ...(this.onError ? { onError: this.onError } : {}) });
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
