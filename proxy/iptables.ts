// The only code that runs iptables binaries. Everything above talks to the
// Iptables interface; the real implementation execs iptables-restore /
// iptables-save / iptables of the backend the host's `iptables` uses, optionally
// inside a named network namespace (tests and benchmarks never touch the host).

import { spawn } from 'node:child_process';
import type { JumpRule, Table } from './jumps.js';

export interface RestoreOptions {
  /** Keep rules and chains the input does not mention (always what the proxy wants). */
  noflush?: boolean;
}

export interface Iptables {
  /** Apply iptables-restore input (one or more "*table ... COMMIT" blocks) atomically per table. */
  restore(text: string, opts?: RestoreOptions): Promise<void>;
  /** iptables-save output of one table. */
  save(table: Table): Promise<string>;
  /** Insert the rule at the top of its chain unless an identical one is there. Returns true if inserted. */
  ensureJump(rule: JumpRule): Promise<boolean>;
  /** Remove every copy of the rule (no error if absent). */
  deleteJump(rule: JumpRule): Promise<void>;
  /**
   * Remove every chain named "<prefix>-..." in nat and filter, and every rule in
   * other chains that jumps to one. Returns the chains removed.
   */
  deleteChains(prefix: string): Promise<string[]>;
  /** Whether MASQUERADE --random-fully can be used. */
  supportsRandomFully(): Promise<boolean>;
}

export type Backend = 'nft' | 'legacy';

export interface ExecIptablesOptions {
  /** Network namespace name (as in /run/netns) to run every command in. */
  netns?: string;
  /** Backend binaries to use; default: whichever `iptables --version` reports. */
  backend?: Backend;
}

export class IptablesError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.on('error', () => {}); // EPIPE when the command exits early; reported via its exit code
    child.stdin.end(input ?? '');
  });
}

/** Backend of the host's `iptables` ("iptables v1.8.9 (nf_tables)" → nft). */
export async function detectBackend(): Promise<Backend> {
  const r = await run('iptables', ['--version']);
  return /nf_tables/.test(r.stdout + r.stderr) ? 'nft' : 'legacy';
}

/** Split an iptables-save rule line into arguments, honouring double quotes. */
export function splitRule(line: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) args.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return args;
}

/** Chain names declared in iptables-save output (":NAME POLICY [p:b]"). */
export function savedChains(saveText: string): string[] {
  const out: string[] = [];
  for (const line of saveText.split('\n')) if (line.startsWith(':')) out.push(line.slice(1).split(' ')[0]);
  return out;
}

export class ExecIptables implements Iptables {
  private backendP: Promise<Backend>;
  private randomFullyP?: Promise<boolean>;

  constructor(private readonly opts: ExecIptablesOptions = {}) {
    this.backendP = opts.backend ? Promise.resolve(opts.backend) : detectBackend();
  }

  get netns(): string | undefined {
    return this.opts.netns;
  }

  backend(): Promise<Backend> {
    return this.backendP;
  }

  /** Run an iptables binary of our backend, inside the netns if one was given. */
  private async exec(tool: 'iptables' | 'iptables-save' | 'iptables-restore', args: string[], input?: string): Promise<RunResult> {
    const backend = await this.backendP;
    const bin = tool.replace('iptables', `iptables-${backend}`);
    // nsenter costs one exec; `ip netns exec` would also remount /sys.
    const [cmd, argv] = this.opts.netns
      ? ['nsenter', [`--net=/run/netns/${this.opts.netns}`, '--', bin, ...args]]
      : [bin, args];
    return run(cmd, argv, input);
  }

  private async must(tool: 'iptables' | 'iptables-save' | 'iptables-restore', args: string[], input?: string): Promise<string> {
    const r = await this.exec(tool, args, input);
    if (r.code !== 0) {
      throw new IptablesError(`${tool} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`, r.code, r.stderr);
    }
    return r.stdout;
  }

  async restore(text: string, opts: RestoreOptions = {}): Promise<void> {
    await this.must('iptables-restore', [...(opts.noflush ? ['--noflush'] : []), '--wait'], text);
  }

  save(table: Table): Promise<string> {
    return this.must('iptables-save', ['-t', table]);
  }

  async ensureJump(rule: JumpRule): Promise<boolean> {
    const check = await this.exec('iptables', ['-w', '-t', rule.table, '-C', rule.chain, ...rule.args]);
    if (check.code === 0) return false;
    await this.must('iptables', ['-w', '-t', rule.table, '-I', rule.chain, ...rule.args]);
    return true;
  }

  async deleteJump(rule: JumpRule): Promise<void> {
    // -D removes one copy per call; stop when none is left.
    for (let i = 0; i < 100; i++) {
      const r = await this.exec('iptables', ['-w', '-t', rule.table, '-D', rule.chain, ...rule.args]);
      if (r.code !== 0) return;
    }
  }

  async deleteChains(prefix: string): Promise<string[]> {
    const p = `${prefix.replace(/-+$/, '')}-`;
    const removed: string[] = [];
    let batch = '';
    for (const table of ['filter', 'nat'] as const) {
      const saved = await this.save(table);
      const ours = savedChains(saved).filter((c) => c.startsWith(p));
      if (ours.length === 0) continue;
      const lines = [`*${table}`];
      // Rules in chains we do not own that lead into ours go first (-D), then
      // our chains are flushed (declared) and deleted.
      for (const line of saved.split('\n')) {
        if (!line.startsWith('-A ')) continue;
        const args = splitRule(line);
        const target = args[args.indexOf('-j') + 1];
        if (!args[1].startsWith(p) && target?.startsWith(p)) {
          lines.push(['-D', ...args.slice(1)].map((a) => (/[\s"]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' '));
        }
      }
      for (const c of ours) lines.push(`:${c} - [0:0]`);
      for (const c of ours) lines.push(`-X ${c}`);
      lines.push('COMMIT', '');
      batch += lines.join('\n');
      removed.push(...ours);
    }
    if (batch) await this.restore(batch, { noflush: true });
    return removed;
  }

  supportsRandomFully(): Promise<boolean> {
    // --random-fully arrived in iptables 1.6.2; the kernels we run on all have it.
    this.randomFullyP ??= this.exec('iptables', ['--version']).then((r) => {
      const m = /v(\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
      if (!m) return false;
      const [a, b, c] = m.slice(1).map(Number);
      return a > 1 || (a === 1 && (b > 6 || (b === 6 && c >= 2)));
    });
    return this.randomFullyP;
  }
}
