// etcd's backend, watched by the apiserver: its size (physically allocated and in use) and
// quota as Prometheus gauges under upstream's names, its alarms (NOSPACE makes /readyz fail
// `etcd` with what to do, before clients see writes refused one by one), and
// defragmentation on a schedule when compaction has left much of the file free. Runs on a
// client of its own on the main thread: a few calls a minute.

import type { Etcd3 } from 'etcd3';
import { Gauge, type Registry } from 'prom-client';
import { newEtcdClient, type EtcdTLS } from './etcd-client.js';

export interface EtcdHealthOptions {
  endpoints: string[];
  tls?: EtcdTLS;
  /** etcd's --quota-backend-bytes (etcd 3.4 does not report it); 0: unknown. */
  quotaBytes: number;
  /** How often size and alarms are read; default 30 s. */
  intervalMs?: number;
  /** Least time between two defragmentations; default 1 h. 0: never defragment. */
  defragIntervalMs?: number;
  /** Defragment when at least this much of the file is free; default 64 MiB. */
  defragMinFreeBytes?: number;
  registry: Registry;
  log(m: string): void;
  /** Called once each time the database passes 90% of its quota (writes still work then): the apiserver's Warning Event. */
  onNearFull?(message: string): void;
}

export interface EtcdHealth {
  /** Throws when an alarm (NOSPACE, CORRUPT) is active: the readyz `etcd` check. */
  check(): void;
  /** One poll now (what the timer does). */
  poll(): Promise<void>;
  stop(): void;
}

/** What /readyz says about an active alarm. */
export function alarmMessage(alarm: string, quotaBytes: number): string {
  if (alarm === 'NOSPACE') {
    return `etcd alarm NOSPACE: the database reached its quota${quotaBytes ? ` of ${quotaBytes} bytes` : ''} (mvcc: database space exceeded); writes are refused until space is freed (compaction, defragmentation) and the alarm disarmed, or the quota raised (--etcd-quota-backend-bytes)`;
  }
  return `etcd alarm ${alarm} is active`;
}

/** Whether a backend of `size` bytes, `inUse` of them used, is worth defragmenting: a quarter of it and `minFree` free. */
export function wantsDefrag(size: number, inUse: number, minFree: number): boolean {
  return size - inUse >= minFree && (size - inUse) * 4 >= size;
}

export function startEtcdHealth(o: EtcdHealthOptions): EtcdHealth {
  const client: Etcd3 = newEtcdClient({ endpoints: o.endpoints, tls: o.tls, callTimeoutMs: 60_000 });
  const r = [o.registry];
  const size = new Gauge({ name: 'apiserver_storage_size_bytes', help: 'Size of the storage database file physically allocated in bytes.', labelNames: ['storage_cluster_id'] as const, registers: r });
  const dbTotal = new Gauge({ name: 'apiserver_storage_db_total_size_in_bytes', help: 'Total size of the storage database file physically allocated in bytes.', labelNames: ['endpoint'] as const, registers: r });
  const inUse = new Gauge({ name: 'etcd_mvcc_db_total_size_in_use_in_bytes', help: 'Total size of the underlying database logically in use in bytes.', registers: r });
  const quota = new Gauge({ name: 'etcd_server_quota_backend_bytes', help: 'Current backend storage quota size in bytes.', registers: r });
  const alarmGauge = new Gauge({ name: 'etcd_server_alarms', help: 'Active etcd alarms (1 while active).', labelNames: ['alarm'] as const, registers: r });
  if (o.quotaBytes) quota.set(o.quotaBytes);
  let alarms: string[] = [];
  let lastDefrag = Date.now();
  let warned = false;
  const defragEvery = o.defragIntervalMs ?? 3_600_000;
  const minFree = o.defragMinFreeBytes ?? 64 * 1024 * 1024;
  let inflight: Promise<void> | undefined;

  const pollOnce = async () => {
    try {
      const st = await client.maintenance.status();
      const total = Number(st.dbSize);
      const used = Number(st.dbSizeInUse);
      size.set({ storage_cluster_id: st.header.cluster_id }, total);
      dbTotal.set({ endpoint: o.endpoints[0] }, total);
      inUse.set(used);
      const res = await client.maintenance.alarm({ action: 'Get', memberID: '0', alarm: 'None' });
      // etcd3 names them Nospace, Corrupt; etcd and its docs NOSPACE, CORRUPT.
      alarms = [...new Set((res.alarms ?? []).map((a) => String(a.alarm).toUpperCase()))];
      alarmGauge.reset();
      for (const a of alarms) alarmGauge.set({ alarm: a }, 1);
      const nearFull = o.quotaBytes > 0 && total >= 0.9 * o.quotaBytes;
      if (nearFull && !warned) {
        const message = `etcd database is ${total} bytes, over 90% of its quota of ${o.quotaBytes} bytes: writes will be refused at the quota`;
        o.log(message);
        o.onNearFull?.(message);
      }
      warned = nearFull;
      if (defragEvery > 0 && Date.now() - lastDefrag >= defragEvery && wantsDefrag(total, used, minFree)) {
        lastDefrag = Date.now();
        await client.maintenance.defragment();
        const after = Number((await client.maintenance.status()).dbSize);
        o.log(`etcd defragmented: ${total} → ${after} bytes`);
        // The space is back: lift NOSPACE (etcd keeps refusing writes until it is disarmed).
        if (alarms.includes('NOSPACE') && o.quotaBytes > 0 && after < 0.8 * o.quotaBytes) {
          await client.maintenance.alarm({ action: 'Deactivate', memberID: '0', alarm: 'Nospace' });
          alarms = alarms.filter((a) => a !== 'NOSPACE');
          alarmGauge.reset();
          for (const a of alarms) alarmGauge.set({ alarm: a }, 1);
          o.log('etcd alarm NOSPACE disarmed: the database is below 80% of its quota after defragmentation');
        }
      }
    } catch (err) {
      o.log(`etcd health: ${(err as Error).message}`);
    }
  };
  /** One poll at a time: a caller during one waits for it. */
  const poll = () => (inflight ??= pollOnce().finally(() => (inflight = undefined)));
  const timer = setInterval(() => void poll(), o.intervalMs ?? 30_000);
  timer.unref();
  void poll();
  return {
    check() {
      if (alarms.length) throw new Error(alarms.map((a) => alarmMessage(a, o.quotaBytes)).join('; '));
    },
    poll,
    stop() {
      clearInterval(timer);
      client.close();
    },
  };
}
