// Restoring a snapshot into the data dir of a stopped `up`, with etcd's own restore
// (`etcdutl snapshot restore`, or `etcdctl snapshot restore` of etcd 3.4, which checks the
// sha256 etcd appended to the snapshot): checked first against its metadata (size, sha256,
// storage format), restored into a new member directory of the same member name and
// cluster token, and only then swapped in; the member data it replaces is kept aside as
// member-data.before-restore-<unix seconds>, as k3s keeps etcd-old-<time>.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { etcdIdentity, saveIdentity } from '../etcd-process.js';
import { readProcs } from '../procs-file.js';
import { stillRunning } from '../proc-identity.js';
import { STORAGE_FORMAT, TSKUBE_VERSION, writeDataVersion } from '../data-version.js';
import { verifySnapshot, type SnapshotMeta } from './store.js';
import { assertUpDataDir, etcdDir, etcdLockHeld, memberDir } from './up-etcd.js';

const run = promisify(execFile);

export interface RestoreOptions {
  dataDir: string;
  /** The snapshot file and its metadata. */
  file: string;
  meta: SnapshotMeta;
  /** The peer port written into the restored member (etcd's --initial-advertise-peer-urls). */
  peerPort: number;
}

/** etcd's restore command: etcdutl (etcd 3.5+) when installed, else etcdctl with the v3 API. */
function restoreCommand(): { cmd: string; env: NodeJS.ProcessEnv } {
  for (const d of ['/usr/bin', '/usr/local/bin']) if (existsSync(join(d, 'etcdutl'))) return { cmd: join(d, 'etcdutl'), env: process.env };
  return { cmd: '/usr/bin/etcdctl', env: { ...process.env, ETCDCTL_API: '3' } };
}

/** Refuses (throws) unless `dataDir`'s cluster is stopped: no `up` recorded running, no etcd holding the database. */
export async function assertStopped(dataDir: string): Promise<void> {
  const up = readProcs(dataDir)?.up;
  if (up && stillRunning(up)) throw new Error(`hyperkube up (pid ${up.pid}) is running on ${dataDir}: stop it before restoring a snapshot`);
  if (await etcdLockHeld(dataDir)) throw new Error(`an etcd holds the database of ${dataDir} (its lock is taken): stop it before restoring a snapshot`);
}

/** Restores; returns where the replaced member data was kept. Nothing changes when a check fails. */
export async function restoreSnapshot(o: RestoreOptions): Promise<string> {
  assertUpDataDir(o.dataDir);
  await assertStopped(o.dataDir);
  if (o.meta.storageFormat > STORAGE_FORMAT) {
    throw new Error(`snapshot ${o.meta.name} was taken by tskube ${o.meta.tskubeVersion} in storage format ${o.meta.storageFormat}; this tskube ${TSKUBE_VERSION} reads formats up to ${STORAGE_FORMAT}`);
  }
  await verifySnapshot(o.file, o.meta);
  const dir = etcdDir(o.dataDir);
  const id = await etcdIdentity(dir);
  const staging = join(dir, 'member-data.restoring');
  await rm(staging, { recursive: true, force: true });
  const peer = `https://127.0.0.1:${o.peerPort}`;
  const { cmd, env } = restoreCommand();
  try {
    await run(cmd, ['snapshot', 'restore', o.file, `--data-dir=${staging}`, `--name=${id.name}`, `--initial-cluster=${id.name}=${peer}`, `--initial-cluster-token=${id.token}`, `--initial-advertise-peer-urls=${peer}`], { env });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const e = err as { stderr?: string; message: string };
    const why = (e.stderr ?? '').split('\n').filter((l) => l && !l.startsWith('{')).join(' ') || e.message;
    throw new Error(`etcd refused to restore ${o.file}: ${why}`);
  }
  // Checked again just before the swap: an `up` started meanwhile must not lose its data under it.
  await assertStopped(o.dataDir);
  const kept = `${memberDir(o.dataDir)}.before-restore-${Math.floor(Date.now() / 1000)}`;
  await rename(memberDir(o.dataDir), kept);
  await rename(staging, memberDir(o.dataDir));
  // A restored member is a new cluster (etcd gives it a new cluster id): the next start records it.
  await saveIdentity(dir, { name: id.name, token: id.token });
  // The data is now in the snapshot's format: an older one is migrated by the next `up`.
  await writeDataVersion(o.dataDir, { tskubeVersion: o.meta.tskubeVersion, storageFormat: o.meta.storageFormat });
  return kept;
}
