// Taking a snapshot of a running etcd through its own Maintenance.Snapshot RPC (what
// `etcdctl snapshot save` calls): the stream of the backend database as etcd sends it,
// ending in etcd's sha256 of the database, which `snapshot restore` checks.

import type { Etcd3 } from 'etcd3';
import type { ISnapshotResponse } from 'etcd3/lib/rpc.js';
import { writeSnapshot, type SnapshotMeta } from './store.js';
import { STORAGE_FORMAT, TSKUBE_VERSION } from '../data-version.js';

/** The name k3s gives a snapshot: `<prefix>-<node>-<unix seconds>`. */
export function snapshotName(prefix: string, node: string, at: Date): string {
  return `${prefix}-${node}-${Math.floor(at.getTime() / 1000)}`;
}

export interface TakeOptions {
  dir: string;
  name: string;
  nodeName: string;
  scheduled: boolean;
  now?: Date;
}

/** Streams a snapshot of `client`'s etcd into `dir` under `name` (atomically, with metadata). */
export async function takeSnapshot(client: Etcd3, o: TakeOptions): Promise<SnapshotMeta> {
  const status = await client.maintenance.status();
  const stream = (await client.maintenance.snapshot()) as unknown as AsyncIterable<ISnapshotResponse>;
  let revision = status.header.revision;
  async function* blobs(): AsyncIterable<Uint8Array> {
    for await (const msg of stream) {
      // The first header is the point in time of the snapshot (when etcd sends one).
      if (msg.header?.revision && msg.header.revision !== '0') revision = msg.header.revision;
      if (msg.blob?.length) yield msg.blob;
    }
  }
  const createdAt = (o.now ?? new Date()).toISOString();
  return writeSnapshot(o.dir, o.name, blobs(), () => ({ createdAt, revision, scheduled: o.scheduled, nodeName: o.nodeName, tskubeVersion: TSKUBE_VERSION, storageFormat: STORAGE_FORMAT }));
}
