import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, apiResourceList, lookupResource, resourceForKind, groupVersions, apiVersionOf } from './resources.js';

test('lookupResource resolves plural, singular, short name and kind', () => {
  for (const [q, want] of [
    ['pods', 'Pod'], ['pod', 'Pod'], ['po', 'Pod'], ['Pod', 'Pod'],
    ['rc', 'ReplicationController'], ['svc', 'Service'], ['ep', 'Endpoints'],
    ['ev', 'Event'], ['cm', 'ConfigMap'], ['ns', 'Namespace'], ['no', 'Node'],
    ['secrets', 'Secret'], ['leases', 'Lease'], ['bindings', 'Binding'],
  ] as const) {
    assert.equal(lookupResource(q)?.kind, want, q);
  }
  assert.equal(lookupResource('nope'), undefined);
  assert.equal(lookupResource('leases', '')?.kind, undefined);
  assert.equal(lookupResource('leases', 'coordination.k8s.io')?.kind, 'Lease');
});

test('resourceForKind matches apiVersion', () => {
  assert.equal(resourceForKind('Lease', 'coordination.k8s.io/v1')?.resource, 'leases');
  assert.equal(resourceForKind('Lease', 'v1'), undefined);
  assert.equal(resourceForKind('Pod', 'v1')?.namespaced, true);
  assert.equal(resourceForKind('Node')?.namespaced, false);
});

test('core discovery lists resources and subresources', () => {
  const list = apiResourceList('', 'v1');
  assert.equal(list.groupVersion, 'v1');
  const names = list.resources.map((r) => r.name);
  for (const n of ['pods', 'pods/status', 'pods/binding', 'pods/log', 'pods/exec', 'replicationcontrollers/scale', 'namespaces', 'bindings']) {
    assert.ok(names.includes(n), n);
  }
  assert.ok(!names.includes('leases'));
  const scale = list.resources.find((r) => r.name === 'replicationcontrollers/scale')!;
  assert.deepEqual([scale.group, scale.version, scale.kind], ['autoscaling', 'v1', 'Scale']);
  const bindings = list.resources.find((r) => r.name === 'bindings')!;
  assert.deepEqual(bindings.verbs, ['create']);
  assert.deepEqual(list.resources.find((r) => r.name === 'pods')!.shortNames, ['po']);
});

test('lease discovery and group versions', () => {
  const list = apiResourceList('coordination.k8s.io', 'v1');
  assert.equal(list.groupVersion, 'coordination.k8s.io/v1');
  assert.deepEqual(list.resources.map((r) => r.name), ['leases']);
  const gvs = groupVersions().map(apiVersionOf);
  assert.equal(gvs[0], 'v1');
  assert.ok(gvs.includes('coordination.k8s.io/v1'));
});

test('apps/v1: short names, categories, status and scale subresources', () => {
  for (const [q, want] of [['deploy', 'Deployment'], ['rs', 'ReplicaSet'], ['ds', 'DaemonSet'], ['sts', 'StatefulSet'], ['controllerrevisions', 'ControllerRevision']] as const) {
    assert.equal(lookupResource(q)?.kind, want, q);
    assert.equal(lookupResource(q)?.group, 'apps', q);
  }
  assert.equal(resourceForKind('Deployment', 'apps/v1')?.resource, 'deployments');
  const list = apiResourceList('apps', 'v1');
  const byName = new Map(list.resources.map((r) => [r.name, r]));
  for (const r of ['deployments', 'replicasets', 'daemonsets', 'statefulsets']) {
    assert.deepEqual(byName.get(r)?.categories, ['all'], r);
    assert.deepEqual(byName.get(`${r}/status`)?.verbs, ['get', 'patch', 'update'], r);
    assert.equal(byName.has(`${r}/scale`), r !== 'daemonsets', r);
  }
  assert.equal(byName.get('controllerrevisions')?.categories, undefined);
  assert.deepEqual([byName.get('deployments/scale')?.group, byName.get('deployments/scale')?.kind], ['autoscaling', 'Scale']);
  assert.ok(groupVersions().map(apiVersionOf).includes('apps/v1'));
});

test('every resource has a consistent listKind and a plural unique in its group version', () => {
  const plurals = new Set<string>();
  for (const r of RESOURCES) {
    assert.equal(r.listKind, `${r.kind}List`);
    const key = `${apiVersionOf(r)}/${r.resource}`;
    assert.ok(!plurals.has(key), key);
    plurals.add(key);
  }
  // Served in two groups (metrics.k8s.io), looked up without a group the core one wins.
  assert.equal(lookupResource('pods')?.group, '');
  assert.equal(lookupResource('pods', 'metrics.k8s.io')?.kind, 'PodMetrics');
});
