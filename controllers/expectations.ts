// Controller expectations, as Kubernetes' ControllerExpectations/UIDTrackingExpectations:
// before a controller creates or deletes pods it records how many adds and which
// deletes it expects to observe; until the informer has shown them all (or the
// record expired) the controller does not act on its possibly-stale cache again,
// so in-flight writes are never repeated. A restarted controller starts with no
// expectations, and its fresh list is the truth.

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Record_ {
  adds: number;
  deletes: Set<string>;
  timestamp: number;
}

export class Expectations {
  private readonly records = new Map<string, Record_>();
  constructor(private readonly ttlMs = EXPECTATIONS_TIMEOUT_MS) {}

  /** True when nothing is pending for the controller (or the expectation expired, or none was ever set). */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return Date.now() - r.timestamp > this.ttlMs;
  }

  expectCreations(key: string, n: number): void {
    this.records.set(key, { adds: n, deletes: new Set(), timestamp: Date.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.records.set(key, { adds: 0, deletes: new Set(podKeys), timestamp: Date.now() });
  }

  /** Both at once (Kubernetes' SetExpectations(add, del)), for a controller that creates and deletes in one sync. */
  expectBoth(key: string, adds: number, podKeys: string[]): void {
    this.records.set(key, { adds, deletes: new Set(podKeys), timestamp: Date.now() });
  }

  /** A create was seen by the informer, or failed (so it never will be). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.adds--;
  }

  /** A pod this controller deleted is gone or terminating (or the delete failed). */
  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.records.delete(key);
  }

  pending(key: string): { adds: number; deletes: number } | undefined {
    const r = this.records.get(key);
    return r ? { adds: r.adds, deletes: r.deletes.size } : undefined;
  }
}
