import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, translateTimestampSince, summarizePod, formatEndpoints, parseIncludeObject } from './table.js';
import { tableColumns, toTable } from './kinds.js';
import type { KubeObject, ObjectMeta } from './meta.js';
import type { PodSpec, PodStatus } from './core.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const ago = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString();

test('humanDuration matches Kubernetes (table)', () => {
  const cases: [number, string][] = [
    [-5, '<invalid>'], [-1, '0s'], [0, '0s'], [5, '5s'], [119, '119s'], [120, '2m'], [200, '3m20s'], [599, '9m59s'],
    [600, '10m'], [179 * 60, '179m'], [3 * 3600, '3h'], [3 * 3600 + 25 * 60, '3h25m'], [8 * 3600, '8h'], [47 * 3600, '47h'],
    [48 * 3600, '2d'], [51 * 3600, '2d3h'], [8 * 86400, '8d'], [729 * 86400, '729d'], [730 * 86400, '2y'],
    [(730 + 10) * 86400, '2y10d'], [8 * 365 * 86400, '8y'],
  ];
  for (const [s, want] of cases) assert.equal(humanDuration(s * 1000), want, String(s));
  assert.equal(translateTimestampSince(undefined, NOW), '<unknown>');
  assert.equal(translateTimestampSince(ago(200), NOW), '3m20s');
});

const pod = (status: PodStatus, spec: Partial<PodSpec> = {}, meta: ObjectMeta = {}) => ({
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', creationTimestamp: ago(65), ...meta },
  spec: { containers: [{ name: 'a', image: 'x' }], ...spec },
  status,
});

test('pod STATUS/READY/RESTARTS as kubectl computes them (table)', () => {
  const running = { state: { running: { startedAt: ago(60) } }, ready: true, restartCount: 0, name: 'a', image: 'x', imageID: '' };
  const cases: [string, ReturnType<typeof pod>, { ready: string; status: string; restarts: string }][] = [
    ['pending', pod({ phase: 'Pending' }), { ready: '0/1', status: 'Pending', restarts: '0' }],
    ['running', pod({ phase: 'Running', containerStatuses: [running] }), { ready: '1/1', status: 'Running', restarts: '0' }],
    ['creating', pod({ phase: 'Pending', containerStatuses: [{ ...running, ready: false, state: { waiting: { reason: 'ContainerCreating' } } }] }), { ready: '0/1', status: 'ContainerCreating', restarts: '0' }],
    ['crashloop with restarts', pod({ phase: 'Running', containerStatuses: [{ ...running, ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(30) } } }] }), { ready: '0/1', status: 'CrashLoopBackOff', restarts: '4 (30s ago)' }],
    ['completed', pod({ phase: 'Succeeded', containerStatuses: [{ ...running, ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), { ready: '0/1', status: 'Completed', restarts: '0' }],
    ['exit code without reason', pod({ phase: 'Failed', containerStatuses: [{ ...running, ready: false, state: { terminated: { exitCode: 3 } } }] }), { ready: '0/1', status: 'ExitCode:3', restarts: '0' }],
    ['signal', pod({ phase: 'Failed', containerStatuses: [{ ...running, ready: false, state: { terminated: { exitCode: 137, signal: 9 } } }] }), { ready: '0/1', status: 'Signal:9', restarts: '0' }],
    ['oomkilled', pod({ phase: 'Running', containerStatuses: [{ ...running, ready: false, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] }), { ready: '0/1', status: 'OOMKilled', restarts: '0' }],
    ['terminating', pod({ phase: 'Running', containerStatuses: [running] }, {}, { deletionTimestamp: ago(1) }), { ready: '1/1', status: 'Terminating', restarts: '0' }],
    ['terminal not terminating', pod({ phase: 'Succeeded', containerStatuses: [{ ...running, ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, {}, { deletionTimestamp: ago(1) }), { ready: '0/1', status: 'Completed', restarts: '0' }],
    ['status reason wins', pod({ phase: 'Failed', reason: 'Evicted' }), { ready: '0/1', status: 'Evicted', restarts: '0' }],
    ['init 0/2', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', image: 'x', imageID: '', state: { running: {} }, ready: false, restartCount: 0 }, { name: 'i2', image: 'x', imageID: '', state: { waiting: { reason: 'PodInitializing' } }, ready: false, restartCount: 0 }] }, { initContainers: [{ name: 'i1' }, { name: 'i2' }] }), { ready: '0/1', status: 'Init:0/2', restarts: '0' }],
    ['init 1/2', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', image: 'x', imageID: '', state: { terminated: { exitCode: 0 } }, ready: false, restartCount: 0 }, { name: 'i2', image: 'x', imageID: '', state: { running: {} }, ready: false, restartCount: 0 }] }, { initContainers: [{ name: 'i1' }, { name: 'i2' }] }), { ready: '0/1', status: 'Init:1/2', restarts: '0' }],
    ['init error', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', image: 'x', imageID: '', state: { terminated: { exitCode: 1, reason: 'Error' } }, ready: false, restartCount: 2 }] }, { initContainers: [{ name: 'i1' }] }), { ready: '0/1', status: 'Init:Error', restarts: '2' }],
    ['init crashloop', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', image: 'x', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, ready: false, restartCount: 2 }] }, { initContainers: [{ name: 'i1' }] }), { ready: '0/1', status: 'Init:CrashLoopBackOff', restarts: '2' }],
    ['completed + running sidecar', pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [running, { ...running, name: 'b', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, { containers: [{ name: 'a' }, { name: 'b' }] }), { ready: '1/2', status: 'NotReady', restarts: '0' }],
    ['scheduling gated', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), { ready: '0/1', status: 'SchedulingGated', restarts: '0' }],
  ];
  for (const [name, p, want] of cases) {
    const s = summarizePod(p, NOW);
    assert.deepEqual({ ready: s.ready, status: s.status, restarts: s.restarts }, want, name);
  }
});

test('pod table rows, wide cells and row objects', () => {
  const p = pod({ phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], containerStatuses: [{ name: 'a', image: 'x', imageID: '', state: { running: {} }, ready: true, restartCount: 0 }] }, { nodeName: 'node-1' }, { labels: { app: 'web' } });
  const t = toTable('Pod', [p], { now: NOW, listMeta: { resourceVersion: '42' } });
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.equal(t.metadata.resourceVersion, '42');
  assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
  assert.deepEqual(t.columnDefinitions.map((c) => c.priority), [0, 0, 0, 0, 0, 1, 1, 1, 1]);
  assert.equal(t.columnDefinitions[0].format, 'name');
  assert.deepEqual(t.rows[0].cells, ['p', '1/1', 'Running', '0', '65s', '10.244.0.5', 'node-1', '<none>', '<none>']);
  assert.deepEqual(t.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
  assert.equal(toTable('Pod', [p], { includeObject: 'None' }).rows[0].object, undefined);
  assert.equal(toTable('Pod', [p], { includeObject: 'Object' }).rows[0].object, p);
  const done = toTable('Pod', [pod({ phase: 'Succeeded' })], { now: NOW });
  assert.equal(done.rows[0].conditions![0].reason, 'Succeeded');
  assert.deepEqual(toTable('Pod', [p], { noHeaders: true }).columnDefinitions, []);
});

test('node, service, rc, endpoints, namespace, event, configmap, secret, lease, generic rows', () => {
  const base = (kind: string, extra: Record<string, unknown>): KubeObject => ({ kind, metadata: { name: 'x', creationTimestamp: ago(3600 * 50) }, ...extra });
  const cells = (kind: string, o: KubeObject): unknown[] => toTable(kind, [o], { now: NOW }).rows[0].cells;

  assert.deepEqual(
    cells('Node', base('Node', {
      metadata: { name: 'n1', creationTimestamp: ago(10), labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'tskube://0.1' } },
    })),
    ['n1', 'Ready,SchedulingDisabled', 'control-plane,worker', '10s', 'v1.32.0', '10.0.0.2', '<none>', 'Debian', '6.1', 'tskube://0.1'],
  );
  assert.equal(cells('Node', base('Node', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }))[1], 'NotReady');
  assert.equal(cells('Node', base('Node', {}))[1], 'Unknown');

  assert.deepEqual(
    cells('Service', base('Service', { spec: { type: 'NodePort', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { app: 'web' } } })),
    ['x', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,53/UDP', '2d2h', 'app=web'],
  );
  assert.equal(cells('Service', base('Service', { spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.11'], ports: [] } }))[3], '<pending>');
  assert.equal(cells('Service', base('Service', { spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] } }))[2], 'None');
  assert.equal(cells('Service', base('Service', { spec: { type: 'ClusterIP' } }))[6], '<none>');

  assert.deepEqual(
    cells('ReplicationController', base('ReplicationController', { spec: { replicas: 3, selector: { app: 'web' }, template: { spec: { containers: [{ name: 'a', image: 'img:1' }, { name: 'b', image: 'img:2' }] } } }, status: { replicas: 2, readyReplicas: 1 } })),
    ['x', 3, 2, 1, '2d2h', 'a,b', 'img:1,img:2', 'app=web'],
  );

  const ep = base('Endpoints', { subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] });
  assert.equal(cells('Endpoints', ep)[1], '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
  assert.equal(formatEndpoints({ metadata: {} }), '<none>');
  assert.equal(formatEndpoints({ metadata: {}, subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }] }), '[fd00::1]:80');
  assert.equal(formatEndpoints({ metadata: {}, subsets: [{ addresses: [{ ip: '10.0.0.9' }] }] }), '10.0.0.9');

  assert.deepEqual(cells('Namespace', base('Namespace', { status: { phase: 'Active' } })), ['x', 'Active', '2d2h']);

  assert.deepEqual(
    cells('Event', base('Event', { involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{a}' }, reason: 'Started', message: ' Started container a\n', type: 'Normal', source: { component: 'kubelet', host: 'node-1' }, firstTimestamp: ago(300), lastTimestamp: ago(20), count: 2 })),
    ['20s', 'Normal', 'Started', 'pod/web', 'spec.containers{a}', 'kubelet, node-1', 'Started container a', '5m', 2, 'x'],
  );
  const single = cells('Event', base('Event', { involvedObject: { kind: 'Node' }, reportingComponent: 'ctrl', eventTime: ago(7) }));
  assert.deepEqual([single[0], single[3], single[5], single[8]], ['7s', 'node', 'ctrl', 1]);

  assert.deepEqual(cells('ConfigMap', base('ConfigMap', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })), ['x', 3, '2d2h']);
  assert.deepEqual(cells('Secret', base('Secret', { type: 'Opaque', data: { a: 'YQ==' } })), ['x', 'Opaque', 1, '2d2h']);
  assert.deepEqual(cells('Lease', base('Lease', { spec: { holderIdentity: 'node-1' } })), ['x', 'node-1', '2d2h']);
  assert.deepEqual(cells('Widget', base('Widget', {})), ['x', '2d2h']);
  assert.deepEqual(tableColumns('Widget').map((c) => c.name), ['Name', 'Age']);
});

test('includeObject parsing', () => {
  assert.equal(parseIncludeObject(undefined), 'Metadata');
  assert.equal(parseIncludeObject('Object'), 'Object');
  assert.throws(() => parseIncludeObject('All'), /unsupported value/);
});
