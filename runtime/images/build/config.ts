// The image config a build writes, shaped as docker writes it (OCI image config with docker's
// extra keys: Healthcheck, Shell, OnBuild, StopSignal, ArgsEscaped), and the parsing of the
// instructions that only change it.
import type { Instruction } from './dockerfile.js';

export interface Healthcheck {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface RunConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: Healthcheck;
  Shell?: string[];
  OnBuild?: string[] | null;
  ArgsEscaped?: boolean;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfigFile {
  created?: string;
  architecture: string;
  os: string;
  config: RunConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: HistoryEntry[];
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function getEnv(c: RunConfig, name: string): string | undefined {
  for (const e of c.Env ?? []) if (e.slice(0, e.indexOf('=')) === name) return e.slice(e.indexOf('=') + 1);
  return undefined;
}

export function setEnv(c: RunConfig, name: string, value: string): void {
  const env = (c.Env ?? []).filter((e) => e.slice(0, e.indexOf('=')) !== name);
  env.push(`${name}=${value}`);
  c.Env = env;
}

/** Go duration strings as docker's HEALTHCHECK flags take them ("30s", "1m30s", "500ms"), in ns. */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  if (!s || pos !== s.length) throw new Error(`time: invalid duration ${JSON.stringify(s)}`);
  return Math.round(total);
}

/** The command of CMD/ENTRYPOINT/RUN/HEALTHCHECK: exec form as is, shell form through SHELL. */
export function commandOf(i: Pick<Instruction, 'json' | 'args'>, text: string, shell: string[]): string[] {
  return i.json ?? [...shell, text];
}

/** HEALTHCHECK [flags] CMD ... | NONE */
export function parseHealthcheck(i: Instruction, shell: string[]): Healthcheck {
  const args = i.args.trim();
  if (/^NONE$/i.test(args)) {
    if (Object.keys(i.flags).length) throw new Error('options cannot be specified with HEALTHCHECK NONE');
    return { Test: ['NONE'] };
  }
  const m = /^CMD\s+([\s\S]*)$/i.exec(args);
  if (!m) throw new Error(`Unknown type "${args.split(/\s+/)[0]}" in HEALTHCHECK (try CMD)`);
  const rest = m[1].trim();
  const json = rest.startsWith('[') ? (() => { try { return JSON.parse(rest) as unknown; } catch { return undefined; } })() : undefined;
  const hc: Healthcheck = Array.isArray(json) && json.every((s) => typeof s === 'string')
    ? { Test: ['CMD', ...(json)] }
    : { Test: ['CMD-SHELL', rest] };
  void shell;
  const dur = (k: string, f: keyof Healthcheck) => {
    if (i.flags[k] === undefined) return;
    const v = parseDuration(i.flags[k]);
    if (v !== 0 && v < 1e6) throw new Error(`Interval "${k}" cannot be less than 1ms`);
    (hc as unknown as Record<string, number>)[f] = v;
  };
  dur('interval', 'Interval');
  dur('timeout', 'Timeout');
  dur('start-period', 'StartPeriod');
  dur('start-interval', 'StartInterval');
  if (i.flags.retries !== undefined) {
    const r = Number(i.flags.retries);
    if (!Number.isInteger(r) || r < 0) throw new Error(`--retries must be a non-negative integer, got ${JSON.stringify(i.flags.retries)}`);
    hc.Retries = r;
  }
  return hc;
}

/** EXPOSE 80 8080/tcp 53/udp 7000-7002 → "80/tcp", ... */
export function exposedPorts(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) throw new Error(`invalid containerPort: ${w}`);
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    if (lo < 1 || hi > 65535 || hi < lo) throw new Error(`invalid port range: ${w}`);
    if (hi - lo > 1000) throw new Error(`port range too large: ${w}`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${(m[3] ?? 'tcp').toLowerCase()}`);
  }
  return out;
}
