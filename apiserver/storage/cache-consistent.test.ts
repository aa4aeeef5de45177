// Two watch caches on one etcd, as two apiservers have: a list without a resourceVersion on one
// sees every write made through the other (upstream's consistent reads from cache), and an idle
// resource is still served from its cache while other resources are written.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEtcd, type EtcdHandle } from '../../testing/etcd.js';
import { uniqueTag } from '../../testing/wait.js';
import type { KubeObject } from '../../api/meta.js';
import { EtcdStorage } from './etcd.js';
import { CachedStorage } from './cache.js';
import type { ListOptions, ListResult } from './interface.js';

/** An EtcdStorage that counts the lists it serves itself (the cache's fallback). */
class CountingStorage extends EtcdStorage {
  lists = 0;
  override list<T extends KubeObject>(prefix: string, opts?: ListOptions): Promise<ListResult<T>> {
    this.lists++;
    return super.list<T>(prefix, opts);
  }
}

let etcd: EtcdHandle;
let innerA: CountingStorage;
let innerB: CountingStorage;
let a: CachedStorage;
let b: CachedStorage;
const RES = `/registry/${uniqueTag()}/`;
const OTHER = `/registry/${uniqueTag()}x/`;

before(async () => {
  // A long progress-notification interval, so nothing here passes by waiting for one.
  etcd = await startEtcd({ progressNotifyInterval: '10s' });
  innerA = new CountingStorage({ endpoints: etcd.endpoint, retryBudgetMs: 0 });
  innerB = new CountingStorage({ endpoints: etcd.endpoint, retryBudgetMs: 0 });
  a = new CachedStorage(innerA, { consistentWaitMs: 3000 });
  b = new CachedStorage(innerB, { consistentWaitMs: 3000 });
  for (const c of [a, b]) {
    await c.cacheResource(RES);
    await c.cacheResource(OTHER);
  }
});
after(async () => {
  await a?.close();
  await b?.close();
  await etcd?.stop();
});

const obj = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name } });

test('a write through one cache is in the other one\'s next list without a resourceVersion', async () => {
  for (let i = 0; i < 30; i++) {
    const made = await a.create(`${RES}o${i}`, obj(`o${i}`));
    const l = await b.list(RES);
    assert.equal(l.items.length, i + 1, `list ${i} on the other cache sees the write`);
    assert.ok(BigInt(l.revision) >= BigInt(made.revision));
    // A get without a resourceVersion is a quorum read, as upstream.
    assert.equal((await b.get(`${RES}o${i}`)).revision, made.revision);
  }
  await a.delete(`${RES}o0`);
  assert.equal((await b.list(RES)).items.length, 29, 'a delete is seen too');
});

test('an idle resource is served from the cache while another resource is written', async () => {
  await b.list(RES); // caught up
  const before = innerB.lists;
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) {
    await a.create(`${OTHER}w${i}`, obj(`w${i}`));
    assert.equal((await b.list(RES)).items.length, 29);
  }
  assert.equal(innerB.lists, before, 'no list fell back to etcd');
  // Not waiting for progress notifications (every 10 s here): well under one interval in all.
  assert.ok(performance.now() - t0 < 3000);
});
