// Moving the objects in etcd forward to this release's storage format, as
// kube-storage-version-migrator does for Kubernetes (read each object, write it back through
// the current encoding): run by `up` after etcd starts and before the apiserver does, when
// version.json says the data dir is older (or has none: format 0). Each object is rewritten
// with this release's codec in a transaction guarded by its mod revision (a concurrent
// change wins and is already current), keeping its lease (Events' TTL).

import type { Etcd3 } from 'etcd3';
import { encodeObject } from '../apiserver/storage/codec.js';
import type { KubeObject } from '../api/meta.js';
import { newEtcdClient, type EtcdTLS } from '../apiserver/storage/etcd-client.js';
import { hasEtcdData, planVersion, readDataVersion, STORAGE_FORMAT, writeDataVersion, type VersionPlan } from './data-version.js';

const PREFIX = '/registry/';
const PAGE = 500;

/** The value this release stores for `stored`, or undefined when it is not an object this release encodes. */
export function migrateValue(stored: Buffer): string | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(stored.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj) || typeof (obj as KubeObject).kind !== 'string') return undefined;
  return encodeObject(obj as KubeObject);
}

/** Next key after `key` in etcd's byte order. */
const after = (key: Buffer) => Buffer.concat([key, Buffer.from([0])]);

/** Rewrites every object under /registry/; resolves to how many were read and rewritten. */
export async function migrateStorage(client: Etcd3): Promise<{ read: number; rewritten: number }> {
  let start = Buffer.from(PREFIX);
  const end = Buffer.from(PREFIX.slice(0, -1) + String.fromCharCode(PREFIX.charCodeAt(PREFIX.length - 1) + 1));
  let read = 0;
  let rewritten = 0;
  for (;;) {
    const page = await client.kv.range({ key: start, range_end: end, limit: PAGE });
    for (const kv of page.kvs) {
      read++;
      const value = migrateValue(kv.value);
      // Format 0 and 1 differ only by what this release's encoder writes: the write moves it forward.
      if (value === undefined) continue;
      const res = await client.kv.txn({
        compare: [{ key: kv.key, target: 'Mod', result: 'Equal', mod_revision: kv.mod_revision }],
        success: [{ request_put: { key: kv.key, value: Buffer.from(value), lease: kv.lease } }],
      });
      if (res.succeeded) rewritten++;
    }
    if (!page.more || page.kvs.length === 0) break;
    start = after(page.kvs[page.kvs.length - 1].key);
  }
  return { read, rewritten };
}

/**
 * Before etcd starts: what version.json of `dataDir` asks for (a newer format throws, and
 * `up` stops with that message). A new data dir is stamped now.
 */
export async function checkDataVersion(dataDir: string): Promise<VersionPlan> {
  const plan = planVersion(await readDataVersion(dataDir), hasEtcdData(dataDir), dataDir);
  if (plan.action === 'create') await writeDataVersion(dataDir);
  return plan;
}

/** Once etcd runs, before the apiserver: migrates an older data dir and stamps it. */
export async function finishDataVersion(plan: VersionPlan, dataDir: string, etcd: { endpoint: string; tls: EtcdTLS }, log: (m: string) => void): Promise<void> {
  if (plan.action !== 'migrate') return;
  const client = newEtcdClient({ endpoints: etcd.endpoint, tls: etcd.tls, callTimeoutMs: 30_000 });
  try {
    const { read, rewritten } = await migrateStorage(client);
    log(`storage migrated from format ${plan.from} to ${STORAGE_FORMAT}: ${rewritten} of ${read} keys rewritten`);
  } finally {
    client.close();
  }
  await writeDataVersion(dataDir);
}
