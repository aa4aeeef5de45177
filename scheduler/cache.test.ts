import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from './cache.js';
import { makeNode, makePod } from '../testing/scheduler-objects.js';

test('assume counts the pod at once; the informer confirms it; no double counting', () => {
  const c = new SchedulerCache();
  c.setNode(makeNode({ name: 'n', cpu: '2' }));
  const p = makePod({ name: 'p', cpu: '500m' });
  c.assume(p, 'n');
  assert.equal(c.nodeInfo('n')!.requested.milliCPU, 500);
  assert.equal(c.isAssumed('default/p'), true);
  c.setPod({ ...p, spec: { ...p.spec!, nodeName: 'n' } });
  assert.equal(c.isAssumed('default/p'), false);
  assert.equal(c.nodeInfo('n')!.requested.milliCPU, 500);
  assert.equal(c.nodeInfo('n')!.pods.size, 1);
  c.deletePod(p);
  assert.equal(c.nodeInfo('n')!.requested.milliCPU, 0);
});

test('forget on bind failure; expiry after the ttl once bound', () => {
  let now = 0;
  const c = new SchedulerCache({ assumeTtlMs: 100, now: () => now });
  c.setNode(makeNode({ name: 'n' }));
  const a = makePod({ name: 'a', cpu: '1' });
  const b = makePod({ name: 'b', cpu: '1' });
  c.assume(a, 'n');
  c.assume(b, 'n');
  c.forget(a);
  assert.equal(c.nodeInfo('n')!.requested.milliCPU, 1000);
  c.finishBinding(b);
  now = 50;
  assert.equal(c.cleanupExpired(), 0);
  now = 101;
  assert.equal(c.cleanupExpired(), 1);
  assert.equal(c.nodeInfo('n')!.requested.milliCPU, 0);
});

test('pods bound to an unknown node count once the node appears; terminal pods do not count', () => {
  const c = new SchedulerCache();
  c.setPod(makePod({ name: 'early', cpu: '1', nodeName: 'late' }));
  c.setNode(makeNode({ name: 'late' }));
  assert.equal(c.nodeInfo('late')!.requested.milliCPU, 1000);
  const done = makePod({ name: 'early', cpu: '1', nodeName: 'late' });
  done.status = { phase: 'Succeeded' };
  c.setPod(done);
  assert.equal(c.nodeInfo('late')!.requested.milliCPU, 0);
});

test('a recreated pod of the same name: the old one deleted does not drop the new assumption', () => {
  const c = new SchedulerCache();
  c.setNode(makeNode({ name: 'n' }));
  const old = makePod({ name: 'p', cpu: '1', nodeName: 'n' });
  old.metadata.uid = 'u-old';
  c.setPod(old);
  const fresh = makePod({ name: 'p', cpu: '300m' });
  fresh.metadata.uid = 'u-new';
  assert.equal(c.isPlaced('default/p', 'u-new'), false);
  assert.equal(c.isPlaced('default/p', 'u-old'), true);
  c.assume(fresh, 'n');
  c.deletePod(old);
  assert.equal(c.isAssumed('default/p'), true);
  assert.equal(c.nodeInfo('n')!.requested.milliCPU, 300);
});
