// Writing users into a token file (--token-auth-file, read by token-file.ts): a user's token is
// kept across restarts (the same line is found again), and a user whose groups changed gets a
// new token on a line replacing the old ones. `issueNodeToken` is a kubelet's identity
// (system:node:<name> in system:nodes), for `up` and for kubelets of other machines.

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseCSVLine } from './token-file.js';
import { NODES_GROUP, NODE_USER_PREFIX } from './node-authorizer.js';

export interface TokenFileUser {
  username: string;
  groups: string[];
}

/** A value that fits one CSV field of the token file without quoting surprises. */
function checkField(what: string, v: string): void {
  if (!v || /[",\r\n]/.test(v) || v.length > 253) throw new Error(`${what} ${JSON.stringify(v)} must be 1-253 characters without commas, double quotes or line breaks`);
}

/** The token file's non-empty lines ([] when it does not exist yet). */
export async function readTokenFileLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The token of `user` in the file at `path`, made (and the file written, mode 0600) when it has none. */
export async function ensureUserToken(path: string, user: TokenFileUser): Promise<string> {
  checkField('user', user.username);
  for (const g of user.groups) checkField('group', g);
  const lines = await readTokenFileLines(path);
  const want = [...user.groups].sort().join(',');
  const others: string[] = [];
  for (const line of lines) {
    const f = line.trim().startsWith('#') ? [] : parseCSVLine(line.trim());
    if (f[1] !== user.username) {
      others.push(line);
      continue;
    }
    const groups = (f[3] ?? '').split(',').map((g) => g.trim()).filter(Boolean).sort().join(',');
    if (f[0] && groups === want) return f[0];
  }
  const token = randomBytes(24).toString('hex');
  others.push(`${token},${user.username},${randomUUID()},"${user.groups.join(',')}"`);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeTokenFileLines(path, others);
  return token;
}

/** Written beside and renamed over (mode 0600), so the apiserver never reads half a file. */
export async function writeTokenFileLines(path: string, lines: string[]): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
  await rename(tmp, path);
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The user a kubelet of node `nodeName` is. */
export function nodeUser(nodeName: string): TokenFileUser {
  if (!NODE_NAME.test(nodeName) || nodeName.length > 253) throw new Error(`node name ${JSON.stringify(nodeName)} must be a DNS subdomain (lowercase letters, digits, '-' and '.')`);
  return { username: `${NODE_USER_PREFIX}${nodeName}`, groups: [NODES_GROUP] };
}

/** The bearer token of node `nodeName`'s kubelet (system:node:<name> in system:nodes), made once. */
export function issueNodeToken(tokenFile: string, nodeName: string): Promise<string> {
  return ensureUserToken(tokenFile, nodeUser(nodeName));
}
