// bench report: runs every benchmark, each in its own process (so one's heap, sockets and
// children do not weigh on the next), and writes one markdown table to bench/RESULTS.md:
// figure, tskube, anchor, ratio, target, met — with the machine and its load around the run.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, type Figure } from './common.js';
import { burstChart, latencyChart } from './charts.js';
import type { PeerSamples } from './peers.js';

export const REPORT_BENCHES = ['api', 'runtime', 'pods', 'peers', 'scheduler', 'proxy', 'dns', 'images', 'ui', 'nodes'] as const;

interface BenchResult {
  bench: string;
  figures: Figure[];
  error?: string;
  seconds: number;
}

/** The last line of a bench's stdout that parses as its JSON summary. */
export function summaryLine(stdout: string): { bench: string; figures: Figure[] } | undefined {
  const lines = stdout.trim().split('\n').reverse();
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try {
      const v = JSON.parse(l) as { bench?: string; figures?: Figure[] };
      if (v.bench && Array.isArray(v.figures)) return { bench: v.bench, figures: v.figures };
    } catch {
      // not the summary; keep looking
    }
  }
  return undefined;
}

function runBench(name: string, args: string[]): Promise<BenchResult> {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
    child.on('close', (code) => {
      const s = summaryLine(out);
      const seconds = Math.round((Date.now() - t0) / 1000);
      if (code === 0 && s) resolve({ ...s, seconds });
      else resolve({ bench: name, figures: s?.figures ?? [], error: `exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`, seconds });
    });
  });
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderResults(results: BenchResult[], header: { machine: string; date: string; load: string }, charts: { file: string; title: string }[] = []): string {
  const out: string[] = [];
  out.push('# tskube benchmark results', '');
  out.push(`Written by \`npm run bench -- report\` on ${header.date}.`, '');
  out.push(`Machine: ${header.machine}. Load average before / after: ${header.load}.`, '');
  out.push('Each anchor is measured in the same run, on the same machine, so machine noise hits both alike;', 'the ratio is tskube / anchor.', '');
  out.push('| bench | figure | tskube | anchor | ratio | target | met |', '|---|---|---|---|---|---|---|');
  for (const r of results) {
    for (const f of r.figures) {
      const anchor = f.anchor ? `${f.anchor_value} ${f.unit} (${cell(f.anchor)})` : f.note ? cell(f.note) : '-';
      const met = f.met === undefined ? '-' : f.met ? 'yes' : '**no**';
      out.push(`| ${r.bench} | ${f.name} | ${f.value} ${f.unit} | ${anchor} | ${f.ratio ?? '-'} | ${cell(f.target ?? '-')} | ${met} |`);
    }
    if (r.error) out.push(`| ${r.bench} | (failed) | ${cell(r.error)} | | | | |`);
  }
  out.push('', `Durations: ${results.map((r) => `${r.bench} ${r.seconds} s`).join(', ')}.`, '');
  if (charts.length) {
    out.push('## tskube beside podman (bench peers)', '');
    for (const c of charts) out.push(`![${c.title}](${c.file})`, '');
  }
  return out.join('\n');
}

export async function main(args: string[] = []): Promise<void> {
  const only = args.filter((a) => !a.startsWith('--'));
  const names = only.length ? only : [...REPORT_BENCHES];
  const pass = args.filter((a) => a.startsWith('--'));
  const before = loadavg().map((l) => l.toFixed(2)).join(' ');
  const results: BenchResult[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'tskube-report-'));
  const samples = join(tmp, 'peers.json');
  for (const n of names) results.push(await runBench(n, n === 'peers' ? [...pass, `--samples=${samples}`] : pass));
  const after = loadavg().map((l) => l.toFixed(2)).join(' ');
  // Charts are written next to RESULTS.md; a run without peers keeps the last ones.
  const charts: { file: string; title: string }[] = [];
  if (existsSync(samples)) {
    const s = JSON.parse(readFileSync(samples, 'utf8')) as PeerSamples;
    for (const [file, title, draw] of [['peers-latency.svg', 'pod start latency, tskube vs podman', latencyChart], ['peers-burst.svg', 'pods Running over time, tskube vs podman', burstChart]] as const) {
      writeFileSync(fileURLToPath(new URL(`../../bench/${file}`, import.meta.url)), await draw(s));
      charts.push({ file, title });
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  const md = renderResults(results, { machine: machine(), date: new Date().toISOString(), load: `${before} / ${after}` }, charts);
  const file = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
  writeFileSync(file, md);
  console.log(`wrote ${file}`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}
