import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventRecorder } from './events.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

describe('event recorder', { timeout: 60_000 }, () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startEnv();
  });
  after(async () => env?.stop());

  it('de-duplicates identical events into one with a count, keeps different ones apart', async () => {
    const { client, ns } = env;
    const pod = await client.pods(ns).create({ metadata: { name: 'subject' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const rec = new EventRecorder(client, { component: 'test-controller', host: 'h1' });
    rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await rec.flush();
    for (let i = 0; i < 4; i++) rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    rec.event(pod, 'Normal', 'Pulled', 'Container image "busybox" already present on machine');
    await rec.flush();
    const evs = (await client.events(ns).list()).items.filter((e) => e.involvedObject.uid === pod.metadata?.uid);
    assert.equal(evs.length, 2);
    const backoff = evs.find((e) => e.reason === 'BackOff')!;
    assert.equal(backoff.count, 5);
    assert.equal(backoff.type, 'Warning');
    assert.equal(backoff.source?.component, 'test-controller');
    assert.equal(backoff.reportingComponent, 'test-controller');
    assert.equal(backoff.involvedObject.kind, 'Pod');
    assert.match(backoff.metadata?.name ?? '', /^subject\.[0-9a-f]+$/);
    assert.ok(Date.parse(backoff.lastTimestamp!) >= Date.parse(backoff.firstTimestamp!));
    assert.equal(evs.find((e) => e.reason === 'Pulled')!.count, 1);
  });

  it('combines similar events past 10 messages and drops them past a burst of 25, per object and reason', async () => {
    const { client, ns } = env;
    const rc = await client.replicationControllers(ns).create({ metadata: { name: 'spammy' }, spec: { replicas: 0, selector: { app: 'spammy' }, template: { metadata: { labels: { app: 'spammy' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
    const rec = new EventRecorder(client, { component: 'replication-controller' });
    for (let i = 0; i < 200; i++) rec.event(rc, 'Normal', 'SuccessfulCreate', `Created pod: spammy-${i}`);
    rec.event(rc, 'Normal', 'SuccessfulDelete', 'Deleted pod: spammy-0');
    await rec.flush();
    const evs = (await client.events(ns).list()).items.filter((e) => e.involvedObject.uid === rc.metadata?.uid);
    const created = evs.filter((e) => e.reason === 'SuccessfulCreate');
    // 9 single events, then one combined Event counting the next 16; the other 175 dropped.
    assert.equal(created.length, 10);
    assert.deepEqual(created.filter((e) => e.count === 1 && !e.message?.startsWith('(combined')).map((e) => e.message).sort(), Array.from({ length: 9 }, (_, i) => `Created pod: spammy-${i}`).sort());
    const combined = created.find((e) => e.message?.startsWith('(combined from similar events): '));
    assert.equal(combined?.count, 16);
    assert.equal(combined?.message, '(combined from similar events): Created pod: spammy-24');
    assert.equal(evs.filter((e) => e.reason === 'SuccessfulDelete').length, 1, 'another reason has its own bucket');
  });
});
