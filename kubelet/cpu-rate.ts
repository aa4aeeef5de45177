// usageNanoCores from cumulative CPU time: the rate between the newest reading and an
// earlier sample, as cadvisor derives it from its periodic housekeeping samples. The
// kubelet samples every few seconds in the background and on each request; a request
// compares against the newest sample at least `minIntervalMs` old, so two requests in a
// row still see a rate over a meaningful window.

interface Sample {
  atMs: number;
  usageNs: number;
}

export class CpuRate {
  private readonly samples = new Map<string, Sample[]>();

  constructor(
    private readonly minIntervalMs = 1000,
    /** Samples older than this are forgotten (and keys not seen for that long dropped). */
    private readonly keepMs = 60_000,
  ) {}

  /** Records a reading and answers nanocores over the window, or undefined with no earlier sample yet. */
  observe(key: string, usageNs: number, atMs: number): number | undefined {
    const list = this.samples.get(key) ?? [];
    const base = [...list].reverse().find((s) => atMs - s.atMs >= this.minIntervalMs);
    // A smaller cumulative value means a new cgroup under the same key (a restart): start over.
    if (list.length && usageNs < list[list.length - 1].usageNs) list.length = 0;
    const newest = list[list.length - 1];
    if (!newest || atMs - newest.atMs >= this.minIntervalMs) list.push({ atMs, usageNs });
    while (list.length > 2 && atMs - list[0].atMs > this.keepMs) list.shift();
    this.samples.set(key, list);
    if (!base || usageNs < base.usageNs) return undefined;
    return Math.round(((usageNs - base.usageNs) * 1000) / (atMs - base.atMs));
  }

  /** Drops keys not observed since `beforeMs` (containers that are gone). */
  prune(beforeMs: number): void {
    for (const [k, list] of this.samples) if (!list.length || list[list.length - 1].atMs < beforeMs) this.samples.delete(k);
  }
}
