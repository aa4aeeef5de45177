// Flag parsing shared by the hyperkube commands: Kubernetes-style `--name=value`
// or `--name value`, with help text generated from the definitions.

import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface FlagDef {
  type: 'string' | 'boolean';
  default?: string | boolean;
  help: string;
  short?: string;
}

export type FlagDefs = Record<string, FlagDef>;

export class UsageError extends Error {}

export function parseFlags<D extends FlagDefs>(cmd: string, defs: D, argv: string[]): { values: { [K in keyof D]: D[K]['type'] extends 'boolean' ? boolean : string }; positionals: string[] } | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage(cmd, defs));
    return undefined;
  }
  const options: ParseArgsConfig['options'] = {};
  for (const [name, d] of Object.entries(defs)) {
    options[name] = { type: d.type, ...(d.short ? { short: d.short } : {}), ...(d.default !== undefined ? { default: d.default } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as never, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage(cmd, defs)}`);
  }
}

export function usage(cmd: string, defs: FlagDefs): string {
  const lines = Object.entries(defs).map(([name, d]) => {
    const def = d.default !== undefined && d.default !== '' && d.default !== false ? ` (default ${JSON.stringify(d.default)})` : '';
    return `  --${name}${d.type === 'string' ? ' value' : ''}\n      ${d.help}${def}`;
  });
  return `usage: hyperkube ${cmd} [flags]\n\nflags:\n${lines.join('\n')}`;
}

/**
 * Resolves on SIGINT/SIGTERM (once). The stop that follows is bounded: a second signal
 * ends the process (the default action, once these handlers are gone), and so does the
 * grace period running out.
 */
export function untilSignal(graceMs = 20_000): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      setTimeout(() => {
        console.error(`still stopping ${graceMs / 1000}s after ${sig}: exiting now`);
        process.exit(1);
      }, graceMs).unref();
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
