import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../api/core.js';
import { isNotFound } from '../client/errors.js';
import { sleep, waitFor } from '../testing/wait.js';
import { computeSubsets, startEndpointsController, type EndpointsController } from './endpoints.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function pod(name: string, labels: Record<string, string>): Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }] } };
}

describe('computeSubsets (pure)', () => {
  it('resolves named and numeric target ports and groups addresses by port set', () => {
    const pods: Pod[] = [
      { ...pod('a', { app: 'x' }), metadata: { name: 'a', namespace: 'n', uid: 'ua', labels: { app: 'x' } }, status: { podIP: '10.0.0.10', conditions: [{ type: 'Ready', status: 'True' }] } },
      { metadata: { name: 'b', namespace: 'n', uid: 'ub', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { podIP: '10.0.0.9', conditions: [{ type: 'Ready', status: 'True' }] } },
    ];
    const subsets = computeSubsets({ metadata: { name: 's', namespace: 'n' }, spec: { selector: { app: 'x' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }, { name: 'raw', port: 81, targetPort: 9000 }] } }, pods);
    // b has no "http" port: it serves only "raw", so it sits in its own subset.
    assert.equal(subsets.length, 2);
    const both = subsets.find((s) => s.ports?.length === 2)!;
    assert.deepEqual(both.addresses?.map((a) => a.ip), ['10.0.0.10']);
    assert.deepEqual(both.ports, [{ name: 'raw', port: 9000, protocol: 'TCP' }, { name: 'web', port: 8080, protocol: 'TCP' }]);
    const one = subsets.find((s) => s.ports?.length === 1)!;
    assert.deepEqual(one.addresses?.map((a) => a.ip), ['10.0.0.9']);
  });
});

describe('endpoints controller', { timeout: 120_000 }, () => {
  let env: ControllerTestEnv;
  let ec: EndpointsController | undefined;
  before(async () => {
    env = await startEnv();
    ec = await startEndpointsController({ client: env.client, log: () => {} });
  });
  after(async () => {
    await ec?.stop();
    await env?.stop();
  });

  it('publishes ready and not-ready pods with the named targetPort, follows readiness, deletes with the service', async () => {
    const { client, ns } = env;
    for (const n of ['p1', 'p2', 'p3']) await client.pods(ns).create(pod(n, { app: 'ep' }));
    const setStatus = (name: string, ip: string | undefined, ready: boolean) =>
      client.pods(ns).patch(name, { status: { phase: 'Running', ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now() }] } }, 'merge', { subresource: 'status' });
    await setStatus('p1', '10.244.7.11', true);
    await setStatus('p2', '10.244.7.12', false);
    await setStatus('p3', undefined, true); // no IP yet: left out
    await client.services(ns).create({ metadata: { name: 'web', labels: { tier: 'front' } }, spec: { selector: { app: 'ep' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    await waitFor(async () => {
      try {
        const ep = await client.endpoints(ns).get('web');
        return ep.subsets?.[0]?.notReadyAddresses?.length === 1;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    }, 20_000, 'endpoints');
    let ep = await client.endpoints(ns).get('web');
    assert.equal(ep.metadata?.labels?.tier, 'front');
    assert.equal(ep.subsets?.length, 1);
    const s = ep.subsets[0];
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(s.addresses?.map((a) => [a.ip, a.targetRef?.name, a.targetRef?.kind]), [['10.244.7.11', 'p1', 'Pod']]);
    assert.deepEqual(s.notReadyAddresses?.map((a) => a.ip), ['10.244.7.12']);

    // p2 becomes ready: both in addresses, sorted by IP.
    await setStatus('p2', '10.244.7.12', true);
    await waitFor(async () => (await client.endpoints(ns).get('web')).subsets?.[0]?.addresses?.length === 2, 20_000, 'p2 ready');
    ep = await client.endpoints(ns).get('web');
    assert.deepEqual(ep.subsets![0].addresses!.map((a) => a.ip), ['10.244.7.11', '10.244.7.12']);
    assert.equal(ep.subsets![0].notReadyAddresses, undefined);

    // No write when nothing changed.
    const rv = ep.metadata?.resourceVersion;
    await client.pods(ns).patch('p1', { metadata: { annotations: { touched: 'yes' } } }, 'merge');
    await sleep(500);
    assert.equal((await client.endpoints(ns).get('web')).metadata?.resourceVersion, rv);

    // A terminating pod leaves the endpoints (it is bound, so the delete is graceful and it lingers).
    await client.pods(ns).delete('p1');
    await waitFor(async () => (await client.endpoints(ns).get('web')).subsets?.[0]?.addresses?.length === 1, 20_000, 'p1 removed');

    await client.services(ns).delete('web');
    await waitFor(async () => {
      try {
        await client.endpoints(ns).get('web');
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    }, 20_000, 'endpoints deleted');
  });

  it('leaves selector-less services and default/kubernetes alone; publishNotReadyAddresses', async () => {
    const { client, ns } = env;
    await client.services(ns).create({ metadata: { name: 'manual' }, spec: { ports: [{ port: 5432 }] } });
    await client.endpoints(ns).create({ metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 5432 }] }] });
    await client.pods(ns).create(pod('q1', { app: 'pnr' }));
    await client.pods(ns).patch('q1', { status: { podIP: '10.244.7.21', conditions: [{ type: 'Ready', status: 'False' }] } }, 'merge', { subresource: 'status' });
    await client.services(ns).create({ metadata: { name: 'pnr' }, spec: { selector: { app: 'pnr' }, publishNotReadyAddresses: true, ports: [{ port: 80, targetPort: 8080 }] } });
    await waitFor(async () => {
      try {
        return (await client.endpoints(ns).get('pnr')).subsets?.[0]?.addresses?.[0]?.ip === '10.244.7.21';
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    }, 20_000, 'pnr endpoints');
    await sleep(300);
    assert.deepEqual((await client.endpoints(ns).get('manual')).subsets, [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    const k = await client.endpoints('default').get('kubernetes').catch(() => undefined);
    if (k) assert.ok(k.subsets?.length, 'the apiserver owns default/kubernetes and it keeps its addresses');
  });
});
