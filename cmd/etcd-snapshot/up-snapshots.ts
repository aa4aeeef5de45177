// The snapshot flags of `up`, as k3s names them, and the schedule they start.

import { join } from 'node:path';
import { newEtcdClient, type EtcdTLS } from '../../apiserver/storage/etcd-client.js';
import { parseCron, type Schedule } from './cron.js';
import { startSnapshotSchedule, type SnapshotSchedule } from './schedule.js';
import { prune } from './store.js';
import { snapshotName, takeSnapshot } from './take.js';

export const SNAPSHOT_FLAGS = {
  'etcd-snapshot-schedule-cron': {
    type: 'string',
    default: '0 */12 * * *',
    help: 'when up snapshots etcd: 5-field cron (minute hour day-of-month month day-of-week), 6 fields with seconds first, @hourly/@daily/..., or @every <duration> (e.g. @every 30m)',
  },
  'etcd-snapshot-retention': { type: 'string', default: '5', help: 'how many scheduled snapshots to keep (the oldest are removed)' },
  'etcd-snapshot-dir': { type: 'string', default: '', help: 'directory of the snapshots (default <data-dir>/snapshots)' },
  'etcd-disable-snapshots': { type: 'boolean', default: false, help: 'take no scheduled snapshots' },
} as const;

export interface SnapshotSettings {
  enabled: boolean;
  schedule: Schedule;
  retention: number;
  dir: string;
}

/** The snapshot settings of `up`'s flags; throws on a bad cron or retention before anything starts. */
export function snapshotSettings(f: Record<string, string | boolean>, dataDir: string): SnapshotSettings {
  const retention = Number(f['etcd-snapshot-retention']);
  if (!Number.isSafeInteger(retention) || retention < 1) throw new Error(`--etcd-snapshot-retention must be a positive integer, got ${JSON.stringify(f['etcd-snapshot-retention'])}`);
  return {
    enabled: f['etcd-disable-snapshots'] !== true,
    schedule: parseCron(String(f['etcd-snapshot-schedule-cron'])),
    retention,
    dir: snapshotDir(String(f['etcd-snapshot-dir'] ?? ''), dataDir),
  };
}

export const snapshotDir = (flag: string, dataDir: string) => flag || join(dataDir, 'snapshots');

/** Starts the schedule against etcd at `endpoint`; stop() stops it and closes its client. */
export function startUpSnapshots(s: SnapshotSettings, etcd: { endpoint: string; tls: EtcdTLS }, nodeName: string, log: (m: string) => void): SnapshotSchedule {
  const client = newEtcdClient({ endpoints: etcd.endpoint, tls: etcd.tls, callTimeoutMs: 30_000 });
  const sched = startSnapshotSchedule({
    schedule: s.schedule,
    take: async (at) => (await takeSnapshot(client, { dir: s.dir, name: snapshotName('etcd-snapshot', nodeName, at), nodeName, scheduled: true, now: at })).name,
    prune: () => prune(s.dir, s.retention),
    log,
  });
  return {
    async stop() {
      await sched.stop();
      client.close();
    },
  };
}
