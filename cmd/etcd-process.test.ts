// up's etcd with a real etcd: TLS with client certificates, the member identity kept in the
// data dir and checked at each start, taken ports refused naming their holder.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdEnv, startEtcdProcess } from './etcd-process.js';
import { ensureEtcdPKI } from './pki.js';
import { tryBind } from './port-holder.js';
import { procStartTime, stillRunning } from './proc-identity.js';
import { freePort } from '../testing/etcd.js';
import { newEtcdClient } from '../apiserver/storage/etcd-client.js';

test('etcd of up: TLS, identity kept and checked, taken ports refused', { timeout: 120_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'tkt-etcdp-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const pki = await ensureEtcdPKI(join(root, 'pki'));
  const dataDir = join(root, 'etcd');
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const opts = { dataDir, clientPort, peerPort, pki, detached: true };

  const first = await startEtcdProcess(opts);
  try {
    assert.equal(first.endpoint, `https://127.0.0.1:${clientPort}`);
    assert.equal(procStartTime(first.pid), first.startTime);
    const id = JSON.parse(await readFile(join(dataDir, 'identity.json'), 'utf8')) as { name: string; token: string; clusterId: string };
    assert.match(id.name, /^tskube-[0-9a-f]{8}$/);
    assert.match(id.token, /^[0-9a-f]{32}$/);
    assert.ok(id.clusterId, 'cluster id recorded at the first start');
    // The etcd process itself runs with the GC setting up gives it (unless this test's environment sets one).
    const environ = readFileSync(`/proc/${first.pid}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes(`GOGC=${process.env.GOGC ?? '50'}`), `GOGC in etcd's environment: ${environ.filter((e) => e.startsWith('GO')).join(' ')}`);
    const client = newEtcdClient({ endpoints: first.endpoint, tls: first.tls });
    await client.put('/kept').value('1');
    client.close();

    // Its own ports, taken by it: a second start is refused, naming the holder.
    await assert.rejects(startEtcdProcess({ ...opts, dataDir: join(root, 'other') }), new RegExp(`etcd client port 127\\.0\\.0\\.1:${clientPort} is already taken by pid ${first.pid} \\(\\S*etcd `));
  } finally {
    await first.stop();
  }
  assert.ok(!stillRunning({ pid: first.pid, start: first.startTime }));

  // The same data dir again: the same member, the data kept.
  const second = await startEtcdProcess(opts);
  try {
    const client = newEtcdClient({ endpoints: second.endpoint, tls: second.tls });
    assert.equal(await client.get('/kept').string(), '1');
    client.close();
  } finally {
    await second.stop();
  }

  // A different cluster id on record (as if another etcd answered): refused, and the etcd started is stopped.
  const path = join(dataDir, 'identity.json');
  const id = JSON.parse(await readFile(path, 'utf8')) as { clusterId: string };
  await writeFile(path, JSON.stringify({ ...id, clusterId: '12345' }));
  await assert.rejects(startEtcdProcess(opts), /is not the one up started for .*expected member tskube-[0-9a-f]+ of cluster 12345; refusing/);
  for (let i = 0; i < 50; i++) {
    if (await tryBind(clientPort).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await tryBind(clientPort);

  // A port held by another process: named in the error.
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(peerPort, '127.0.0.1', r));
  try {
    await assert.rejects(startEtcdProcess({ ...opts, dataDir: join(root, 'third') }), new RegExp(`etcd peer port 127\\.0\\.0\\.1:${peerPort} is already taken by pid ${process.pid} `));
  } finally {
    holder.close();
  }
});

test("etcd's environment: GOGC 50 unless the user set one, the rest passed through", () => {
  assert.deepEqual(etcdEnv({ PATH: '/bin' }), { PATH: '/bin', GOGC: '50' });
  assert.deepEqual(etcdEnv({ PATH: '/bin', GOGC: '200' }), { PATH: '/bin', GOGC: '200' });
});
