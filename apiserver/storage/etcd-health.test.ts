// A real etcd with a 2 MiB quota filled past it: the NOSPACE alarm fails /readyz's etcd
// check with what to do, and the size and quota gauges are on /metrics. The scheduled
// defragmentation shrinks a file that compaction left mostly free.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEtcd } from '../../testing/etcd.js';
import { newEtcdClient } from './etcd-client.js';
import { startApiServer } from '../server.js';
import { eventually } from '../../testing/wait.js';
import { startEtcdHealth, wantsDefrag } from './etcd-health.js';
import { Registry } from 'prom-client';

const QUOTA = 2 * 1024 * 1024;

test('NOSPACE fails readyz with a clear message; size and quota are metrics', async () => {
  const etcd = await startEtcd({ quotaBackendBytes: QUOTA });
  const client = newEtcdClient({ endpoints: etcd.endpoint });
  const logs: string[] = [];
  const api = await startApiServer({ etcdEndpoints: [etcd.endpoint], port: 0, etcdQuotaBytes: QUOTA, etcdHealthIntervalMs: 200, etcdDefragIntervalMs: 1, log: (m) => logs.push(m) });
  try {
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
    const big = Buffer.alloc(256 * 1024, 'x');
    let refused = '';
    for (let i = 0; i < 40 && !refused; i++) {
      await client.put(`/fill/${i}`).value(big).catch((e: Error) => (refused = e.message));
    }
    assert.match(refused, /database space exceeded/);
    const body = await eventually('readyz fails', async () => {
      const r = await fetch(`${api.url}/readyz`);
      return r.status === 503 ? r.text() : undefined;
    }, 10_000);
    assert.match(body, /^etcd: etcd alarm NOSPACE: the database reached its quota of 2097152 bytes .*--etcd-quota-backend-bytes/);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(metrics, /^etcd_server_quota_backend_bytes 2097152$/m);
    assert.match(metrics, /^etcd_server_alarms\{alarm="NOSPACE"\} 1$/m);
    const size = Number(/^apiserver_storage_size_bytes\{storage_cluster_id="\d+"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(size > QUOTA / 2, `size ${size}`);
    assert.match(metrics, /^etcd_mvcc_db_total_size_in_use_in_bytes \d+$/m);
  } finally {
    await api.stop();
    client.close();
    await etcd.stop();
  }
});

test('scheduled defragmentation shrinks a file compaction left mostly free', async () => {
  const etcd = await startEtcd();
  const client = newEtcdClient({ endpoints: etcd.endpoint });
  const logs: string[] = [];
  try {
    const big = Buffer.alloc(256 * 1024, 'x');
    for (let i = 0; i < 16; i++) await client.put(`/fill/${i}`).value(big);
    await client.delete().prefix('/fill/');
    await client.kv.compact({ revision: (await client.maintenance.status()).header.revision, physical: true });
    await client.put('/after').value('a write after compaction lets bbolt reuse the freed pages');
    const health = startEtcdHealth({ endpoints: [etcd.endpoint], quotaBytes: 0, intervalMs: 60_000, defragIntervalMs: 1, defragMinFreeBytes: 1 << 20, registry: new Registry(), log: (m) => logs.push(m) });
    try {
      for (let i = 0; i < 20 && !logs.some((l) => l.startsWith('etcd defragmented')); i++) {
        await new Promise((r) => setTimeout(r, 100));
        await health.poll();
      }
    } finally {
      health.stop();
    }
    const m = logs.map((l) => /^etcd defragmented: (\d+) → (\d+) bytes$/.exec(l)).find(Boolean);
    assert.ok(m, logs.join('\n'));
    assert.ok(Number(m[2]) < Number(m[1]) / 2, m[0]);
  } finally {
    client.close();
    await etcd.stop();
  }
});

test('defragment when at least a quarter of the file and the minimum are free', () => {
  assert.equal(wantsDefrag(200, 150, 50), true);
  assert.equal(wantsDefrag(200, 151, 40), false);
  assert.equal(wantsDefrag(100, 10, 128), false);
});

test('passing 90% of the quota is reported once, while writes still work', async () => {
  const etcd = await startEtcd();
  try {
    const near: string[] = [];
    // A fresh database is tens of KiB: a 1 KiB quota is long passed.
    const health = startEtcdHealth({ endpoints: [etcd.endpoint], quotaBytes: 1024, intervalMs: 50, defragIntervalMs: 0, registry: new Registry(), log: () => {}, onNearFull: (m) => near.push(m) });
    try {
      for (let i = 0; i < 40 && near.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(near.length, 1, near.join('\n'));
      assert.match(near[0], /^etcd database is \d+ bytes, over 90% of its quota of 1024 bytes: writes will be refused at the quota$/);
    } finally {
      health.stop();
    }
  } finally {
    await etcd.stop();
  }
});
