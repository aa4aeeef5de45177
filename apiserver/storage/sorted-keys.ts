// A sorted array of keys with binary search: the ordering a cached list and
// its continue keys need. Keys are ASCII in practice (Kubernetes names), so
// JS string order equals etcd's byte order.

export class SortedKeys {
  private keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** Index of the first key >= k. */
  lowerBound(k: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first key > k. */
  upperBound(k: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] <= k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  at(i: number): string {
    return this.keys[i];
  }

  insert(k: string): void {
    const i = this.lowerBound(k);
    if (this.keys[i] !== k) this.keys.splice(i, 0, k);
  }

  remove(k: string): void {
    const i = this.lowerBound(k);
    if (this.keys[i] === k) this.keys.splice(i, 1);
  }

  /** Replace everything with the given keys (sorted here). */
  reset(keys: string[]): void {
    this.keys = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** [start, end) index range of keys beginning with prefix. */
  prefixRange(prefix: string): [number, number] {
    return [this.lowerBound(prefix), this.lowerBound(prefixEndString(prefix))];
  }
}

/** The smallest string greater than every string starting with prefix. */
export function prefixEndString(prefix: string): string {
  if (prefix === '') return '\u{10FFFF}';
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
