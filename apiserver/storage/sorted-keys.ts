// A sorted array of keys with binary search: the ordering a cached list and
// its continue keys need. Keys are ASCII in practice (Kubernetes names), so
// JS string order equals etcd's byte order.

export class SortedKeys {
  private keys: string[] = [];
  /**
   * Inserted keys not yet merged into `keys`: an insert into a sorted array of n keys moves
   * n/2 of them (measured: 2% of the apiserver's main thread under creates with 40k pods
   * cached), so inserts wait here and are merged, sorted, by the next read. A burst of
   * creates then costs one merge, and a read after each insert no more than the splice did.
   */
  private readonly pending = new Set<string>();

  get size(): number {
    return this.keys.length + this.pending.size;
  }

  private merge(): void {
    if (this.pending.size === 0) return;
    const add = [...this.pending].sort(compare);
    this.pending.clear();
    const old = this.keys;
    const out = new Array<string>(old.length + add.length);
    let i = 0;
    let j = 0;
    let o = 0;
    while (i < old.length && j < add.length) out[o++] = old[i] < add[j] ? old[i++] : add[j++];
    while (i < old.length) out[o++] = old[i++];
    while (j < add.length) out[o++] = add[j++];
    this.keys = out;
  }

  /** Index of the first key >= k. */
  lowerBound(k: string): number {
    this.merge();
    return lowerBound(this.keys, k);
  }

  /** Index of the first key > k. */
  upperBound(k: string): number {
    this.merge();
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
    this.merge();
    return this.keys[i];
  }

  insert(k: string): void {
    if (this.pending.has(k) || this.keys[lowerBound(this.keys, k)] === k) return;
    this.pending.add(k);
  }

  remove(k: string): void {
    if (this.pending.delete(k)) return;
    const i = lowerBound(this.keys, k);
    if (this.keys[i] === k) this.keys.splice(i, 1);
  }

  /** Replace everything with the given keys (sorted here). */
  reset(keys: string[]): void {
    this.pending.clear();
    this.keys = [...keys].sort(compare);
  }

  /** [start, end) index range of keys beginning with prefix. */
  prefixRange(prefix: string): [number, number] {
    return [this.lowerBound(prefix), this.lowerBound(prefixEndString(prefix))];
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Index of the first key >= k in the sorted array. */
function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest string greater than every string starting with prefix. */
export function prefixEndString(prefix: string): string {
  if (prefix === '') return '\u{10FFFF}';
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
