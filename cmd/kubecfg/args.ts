// Command-line parsing for kubecfg: flags may come before or after the verb,
// as `--flag value`, `--flag=value`, `-f value`; classic single-dash long
// flags (-json, -yaml) are booleans. `-s` is ambiguous by history: followed by
// a URL or host:port it is the server, followed by a number it is the service
// port of `run`, alone it asks `run` for a service.

export interface ParsedArgs {
  positional: string[];
  /** Flag values by canonical name; repeatable flags keep every value. */
  flags: Map<string, string[]>;
}

interface FlagSpec {
  name: string;
  takesValue: boolean;
}

const SPECS: Record<string, FlagSpec> = {};
function def(names: string[], takesValue: boolean): void {
  const spec = { name: names[0].replace(/^-+/, ''), takesValue };
  for (const n of names) SPECS[n] = spec;
}

def(['--kubeconfig'], true);
def(['--server'], true);
def(['--context'], true);
def(['--token'], true);
def(['--insecure-skip-tls-verify'], false);
def(['--namespace', '-n'], true);
def(['--all-namespaces', '-A'], false);
def(['--selector', '-l'], true);
def(['--field-selector'], true);
def(['--output', '-o'], true);
def(['--filename', '-f'], true);
def(['--recursive', '-R'], false);
def(['--watch', '-w'], false);
def(['--watch-only'], false);
def(['--grace-period'], true);
def(['--cascade'], true);
def(['--now'], false);
def(['--force'], false);
def(['--force-conflicts'], false);
def(['--field-manager'], true);
def(['--all'], false);
def(['--ignore-not-found'], false);
def(['--image'], true);
def(['--update-period', '-u'], true);
def(['--port', '-p'], true);
def(['--service'], false);
def(['--timeout'], true);
// Accepted for old scripts: rollingupdate now always waits for Ready pods.
def(['--wait-ready'], false);
def(['--show-labels'], false);
def(['--no-headers'], false);
def(['--json', '-json'], false);
def(['--yaml', '-yaml'], false);
def(['--help', '-h'], false);

const SERVERISH = /^(https?:\/\/|[A-Za-z0-9.-]+:\d+$|\[[0-9a-fA-F:]+\]:\d+$)/;

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const put = (k: string, v: string): void => {
    const cur = flags.get(k);
    if (cur) cur.push(v);
    else flags.set(k, [v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-' || !a.startsWith('-') || /^-\d+$/.test(a)) {
      positional.push(a);
      continue;
    }
    if (a === '-s') {
      const next = argv[i + 1];
      if (next !== undefined && SERVERISH.test(next)) {
        put('server', next);
        i++;
      } else if (next !== undefined && /^\d+$/.test(next)) {
        put('service', next);
        i++;
      } else put('service', 'true');
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const spec = SPECS[name];
    if (!spec) throw new UsageError(`unknown flag: ${name}`);
    if (spec.takesValue) {
      let v: string | undefined;
      if (eq > 0) v = a.slice(eq + 1);
      else {
        v = argv[i + 1];
        i++;
      }
      if (v === undefined) throw new UsageError(`flag needs an argument: ${name}`);
      put(spec.name, v);
    } else {
      put(spec.name, eq > 0 ? a.slice(eq + 1) : 'true');
    }
  }
  return { positional, flags };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Typed access to the parsed flags. */
export class Flags {
  constructor(private readonly parsed: ParsedArgs) {}

  str(name: string): string | undefined {
    const v = this.parsed.flags.get(name);
    return v ? v[v.length - 1] : undefined;
  }

  all(name: string): string[] {
    return this.parsed.flags.get(name) ?? [];
  }

  bool(name: string): boolean {
    const v = this.str(name);
    return v !== undefined && v !== 'false';
  }

  has(name: string): boolean {
    return this.parsed.flags.has(name);
  }

  int(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name}: "${v}" is not an integer`);
    return Number(v);
  }
}

/** Durations as kubectl and the classic kubecfg take them: "10s", "1m30s", "500ms", or bare seconds. */
export function parseDuration(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    consumed += m[0].length;
  }
  if (consumed !== s.length || consumed === 0) throw new UsageError(`invalid duration "${s}" (e.g. 10s, 1m, 500ms)`);
  return total;
}

/** A duration as Go prints it: "5m0s", "1m30s", "20s", "500ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
