#!/usr/bin/env node
// The kubecfg binary: a thin shell around kubecfgMain (cmd/kubecfg/main.ts),
// which tests call in-process.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kubecfgMain } from './kubecfg/main.js';

export { kubecfgMain } from './kubecfg/main.js';
export type { KubecfgIO } from './kubecfg/main.js';

function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // Ctrl-C ends a watch quietly, as kubectl does.
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  kubecfgMain(process.argv.slice(2), { signal: abort.signal }).then(
    (code) => {
      process.exitCode = code;
      // Open sockets (keep-alive, stdin) must not hold the process.
      setImmediate(() => process.exit(code));
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
