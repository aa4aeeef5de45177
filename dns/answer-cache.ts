// A size-bounded map with expiry: the oldest entry goes when it is full, an
// entry is gone once its time is up. Used for forwarded answers (TTL-bounded)
// and for encoded cluster answers (dropped whenever the cluster changes).

export class BoundedCache<V> {
  private readonly items = new Map<string, { value: V; expires: number }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, now = Date.now()): V | undefined {
    const e = this.items.get(key);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.items.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlMs: number, now = Date.now()): void {
    if (ttlMs <= 0) return;
    this.items.delete(key);
    if (this.items.size >= this.maxEntries) this.items.delete(this.items.keys().next().value as string);
    this.items.set(key, { value, expires: now + ttlMs });
  }

  clear(): void {
    this.items.clear();
  }

  get size(): number {
    return this.items.size;
  }
}
