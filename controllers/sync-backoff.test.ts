// A failing sync on a real apiserver backs off: an RC in a terminating namespace
// cannot create its pods (403), and the controller must not retry every few
// milliseconds. Counted twice: on the controller's log and on the apiserver's
// own request counter for pod creates.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, waitFor } from '../testing/wait.js';
import { startControllerManager, type ControllerManager } from './manager.js';
import { rcObject, startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

/** Pod creates the apiserver answered 403, from its /metrics. */
async function forbiddenPodCreates(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    if (/verb="(create|POST)"/i.test(line) && /resource="pods"/.test(line) && /subresource=""/.test(line) && /code="403"/.test(line)) n += Number(line.split(' ').pop());
  }
  return n;
}

describe('sync back-off on a real apiserver', { timeout: 120_000 }, () => {
  let env: ControllerTestEnv;
  let cm: ControllerManager | undefined;
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    await cm?.stop();
    await env?.stop();
  });

  it('an RC in a terminating namespace retries its creates with growing delays, a log line per retry', async () => {
    const { client, t } = env;
    const ns = `${env.tag}-term`;
    await client.namespaces().create({ metadata: { name: ns } });
    await client.replicationControllers(ns).create(rcObject('stuck', 0));
    // No namespace controller runs here, so the namespace stays Terminating (its "kubernetes" finalizer).
    await client.namespaces().delete(ns);
    await waitFor(async () => !!(await client.namespaces().get(ns)).metadata?.deletionTimestamp, 10_000, 'namespace terminating');
    await client.replicationControllers(ns).scale('stuck', 3);

    const lines: string[] = [];
    const before403 = await forbiddenPodCreates(t.url);
    cm = await startControllerManager({ client, controllers: ['replication'], log: (m) => lines.push(m) });
    const t0 = Date.now();
    await waitFor(() => lines.some((l) => l.includes('"' + ns + '/stuck"')), 10_000, 'first failure logged');
    await sleep(6000 - (Date.now() - t0));
    const mine = lines.filter((l) => l.startsWith(`replication: syncing "${ns}/stuck" failed`));
    const creates = (await forbiddenPodCreates(t.url)) - before403;
    // Its FailedCreate Events cannot be written either (same namespace): logged once per doubling window.
    const eventLines = lines.filter((l) => l.startsWith('events: '));
    console.log(`# 6 s of a failing RC sync: ${mine.length} log lines, ${creates} pod creates refused, ${eventLines.length} lines about unwritable events`);
    for (const l of mine.slice(0, 4)) console.log(`#   ${l}`);
    // 5 ms doubling: 5+10+...+2560 ms ≈ 5.1 s, so about 11 retries in 6 s; without back-off it would be thousands.
    assert.ok(mine.length >= 5, `it keeps retrying (${mine.length} lines)`);
    assert.ok(mine.length <= 16, `bounded by the back-off: ${mine.length} lines`);
    assert.ok(creates >= mine.length && creates <= 16, `one create per attempt (slow start begins with 1): ${creates}`);
    assert.match(mine[0], /failed \(attempt 1, retrying in 5ms\): .*unable to create new content in namespace .* because it is being terminated/);
    assert.match(mine[mine.length - 1], /retrying in (1\.3s|2\.6s|5\.1s)/);
    assert.ok(eventLines.length >= 1 && eventLines.length <= 4, eventLines.join('\n'));
    assert.match(eventLines[0], /^events: writing FailedCreate for ReplicationController .*\/stuck failed: unable to create new content/);
    // The RC's status says why.
    const rc = await client.replicationControllers(ns).get('stuck');
    assert.equal(rc.status?.conditions?.[0]?.reason, 'FailedCreate');
    await cm.stop();
    cm = undefined;
  });
});
