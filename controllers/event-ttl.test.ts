import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEventTTLCleaner } from './event-ttl.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

describe('event TTL cleaner', { timeout: 60_000 }, () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startEnv();
  });
  after(async () => env?.stop());

  it('deletes events older than the TTL only', async () => {
    const { client, ns } = env;
    const old = new Date(Date.now() - 2 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await client.events(ns).create({ metadata: { name: 'old.1' }, involvedObject: { kind: 'Pod', name: 'x', namespace: ns }, reason: 'Old', message: 'm', firstTimestamp: old, lastTimestamp: old, count: 1 });
    const recent = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.events(ns).create({ metadata: { name: 'recent.1' }, involvedObject: { kind: 'Pod', name: 'x', namespace: ns }, reason: 'Recent', message: 'm', firstTimestamp: recent, lastTimestamp: recent, count: 1 });
    const cleaner = startEventTTLCleaner(client, { ttlMs: 3600_000, periodMs: 3600_000 });
    try {
      const n = await cleaner.runOnce();
      assert.equal(n, 1);
      const names = (await client.events(ns).list()).items.map((e) => e.metadata?.name);
      assert.ok(!names.includes('old.1'));
      assert.ok(names.includes('recent.1'), 'recent events kept');
    } finally {
      await cleaner.stop();
    }
  });
});
