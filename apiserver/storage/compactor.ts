// Periodic etcd compaction, as the Kubernetes apiserver does every 5 minutes.
// Each tick compacts to the revision seen one tick earlier, but never closer
// than keepRevisions to the head, so watchers and continue tokens keep at
// least one interval and keepRevisions of history.

export interface Compactable {
  currentRevision(): Promise<string>;
  compact(revision: string): Promise<void>;
}

export interface Compactor {
  /** Run one compaction step now (also what the timer does); resolves to the revision compacted to, if any. */
  runOnce(): Promise<string | undefined>;
  stop(): void;
}

export function startCompactor(
  storage: Compactable,
  intervalMs = 5 * 60_000,
  keepRevisions = 1000,
  onError: (err: unknown) => void = () => undefined,
): Compactor {
  let previousTick: bigint | undefined;
  let compactedTo = 0n;
  let running = false;

  const runOnce = async (): Promise<string | undefined> => {
    if (running) return undefined;
    running = true;
    try {
      const now = BigInt(await storage.currentRevision());
      const byCount = now - BigInt(keepRevisions);
      const target = previousTick === undefined ? undefined : previousTick < byCount ? previousTick : byCount;
      previousTick = now;
      if (target === undefined || target <= compactedTo || target <= 0n) return undefined;
      await storage.compact(target.toString());
      compactedTo = target;
      return target.toString();
    } finally {
      running = false;
    }
  };

  const timer = setInterval(() => {
    runOnce().catch(onError);
  }, intervalMs);
  timer.unref();
  return {
    runOnce,
    stop: () => clearInterval(timer),
  };
}
