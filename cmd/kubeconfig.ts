// `hyperkube kubeconfig --user NAME [--group G]...`: a new token for a user, appended to the
// data dir's token file (the apiserver's --token-auth-file, re-read as it changes), and a
// kubeconfig for it on stdout; `--revoke NAME` removes every token of that user.

import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseKubeconfig, renderKubeconfig } from '../client/kubeconfig.js';
import { readTokenFileLines, writeTokenFileLines } from '../apiserver/auth/token-file-users.js';

export const TOKEN_FILE = 'tokens.csv';

const USAGE = `usage: hyperkube kubeconfig --user NAME [--group GROUP]... [--namespace NS] [--data-dir DIR] [--server URL]
       hyperkube kubeconfig --revoke NAME [--data-dir DIR]

Makes a bearer token for a user (authorized by RBAC: bind it with kubectl create rolebinding)
and prints a kubeconfig for it; --revoke removes the user's tokens (refused from then on).`;

/** A name or group that fits one CSV field of the token file without quoting surprises. */
function badName(v: string): string | undefined {
  if (!v) return 'must not be empty';
  if (/[",\r\n]/.test(v)) return 'must not contain a comma, a double quote or a line break';
  if (v.length > 253) return 'must be at most 253 characters';
  return undefined;
}

export async function runKubeconfig(argv: string[]): Promise<number> {
  let values: { user?: string; group?: string[]; namespace?: string; 'data-dir'?: string; server?: string; revoke?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        user: { type: 'string' },
        group: { type: 'string', multiple: true },
        namespace: { type: 'string' },
        'data-dir': { type: 'string', default: '/var/lib/tskube' },
        server: { type: 'string' },
        revoke: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`hyperkube kubeconfig: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dataDir = values['data-dir']!;
  const tokenFile = join(dataDir, TOKEN_FILE);
  if (values.revoke !== undefined) {
    const lines = await readTokenFileLines(tokenFile);
    const kept = lines.filter((l) => l.split(',')[1] !== values.revoke);
    if (kept.length === lines.length) {
      console.error(`hyperkube kubeconfig: user ${JSON.stringify(values.revoke)} has no token`);
      return 1;
    }
    await writeTokenFileLines(tokenFile, kept);
    console.error(`revoked ${lines.length - kept.length} token(s) of user ${values.revoke}`);
    return 0;
  }
  if (values.user === undefined) {
    console.error(`hyperkube kubeconfig: --user or --revoke is required\n${USAGE}`);
    return 2;
  }
  const groups = values.group ?? [];
  for (const [what, v] of [['--user', values.user], ...groups.map((g) => ['--group', g])] as [string, string][]) {
    const why = badName(v);
    if (why) {
      console.error(`hyperkube kubeconfig: ${what} ${JSON.stringify(v)} ${why}`);
      return 2;
    }
  }
  let admin;
  try {
    admin = parseKubeconfig(await readFile(join(dataDir, 'kubeconfig'), 'utf8'));
  } catch (err) {
    console.error(`hyperkube kubeconfig: no cluster in ${dataDir} (${(err as Error).message}); run hyperkube up first`);
    return 1;
  }
  const cluster = admin.clusters?.[0]?.cluster;
  const server = values.server ?? cluster?.server;
  if (!server) {
    console.error(`hyperkube kubeconfig: ${dataDir}/kubeconfig names no server; pass --server`);
    return 1;
  }
  const ca = cluster?.['certificate-authority-data'] ? Buffer.from(cluster['certificate-authority-data'], 'base64') : await readFile(join(dataDir, 'pki', 'ca.crt'));
  const token = randomBytes(24).toString('hex');
  const lines = await readTokenFileLines(tokenFile);
  lines.push(`${token},${values.user},${randomUUID()},"${groups.join(',')}"`);
  await writeTokenFileLines(tokenFile, lines);
  process.stdout.write(renderKubeconfig({ server, token, ca, name: values.user.replace(/[^A-Za-z0-9._-]/g, '-'), ...(values.namespace ? { namespace: values.namespace } : {}) }));
  return 0;
}
