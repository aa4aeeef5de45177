import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Pod, Service } from '../api/core.js';
import type { EndpointSlice } from '../api/discovery.js';
import { lookupResource } from '../api/resources.js';
import { waitFor } from '../testing/wait.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { EndpointSliceController } from './endpointslice.js';
import { planSlices } from './endpointslice-plan.js';
import { EndpointSliceMirroringController, planMirroredSlices } from './endpointslice-mirroring.js';

const run = promisify(execFile);
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const svc: Service = { metadata: { name: 'web', namespace: 'n', uid: 'svc-uid', labels: { tier: 'front' } }, spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
function readyPod(i: number, extra: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name: `p${i}`, namespace: 'n', uid: `u${i}`, labels: { app: 'x' } },
    spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra },
    status: { phase: 'Running', podIP: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

describe('planSlices (pure)', () => {
  it('one slice of endpoints with conditions, nodeName, targetRef, hostname and the resolved port', () => {
    const pods = [readyPod(1, { hostname: 'h1', subdomain: 'web' }), { ...readyPod(2), metadata: { ...readyPod(2).metadata, deletionTimestamp: now() } }];
    const plan = planSlices(svc, pods, [], 100);
    assert.equal(plan.create.length, 1);
    const s = plan.create[0];
    assert.equal(s.metadata.generateName, 'web-');
    assert.deepEqual(s.metadata.labels, { tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
    assert.deepEqual(s.endpoints, [
      { addresses: ['10.0.0.2'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'n', name: 'p1', uid: 'u1' }, nodeName: 'node-a', hostname: 'h1' },
      { addresses: ['10.0.0.3'], conditions: { ready: false, serving: true, terminating: true }, targetRef: { kind: 'Pod', namespace: 'n', name: 'p2', uid: 'u2' }, nodeName: 'node-a' },
    ]);
  });

  it('at most maxEndpointsPerSlice per slice; existing slices are reused, extra ones deleted; no pods keeps a placeholder', () => {
    const pods = Array.from({ length: 250 }, (_, i) => readyPod(i));
    const first = planSlices(svc, pods, [], 100);
    assert.deepEqual(first.create.map((s) => s.endpoints?.length), [100, 100, 50]);
    const existing = first.create.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}` } }));
    assert.deepEqual(planSlices(svc, pods, existing, 100), { create: [], update: [], delete: [] }, 'nothing changed, nothing written');
    const fewer = planSlices(svc, pods.slice(0, 120), existing, 100);
    assert.deepEqual(fewer.update.map((s) => [s.metadata.name, s.endpoints?.length]), [['web-1', 20]]);
    assert.deepEqual(fewer.delete.map((s) => s.metadata.name), ['web-2']);
    const none = planSlices(svc, [], existing, 100);
    assert.deepEqual(none.create.map((s) => [s.metadata.generateName, s.endpoints, s.ports]), [['web-', [], []]]);
    assert.deepEqual(none.delete.map((s) => s.metadata.name), ['web-0', 'web-1', 'web-2']);
    const placeholder = { ...none.create[0], metadata: { ...none.create[0].metadata, name: 'web-p' } };
    assert.deepEqual(planSlices(svc, [], [placeholder], 100), { create: [], update: [], delete: [] }, 'the placeholder stays');
  });
});

// One apiserver and both controllers for the integration tests below.
let env: ControllerTestEnv;
let c: EndpointSliceController | undefined;
let m: EndpointSliceMirroringController | undefined;
before(async () => {
  env = await startEnv();
  c = await new EndpointSliceController({ client: env.client, log: () => {} }).start();
  m = await new EndpointSliceMirroringController({ client: env.client, log: () => {} }).start();
});
after(async () => {
  await m?.stop();
  await c?.stop();
  await env?.stop();
});

describe('endpointslice controller', { timeout: 120_000 }, () => {
  it('keeps a Service slices as pods come, get ready and go; kubectl shows them', async () => {
    const { client, ns } = env;
    const slices = client.resourceFor<EndpointSlice>(lookupResource('endpointslices', 'discovery.k8s.io')!, ns);
    const list = async () => (await slices.list({ labelSelector: 'kubernetes.io/service-name=web' })).items;
    for (const n of ['p1', 'p2']) await client.pods(ns).create({ metadata: { name: n, labels: { app: 'es' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }] }] } });
    const setStatus = (name: string, ip: string, ready: boolean) =>
      client.pods(ns).patch(name, { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now() }] } }, 'merge', { subresource: 'status' });
    await setStatus('p1', '10.244.9.11', true);
    await setStatus('p2', '10.244.9.12', false);
    await client.services(ns).create({ metadata: { name: 'web' }, spec: { selector: { app: 'es' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    await waitFor(async () => (await list())[0]?.endpoints?.length === 2, 20_000, 'two endpoints');
    let got = await list();
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].endpoints?.map((e) => [e.addresses[0], e.conditions?.ready, e.targetRef?.name]), [['10.244.9.11', true, 'p1'], ['10.244.9.12', false, 'p2']]);
    assert.match(got[0].metadata.name ?? '', /^web-[a-z0-9]{5}$/);

    await setStatus('p2', '10.244.9.12', true);
    await waitFor(async () => (await list())[0]?.endpoints?.every((e) => e.conditions?.ready) === true, 20_000, 'p2 ready');

    const env2 = { ...process.env, KUBECONFIG: env.kubeconfig };
    const describe = await run('kubectl', ['describe', 'svc', 'web'], { env: env2 });
    assert.match(describe.stdout, /Endpoints:\s+10\.244\.9\.11:8080,10\.244\.9\.12:8080/);
    const table = await run('kubectl', ['get', 'endpointslices'], { env: env2 });
    assert.match(table.stdout, /NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/);
    assert.match(table.stdout, /web-\S+\s+IPv4\s+8080\s+10\.244\.9\.11,10\.244\.9\.12\s+/);

    // A hand edit of a managed slice is put back.
    got = await list();
    await slices.patch(got[0].metadata.name!, { endpoints: [] }, 'merge');
    await waitFor(async () => (await list())[0]?.endpoints?.length === 2, 20_000, 'repaired');

    await client.pods(ns).delete('p1', { gracePeriodSeconds: 0 });
    await waitFor(async () => (await list())[0]?.endpoints?.length === 1, 20_000, 'p1 gone');
    await client.services(ns).delete('web');
    await waitFor(async () => (await list()).length === 0, 20_000, 'slices gone with the service');
  });

  it('rejects a slice with a bad address type or address (422)', async () => {
    const r = await env.t.req('POST', `/apis/discovery.k8s.io/v1/namespaces/${env.ns}/endpointslices`, { metadata: { name: 'bad' }, addressType: 'IPv4', endpoints: [{ addresses: ['not-an-ip'] }], ports: [{ port: 70000 }] });
    assert.equal(r.status, 422, r.text);
    assert.match(r.text, /endpoints\[0\]\.addresses\[0\]: Invalid value: \\"not-an-ip\\": must be a valid IPv4 address/);
    assert.match(r.text, /ports\[0\]\.port: Invalid value: 70000/);
    const t = await env.t.req('POST', `/apis/discovery.k8s.io/v1/namespaces/${env.ns}/endpointslices`, { metadata: { name: 'bad' }, addressType: 'IPv5', endpoints: [] });
    assert.equal(t.status, 422, t.text);
    assert.match(t.text, /addressType: Unsupported value: \\"IPv5\\"/);
  });
});

describe('endpointslicemirroring', () => {
  it('mirrors hand-made Endpoints of a selectorless Service (pure)', () => {
    const plan = planMirroredSlices(
      { metadata: { name: 'ext', namespace: 'n', uid: 'ep-uid', labels: { team: 'a', 'endpointslice.kubernetes.io/skip-mirror': 'false' } }, subsets: [{ addresses: [{ ip: '192.0.2.1', hostname: 'one' }], notReadyAddresses: [{ ip: '192.0.2.2' }, { ip: 'fe80::1' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }] },
      [],
    );
    assert.equal(plan.create.length, 1);
    const s = plan.create[0];
    assert.deepEqual(s.metadata.labels, { team: 'a', 'kubernetes.io/service-name': 'ext', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' });
    assert.deepEqual(s.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['Endpoints', 'ext', 'ep-uid']]);
    assert.deepEqual(s.ports, [{ name: 'db', protocol: 'TCP', port: 5432 }]);
    assert.deepEqual(s.endpoints, [{ addresses: ['192.0.2.1'], conditions: { ready: true }, hostname: 'one' }, { addresses: ['192.0.2.2'], conditions: { ready: false } }]);
    assert.deepEqual(planMirroredSlices({ metadata: { name: 'ext', namespace: 'n', uid: 'ep-uid' }, subsets: [] }, []), { create: [], update: [], delete: [] }, 'nothing to mirror, no placeholder');
  });
});

describe('endpointslicemirroring controller', { timeout: 60_000 }, () => {
  it('mirrors, follows and removes a selectorless Service slices; kubectl describe shows them', async () => {
    const { client, ns } = env;
    const slices = client.resourceFor<EndpointSlice>(lookupResource('endpointslices', 'discovery.k8s.io')!, ns);
    const list = async () => (await slices.list({ labelSelector: 'kubernetes.io/service-name=ext' })).items;
    await client.services(ns).create({ metadata: { name: 'ext' }, spec: { ports: [{ name: 'db', port: 5432 }] } });
    await client.endpoints(ns).create({ metadata: { name: 'ext' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }] });
    await waitFor(async () => (await list())[0]?.endpoints?.[0]?.addresses[0] === '192.0.2.10', 20_000, 'mirrored');
    const got = await list();
    assert.equal(got[0].metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    const d = await run('kubectl', ['describe', 'svc', 'ext'], { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
    assert.match(d.stdout, /Endpoints:\s+192\.0\.2\.10:5432/);
    await client.endpoints(ns).update({ ...(await client.endpoints(ns).get('ext')), subsets: [{ addresses: [{ ip: '192.0.2.11' }, { ip: '192.0.2.12' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }] });
    await waitFor(async () => (await list())[0]?.endpoints?.length === 2, 20_000, 'followed');
    await client.endpoints(ns).delete('ext');
    await waitFor(async () => (await list()).length === 0, 20_000, 'removed with the Endpoints');
  });
});
