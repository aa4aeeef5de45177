import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from '../api/core.js';
import type { EndpointSlice } from '../api/discovery.js';
import { startTestApi } from '../testing/cluster.js';
import { eventually } from '../testing/wait.js';
import { MasterLeases } from './storage/master-leases.js';

test('the kubernetes Service lists every live apiserver; one whose lease is not refreshed drops out after the TTL; no rewrite when nothing changed', async () => {
  const t = await startTestApi({ masterLeaseTtlSeconds: 2, endpointReconcileIntervalMs: 250 });
  // A second "apiserver" on the same etcd: it writes its lease once and then goes silent (as if killed).
  const other = new MasterLeases({ endpoints: [t.etcd.endpoint], ttlSeconds: 2 });
  try {
    const addresses = async () => {
      const ep = (await t.req('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body as Endpoints;
      const slice = (await t.req('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).body as EndpointSlice;
      const fromEp = (ep.subsets?.[0]?.addresses ?? []).map((a) => a.ip);
      const fromSlice = (slice.endpoints ?? []).map((e) => e.addresses[0]);
      assert.deepEqual(fromSlice, fromEp, 'Endpoints and EndpointSlice agree');
      return { ips: fromEp, ep, slice };
    };
    const first = await addresses();
    assert.deepEqual(first.ips, ['127.0.0.1'], 'ready with its own address');
    assert.equal(first.ep.subsets?.[0]?.ports?.[0]?.port, t.api.port);
    assert.equal(first.ep.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'], 'true');
    assert.equal(first.slice.metadata.labels?.['kubernetes.io/service-name'], 'kubernetes');
    assert.equal(first.slice.addressType, 'IPv4');
    assert.equal(first.slice.endpoints?.[0]?.conditions?.ready, true);

    // Several reconciles later nothing was rewritten.
    await new Promise((r) => setTimeout(r, 800));
    const again = await addresses();
    assert.equal(again.ep.metadata.resourceVersion, first.ep.metadata.resourceVersion, 'Endpoints not rewritten');
    assert.equal(again.slice.metadata.resourceVersion, first.slice.metadata.resourceVersion, 'EndpointSlice not rewritten');

    await other.update('127.0.0.9');
    await eventually('both addresses', async () => { assert.deepEqual((await addresses()).ips, ['127.0.0.1', '127.0.0.9']); return true; }, 5000);
    other.close();
    const silentAt = Date.now();
    await eventually('the silent one dropped', async () => { assert.deepEqual((await addresses()).ips, ['127.0.0.1']); return true; }, 10_000);
    assert.ok(Date.now() - silentAt >= 1000, 'not before its lease expired');
  } finally {
    other.close();
    await t.stop();
  }
});

test('a graceful stop takes the apiserver out at once; the last one never erases its own address', async () => {
  const t = await startTestApi({ masterLeaseTtlSeconds: 30, endpointReconcileIntervalMs: 60_000 });
  const watcher = new MasterLeases({ endpoints: [t.etcd.endpoint], ttlSeconds: 30 });
  try {
    assert.deepEqual(await watcher.list(), ['127.0.0.1']);
    await t.api.stop();
    assert.deepEqual(await watcher.list(), [], 'its lease is gone without waiting for the TTL');
  } finally {
    watcher.close();
    await t.stop();
  }
});
