// What every benchmark shares: timing statistics, the machine's description, and the
// output format (a readable table, then one JSON line with every figure beside its anchor).

import { cpus, release, totalmem } from 'node:os';

export interface Figure {
  name: string;
  unit: string;
  value: number;
  anchor?: string;
  anchor_value?: number;
  ratio?: number;
  target?: string;
  met?: boolean;
  /** Why an anchor is missing or different from the planned one. */
  note?: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), min: s[0], max: s[s.length - 1] };
}

export function machine(): string {
  const c = cpus();
  return `${c.length}x ${c[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, node ${process.version}`;
}

export const round = (v: number, digits = 2) => Number.isFinite(v) ? Number(v.toFixed(digits)) : v;

/** A figure compared with an anchor measured in the same run. `better` says which direction wins. */
export function vsAnchor(
  f: { name: string; unit: string; value: number; anchor: string; anchor_value: number; target: string },
  met: (value: number, anchor: number, ratio: number) => boolean,
): Figure {
  const ratio = f.value / f.anchor_value;
  return { ...f, value: round(f.value), anchor_value: round(f.anchor_value), ratio: round(ratio, 3), met: met(f.value, f.anchor_value, ratio) };
}

export function absolute(f: { name: string; unit: string; value: number; target: string }, met: (v: number) => boolean, anchor?: { anchor: string; anchor_value: number }): Figure {
  const out: Figure = { name: f.name, unit: f.unit, value: round(f.value), target: f.target, met: met(f.value) };
  if (anchor) {
    out.anchor = anchor.anchor;
    out.anchor_value = round(anchor.anchor_value);
    out.ratio = round(f.value / anchor.anchor_value, 3);
  }
  return out;
}

/** Prints the table and, last, the JSON line. */
export function report(bench: string, figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.name,
    `${f.value} ${f.unit}`,
    f.anchor ? `${f.anchor_value} ${f.unit} (${f.anchor})` : '-',
    f.ratio !== undefined ? String(f.ratio) : '-',
    f.target ?? '-',
    f.met === undefined ? '-' : f.met ? 'yes' : 'NO',
  ]);
  const head = ['figure', 'tskube', 'anchor', 'ratio', 'target', 'met'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  console.log(JSON.stringify({ bench, machine: machine(), figures }));
}

/** Runs `fn` with `concurrency` workers until `total` calls are done; returns per-call latencies (ms) and the wall time.
 *  `fn` gets the call's index and its worker's (0..concurrency-1), e.g. to pick that worker's connection. */
export async function closedLoop(total: number, concurrency: number, fn: (i: number, worker: number) => Promise<void>) {
  let next = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  const worker = async (w: number) => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const s = performance.now();
      await fn(i, w);
      lat.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const wallMs = performance.now() - t0;
  return { lat, wallMs, perSec: (total / wallMs) * 1000 };
}
