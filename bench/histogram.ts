// A quantile of a Prometheus histogram, the way upstream's scheduler_perf reads the scheduler's
// latency histograms (and PromQL's histogram_quantile): linear inside the bucket that holds the
// rank, the first bucket starting at 0, a rank in the +Inf bucket answered by the last finite bound.

export interface Bucket {
  /** Upper bound (le); Infinity for +Inf. */
  le: number;
  /** Cumulative count of observations <= le. */
  count: number;
}

export function histogramQuantile(q: number, buckets: Bucket[]): number {
  const b = [...buckets].sort((x, y) => x.le - y.le);
  const total = b.length ? b[b.length - 1].count : 0;
  if (!(q >= 0 && q <= 1) || total === 0) return NaN;
  const rank = q * total;
  let i = b.findIndex((x) => x.count >= rank);
  if (i < 0) i = b.length - 1;
  if (b[i].le === Infinity) return i > 0 ? b[i - 1].le : NaN;
  const lower = i > 0 ? b[i - 1].le : 0;
  const below = i > 0 ? b[i - 1].count : 0;
  const inBucket = b[i].count - below;
  if (inBucket === 0) return b[i].le;
  return lower + (b[i].le - lower) * ((rank - below) / inBucket);
}

/** The buckets of a prom-client histogram's `get()` values (the `_bucket` series, unlabelled otherwise). */
export function bucketsOf(values: { metricName?: string; labels: Record<string, string | number | undefined>; value: number }[]): Bucket[] {
  return values
    .filter((v) => v.metricName?.endsWith('_bucket'))
    .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value }));
}
