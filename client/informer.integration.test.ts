// The informer against the real apiserver and etcd: initial sync, live
// events, and exactly-once delivery across an apiserver restart (which makes
// its resourceVersion too old: 410, re-list, diff) and an etcd restart.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from '../api/core.js';
import { isAlreadyExists } from './errors.js';
import { Informer } from './informer.js';
import { RestClient } from './rest.js';
import { eventually, startTestCluster, uniqueName, type TestCluster } from '../testing/client-env.js';

let c: TestCluster;

before(async () => {
  c = await startTestCluster();
});

after(async () => {
  await c?.stop();
});

async function newNamespace(): Promise<string> {
  const ns = uniqueName('tkt-inf');
  await c.client.namespaces().create({ metadata: { name: ns } });
  return ns;
}

/** An informer on ConfigMaps of one namespace that records every event as "type name[=value]". */
function recorder(client: RestClient, ns: string): { inf: Informer<ConfigMap>; log: string[] } {
  const log: string[] = [];
  const v = (o: ConfigMap): string => (o.data?.v !== undefined ? `=${o.data.v}` : '');
  const inf = new Informer<ConfigMap>(client, 'configmaps', { namespace: ns, backoffInitialMs: 50, backoffMaxMs: 500, onError: () => undefined });
  inf.on('add', (o) => log.push(`add ${o.metadata.name}${v(o)}`));
  inf.on('update', (a, b) => log.push(`update ${b.metadata.name}${v(a)}${v(b)}`));
  inf.on('delete', (o) => log.push(`delete ${o.metadata.name}`));
  return { inf, log };
}

const cm = (name: string, v: string, labels: Record<string, string> = {}): ConfigMap => ({ metadata: { name, labels }, data: { v } });

test('start() resolves after the initial list; live adds, updates and deletes follow', async () => {
  const ns = await newNamespace();
  const cms = c.client.configMaps(ns);
  await cms.create(cm('a', '1'));
  await cms.create(cm('b', '1'));
  const { inf, log } = recorder(c.client, ns);
  assert.equal(inf.hasSynced(), false);
  await inf.start();
  try {
    assert.equal(inf.hasSynced(), true);
    assert.deepEqual(inf.store.keys().sort(), [`${ns}/a`, `${ns}/b`]);
    assert.deepEqual([...log].sort(), ['add a=1', 'add b=1']);
    assert.match(inf.lastSyncResourceVersion, /^\d+$/);
    log.length = 0;
    await cms.create(cm('c', '1'));
    await cms.patch('a', { data: { v: '2' } }, 'merge');
    await cms.delete('b');
    await eventually('three events', () => log.length >= 3);
    assert.deepEqual(log, ['add c=1', 'update a=1=2', 'delete b']);
    assert.equal(inf.store.get(`${ns}/a`)?.data?.v, '2');
    assert.equal(inf.store.get(`${ns}/b`), undefined);
    // A handler added after the sync hears of what is cached.
    const late: string[] = [];
    inf.on('add', (o) => late.push(o.metadata.name!));
    assert.deepEqual(late.sort(), ['a', 'c']);
  } finally {
    await inf.stop();
  }
});

test('label selector limits what the informer sees; resync re-delivers updates', async () => {
  const ns = await newNamespace();
  const cms = c.client.configMaps(ns);
  await cms.create(cm('in', '1', { pick: 'yes' }));
  await cms.create(cm('out', '1', { pick: 'no' }));
  const inf = new Informer<ConfigMap>(c.client, 'configmaps', { namespace: ns, labelSelector: 'pick=yes', resyncMs: 200 });
  let resyncs = 0;
  inf.on('update', (a, b) => {
    if (a === b) resyncs++;
  });
  await inf.start();
  try {
    assert.deepEqual(inf.store.keys(), [`${ns}/in`]);
    await eventually('a resync', () => resyncs >= 2, 10_000);
  } finally {
    await inf.stop();
  }
});

test('apiserver restart with changes made and history compacted meanwhile: 410, re-list, exactly the missed events', async () => {
  const ns = await newNamespace();
  const cms = c.client.configMaps(ns);
  await cms.create(cm('keep', '1'));
  await cms.create(cm('change', '1'));
  await cms.create(cm('remove', '1'));
  const { inf, log } = recorder(c.client, ns);
  await inf.start();
  try {
    log.length = 0;
    const rvBefore = inf.lastSyncResourceVersion;
    await c.restartApiServer(0, async () => {
      // While our apiserver is down, another one on the same etcd changes things.
      const other = await c.secondApiServer();
      const oc = new RestClient(other.url);
      try {
        const ocms = oc.configMaps(ns);
        await ocms.create(cm('new', '1'));
        await ocms.patch('change', { data: { v: '2' } }, 'merge');
        await ocms.delete('remove');
        // Compacted history: the restarted apiserver cannot resume the informer's watch (410).
        await c.compactEtcd();
      } finally {
        oc.close();
        await other.stop();
      }
    });
    await eventually('the informer catches up', () => log.length >= 3, 30_000);
    // Then live events flow again over the new watch.
    await cms.patch('keep', { data: { v: '3' } }, 'merge');
    await eventually('a live event after the restart', () => log.length >= 4, 30_000);
    await new Promise((r) => setTimeout(r, 300)); // any duplicate would show up now
    assert.deepEqual(log.slice(0, 3).sort(), ['add new=1', 'delete remove', 'update change=1=2']);
    assert.deepEqual(log.slice(3), ['update keep=1=3']);
    assert.ok(inf.stats.gone >= 1, `expected a 410 re-list, stats ${JSON.stringify(inf.stats)}`);
    assert.ok(inf.stats.lists >= 2);
    assert.ok(BigInt(inf.lastSyncResourceVersion) > BigInt(rvBefore));
    assert.deepEqual(inf.store.keys().sort(), [`${ns}/change`, `${ns}/keep`, `${ns}/new`]);
  } finally {
    await inf.stop();
  }
});

test('apiserver restart with changes made meanwhile (history kept): resumed, exactly the missed events', async () => {
  const ns = await newNamespace();
  const cms = c.client.configMaps(ns);
  await cms.create(cm('change', '1'));
  await cms.create(cm('remove', '1'));
  const { inf, log } = recorder(c.client, ns);
  await inf.start();
  try {
    log.length = 0;
    await c.restartApiServer(0, async () => {
      const other = await c.secondApiServer();
      const oc = new RestClient(other.url);
      try {
        await oc.configMaps(ns).create(cm('new', '1'));
        await oc.configMaps(ns).patch('change', { data: { v: '2' } }, 'merge');
        await oc.configMaps(ns).delete('remove');
      } finally {
        oc.close();
        await other.stop();
      }
    });
    await eventually('the informer catches up', () => log.length >= 3, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(log, ['add new=1', 'update change=1=2', 'delete remove'], 'in order, once each');
    assert.deepEqual(inf.store.keys().sort(), [`${ns}/change`, `${ns}/new`]);
  } finally {
    await inf.stop();
  }
});

test('apiserver down for a while: the informer retries with back-off and resumes', async () => {
  const ns = await newNamespace();
  const cms = c.client.configMaps(ns);
  const { inf, log } = recorder(c.client, ns);
  await inf.start();
  try {
    await c.restartApiServer(1500);
    await cms.create(cm('after', '1'));
    await eventually('the event after the restart', () => log.includes('add after=1'), 30_000);
    assert.ok(inf.stats.failures >= 1, `the outage was noticed: ${JSON.stringify(inf.stats)}`);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(log, ['add after=1']);
  } finally {
    await inf.stop();
  }
});

test('etcd restart under the apiserver: no event lost or repeated', async () => {
  const ns = await newNamespace();
  const cms = c.client.configMaps(ns);
  await cms.create(cm('x', '1'));
  const { inf, log } = recorder(c.client, ns);
  await inf.start();
  try {
    log.length = 0;
    await c.etcd.restart();
    // Writes may fail while the apiserver reconnects; retry until one lands.
    await eventually('a write after the etcd restart', async () => {
      // A create that landed but whose answer was lost shows up as AlreadyExists on the retry.
      await cms.create(cm('y', '1')).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
      return true;
    }, 30_000);
    await eventually('write 2', async () => {
      await cms.patch('x', { data: { v: '2' } }, 'merge');
      return true;
    }, 30_000);
    await eventually('both events', () => log.length >= 2, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(log, ['add y=1', 'update x=1=2']);
    assert.equal(inf.store.get(`${ns}/x`)?.data?.v, '2');
  } finally {
    await inf.stop();
  }
});

test('stop() before the first sync resolves start() and ends the loop', async () => {
  const dead = new RestClient('http://127.0.0.1:1');
  const inf = new Informer<ConfigMap>(dead, 'configmaps', { backoffInitialMs: 20, onError: () => undefined });
  const started = inf.start();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(inf.hasSynced(), false);
  assert.ok(inf.stats.failures >= 1);
  await inf.stop();
  await started;
  dead.close();
});
