// The etcd of an `up` data dir, for the snapshot commands beside `up`: found by the client
// URL `up` records when etcd starts, reached with the data dir's etcd client certificate,
// and checked to be that data dir's member (as `up` checks it) before it is used.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Etcd3 } from 'etcd3';
import { newEtcdClient } from '../../apiserver/storage/etcd-client.js';
import { CLIENT_URL_FILE, checkIdentity, etcdClientTLS, etcdIdentity } from '../etcd-process.js';
import { ensureEtcdPKI } from '../pki.js';

const run = promisify(execFile);

export const etcdDir = (dataDir: string) => join(dataDir, 'etcd');
export const memberDir = (dataDir: string) => join(etcdDir(dataDir), 'member-data');

/** Throws unless `dataDir` holds the etcd data of an `up`. */
export function assertUpDataDir(dataDir: string): void {
  if (!existsSync(join(memberDir(dataDir), 'member'))) throw new Error(`${dataDir} holds no etcd data of hyperkube up (no ${join(memberDir(dataDir), 'member')})`);
}

/** A client of the running etcd of `dataDir`'s `up`, checked to be its member. */
export async function connectUpEtcd(dataDir: string): Promise<Etcd3> {
  assertUpDataDir(dataDir);
  const notRunning = `the etcd of ${dataDir} is not running: start hyperkube up --data-dir=${dataDir} first`;
  let endpoint: string;
  try {
    endpoint = (await readFile(join(etcdDir(dataDir), CLIENT_URL_FILE), 'utf8')).trim();
  } catch {
    throw new Error(notRunning);
  }
  if (!/^https:\/\/127\.0\.0\.1:\d+$/.test(endpoint)) throw new Error(`${join(etcdDir(dataDir), CLIENT_URL_FILE)} holds ${JSON.stringify(endpoint)}, not a loopback etcd URL`);
  const pki = await ensureEtcdPKI(join(dataDir, 'pki', 'etcd'));
  const client = newEtcdClient({ endpoints: endpoint, dialTimeout: 1000, callTimeoutMs: 30_000, tls: etcdClientTLS(pki) });
  try {
    await client.maintenance.status({ deadline: Date.now() + 3000 });
  } catch {
    client.close();
    throw new Error(notRunning);
  }
  try {
    await checkIdentity(client, await etcdIdentity(etcdDir(dataDir)), etcdDir(dataDir), endpoint);
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/**
 * Whether an etcd has `dataDir`'s backend open: bbolt holds an exclusive flock on the
 * database file while etcd runs (util-linux flock asks without waiting).
 */
export async function etcdLockHeld(dataDir: string): Promise<boolean> {
  const db = join(memberDir(dataDir), 'member', 'snap', 'db');
  if (!existsSync(db)) return false;
  try {
    await run('flock', ['--nonblock', '--conflict-exit-code', '75', db, 'true']);
    return false;
  } catch (err) {
    if ((err as { code?: number }).code === 75) return true;
    throw new Error(`cannot tell whether etcd holds ${db}: ${(err as Error).message}`);
  }
}
