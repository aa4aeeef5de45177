// The informer's local cache: objects by "namespace/name" (or "name" for
// cluster-scoped ones), as client-go's MetaNamespaceKeyFunc keys them.

import type { ObjectMeta } from '../api/meta.js';

export interface HasMetadata {
  metadata?: ObjectMeta;
}

export function objectKey(obj: HasMetadata): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export class Store<T extends HasMetadata> {
  private readonly items = new Map<string, T>();

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  /** The objects of one namespace. */
  listNamespace(namespace: string): T[] {
    const out: T[] = [];
    for (const o of this.items.values()) if (o.metadata?.namespace === namespace) out.push(o);
    return out;
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  /** Mutators are for the informer; consumers treat the store as read-only. */
  set(key: string, obj: T): void {
    this.items.set(key, obj);
  }

  delete(key: string): boolean {
    return this.items.delete(key);
  }

  entries(): IterableIterator<[string, T]> {
    return this.items.entries();
  }
}
