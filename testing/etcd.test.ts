import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startEtcd, freePort } from './etcd.js';
import { newEtcdClient } from '../apiserver/storage/etcd-client.js';
import { EtcdStorage } from '../apiserver/storage/etcd.js';

test('freePort returns a bindable port', async () => {
  const p = await freePort();
  assert.ok(p > 0 && p < 65536);
});

test('startEtcd: put/get, restart keeps data on the same endpoint, stop removes the dir', { timeout: 120_000 }, async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  assert.match(etcd.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(etcd.pid > 0);
  assert.ok(existsSync(etcd.dataDir));

  const client = newEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  await client.put('/tkt/a').value('one');
  assert.equal(await client.get('/tkt/a').string(), 'one');

  const oldPid = etcd.pid;
  const t0 = Date.now();
  await etcd.restart();
  const restartMs = Date.now() - t0;
  assert.notEqual(etcd.pid, oldPid);
  // The same client reconnects by itself (no circuit breaker holding it off).
  assert.equal(await client.get('/tkt/a').string(), 'one');
  await client.put('/tkt/b').value('two');
  assert.equal(await client.get('/tkt/b').string(), 'two');
  assert.ok(restartMs < 30_000, `restart took ${restartMs} ms`);

  const killedPid = etcd.pid;
  etcd.kill9();
  // The signal is asynchronous: poll until the killed etcd stops answering.
  const deadline = Date.now() + 10_000;
  let failed = false;
  while (!failed && Date.now() < deadline) {
    try {
      await client.get('/tkt/a').string();
      await new Promise((r) => setTimeout(r, 20));
    } catch {
      failed = true;
    }
  }
  assert.ok(failed, 'etcd still answers after kill9');
  await etcd.restart();
  assert.notEqual(etcd.pid, killedPid);
  assert.equal(await client.get('/tkt/a').string(), 'one');

  const lastPid = etcd.pid;
  await etcd.stop();
  assert.equal(existsSync(etcd.dataDir), false);
  let alive = true;
  try {
    process.kill(lastPid, 0);
  } catch {
    alive = false;
  }
  assert.equal(alive, false);
});

test('startEtcd with tls: the storage reaches it with the client certificate, through the client thread too; without one it cannot', { timeout: 120_000 }, async (t) => {
  const etcd = await startEtcd({ tls: true });
  t.after(() => etcd.stop());
  assert.match(etcd.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(etcd.tls);
  for (const worker of [false, true]) {
    const storage: EtcdStorage = new EtcdStorage({ endpoints: etcd.endpoint, tls: etcd.tls, worker, prefix: `/w${worker}` });
    try {
      const made: { revision: string } = await storage.create('/registry/configmaps/default/a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } } as never);
      const got: { revision: string } = await storage.get('/registry/configmaps/default/a');
      assert.equal(got.revision, made.revision, `worker=${worker}`);
    } finally {
      await storage.kv.close();
    }
  }
  // The CA alone (no client certificate): etcd refuses the handshake.
  const anonymous = newEtcdClient({ endpoints: etcd.endpoint, dialTimeout: 500, callTimeoutMs: 1500, tls: { ...etcd.tls, cert: '', key: '' } });
  t.after(() => anonymous.close());
  await assert.rejects(anonymous.get('/wtrue/registry/configmaps/default/a').string());
  // Plain HTTP to the TLS port fails too.
  const plain = newEtcdClient({ endpoints: etcd.endpoint.replace('https:', 'http:'), dialTimeout: 500, callTimeoutMs: 1500 });
  t.after(() => plain.close());
  await assert.rejects(plain.get('/wtrue/registry/configmaps/default/a').string());
});
