// Logging a failure that recurs without flooding the log: the first failure of a
// key is logged, repeats inside its window are only counted (and reported with
// the next line), and the window doubles while the failures go on (from 1 s to
// 5 min by default); a success forgets the key. For failures that are not a
// work-queue sync (those back off in runWorkers), such as Events that cannot be
// written.

export class FailureLog {
  private readonly keys = new Map<string, { until: number; window: number; quiet: number }>();
  constructor(
    private readonly log: (m: string) => void,
    private readonly baseMs = 1000,
    private readonly maxMs = 300_000,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 1024,
  ) {}

  /** Record a failure of key; logs `message` unless this key already logged within its window. */
  failed(key: string, message: string): boolean {
    const now = this.now();
    const s = this.keys.get(key);
    if (s && now < s.until) {
      s.quiet++;
      return false;
    }
    const window = s ? Math.min(s.window * 2, this.maxMs) : this.baseMs;
    const more = s?.quiet ? ` (${s.quiet} more since the last report)` : '';
    this.log(`${message}${more}`);
    this.keys.delete(key); // re-inserted: the Map's order is least recently failed first
    this.keys.set(key, { until: now + window, window, quiet: 0 });
    while (this.keys.size > this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
    return true;
  }

  succeeded(key: string): void {
    this.keys.delete(key);
  }
}
