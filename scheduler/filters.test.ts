import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeSelectorRequirement, Pod } from '../api/core.js';
import {
  fitErrorMessage,
  nodeAffinity,
  nodeName,
  nodePorts,
  nodeReady,
  nodeResourcesFit,
  nodeUnschedulable,
  runFilters,
  taintToleration,
  toleratesTaint,
  type Filter,
} from './filters.js';
import { podRequests } from './resources.js';
import { makeNode, makePod, nodeInfo } from '../testing/scheduler-objects.js';

interface Case {
  name: string;
  pod: Pod;
  node: Node;
  existing?: Pod[];
  want: string[];
}

function table(filter: Filter, cases: Case[]): void {
  for (const c of cases) {
    test(`${filter.name || 'filter'}: ${c.name}`, () => {
      assert.deepEqual(filter(c.pod, nodeInfo(c.node, c.existing ?? [])), c.want);
    });
  }
}

table(nodeReady, [
  { name: 'ready', pod: makePod(), node: makeNode(), want: [] },
  { name: 'not ready', pod: makePod(), node: makeNode({ ready: 'False' }), want: ['node(s) were not ready'] },
  { name: 'unknown', pod: makePod(), node: makeNode({ ready: 'Unknown' }), want: ['node(s) were not ready'] },
  { name: 'no condition', pod: makePod(), node: makeNode({ ready: 'absent' }), want: ['node(s) were not ready'] },
]);

table(nodeUnschedulable, [
  { name: 'schedulable', pod: makePod(), node: makeNode(), want: [] },
  { name: 'cordoned', pod: makePod(), node: makeNode({ unschedulable: true }), want: ['node(s) were unschedulable'] },
  {
    name: 'cordoned, tolerated',
    pod: makePod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }),
    node: makeNode({ unschedulable: true }),
    want: [],
  },
  { name: 'cordoned, tolerate everything', pod: makePod({ tolerations: [{ operator: 'Exists' }] }), node: makeNode({ unschedulable: true }), want: [] },
  {
    name: 'cordoned, wrong effect',
    pod: makePod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }] }),
    node: makeNode({ unschedulable: true }),
    want: ['node(s) were unschedulable'],
  },
]);

table(nodeName, [
  { name: 'unset', pod: makePod(), node: makeNode({ name: 'a' }), want: [] },
  { name: 'same', pod: makePod({ nodeName: 'a' }), node: makeNode({ name: 'a' }), want: [] },
  { name: 'other', pod: makePod({ nodeName: 'b' }), node: makeNode({ name: 'a' }), want: ["node(s) didn't match the requested node name"] },
]);

const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const };
table(taintToleration, [
  { name: 'no taints', pod: makePod(), node: makeNode(), want: [] },
  { name: 'NoExecute untolerated', pod: makePod(), node: makeNode({ taints: [unreachable] }), want: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'] },
  { name: 'NoSchedule with value', pod: makePod(), node: makeNode({ taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }), want: ['node(s) had untolerated taint {k: v}'] },
  { name: 'PreferNoSchedule passes', pod: makePod(), node: makeNode({ taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }), want: [] },
  { name: 'Equal tolerated', pod: makePod({ tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }] }), node: makeNode({ taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }), want: [] },
  { name: 'Equal wrong value', pod: makePod({ tolerations: [{ key: 'k', value: 'w' }] }), node: makeNode({ taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }), want: ['node(s) had untolerated taint {k: v}'] },
  { name: 'Exists any effect', pod: makePod({ tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }] }), node: makeNode({ taints: [unreachable] }), want: [] },
  {
    name: 'second taint untolerated',
    pod: makePod({ tolerations: [{ key: 'a', operator: 'Exists' }] }),
    node: makeNode({ taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', value: 'x', effect: 'NoExecute' }] }),
    want: ['node(s) had untolerated taint {b: x}'],
  },
]);

test('toleratesTaint: empty key without Exists tolerates nothing', () => {
  assert.equal(toleratesTaint({ operator: 'Equal' }, { key: 'k', effect: 'NoSchedule' }), false);
  assert.equal(toleratesTaint({ operator: 'Exists', effect: 'NoSchedule' }, { key: 'k', effect: 'NoSchedule' }), true);
  assert.equal(toleratesTaint({ operator: 'Exists', effect: 'NoSchedule' }, { key: 'k', effect: 'NoExecute' }), false);
});

const AFF = "node(s) didn't match Pod's node affinity/selector";
const req = (terms: NonNullable<NonNullable<Pod['spec']>['affinity']>['nodeAffinity']) => ({ nodeAffinity: terms });
const zoned = makeNode({ name: 'n1', labels: { zone: 'a', gen: '5', disk: 'ssd' } });
table(nodeAffinity, [
  { name: 'no constraints', pod: makePod(), node: zoned, want: [] },
  { name: 'nodeSelector match', pod: makePod({ nodeSelector: { zone: 'a', disk: 'ssd' } }), node: zoned, want: [] },
  { name: 'nodeSelector mismatch', pod: makePod({ nodeSelector: { zone: 'b' } }), node: zoned, want: [AFF] },
  { name: 'nodeSelector missing label', pod: makePod({ nodeSelector: { gpu: 'yes' } }), node: zoned, want: [AFF] },
  ...(
    [
      ['In match', { key: 'zone', operator: 'In', values: ['a', 'b'] }, true],
      ['In no match', { key: 'zone', operator: 'In', values: ['b'] }, false],
      ['NotIn match', { key: 'zone', operator: 'NotIn', values: ['b'] }, true],
      ['NotIn no match', { key: 'zone', operator: 'NotIn', values: ['a'] }, false],
      ['NotIn absent label', { key: 'nope', operator: 'NotIn', values: ['a'] }, true],
      ['Exists', { key: 'disk', operator: 'Exists' }, true],
      ['Exists absent', { key: 'gpu', operator: 'Exists' }, false],
      ['DoesNotExist', { key: 'gpu', operator: 'DoesNotExist' }, true],
      ['DoesNotExist present', { key: 'zone', operator: 'DoesNotExist' }, false],
      ['Gt true', { key: 'gen', operator: 'Gt', values: ['4'] }, true],
      ['Gt false', { key: 'gen', operator: 'Gt', values: ['5'] }, false],
      ['Lt true', { key: 'gen', operator: 'Lt', values: ['6'] }, true],
      ['Lt not a number', { key: 'zone', operator: 'Lt', values: ['6'] }, false],
    ] as [string, NodeSelectorRequirement, boolean][]
  ).map(([name, expr, fits]) => ({
    name: `required ${name}`,
    pod: makePod({ affinity: req({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr] }] } }) }),
    node: zoned,
    want: fits ? [] : [AFF],
  })),
  {
    name: 'terms are ORed',
    pod: makePod({ affinity: req({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } }) }),
    node: zoned,
    want: [],
  },
  {
    name: 'expressions are ANDed',
    pod: makePod({ affinity: req({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }] } }) }),
    node: zoned,
    want: [AFF],
  },
  {
    name: 'matchFields metadata.name',
    pod: makePod({ affinity: req({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } }) }),
    node: zoned,
    want: [],
  },
  {
    name: 'matchFields other name',
    pod: makePod({ affinity: req({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } }) }),
    node: zoned,
    want: [AFF],
  },
  { name: 'empty term matches nothing', pod: makePod({ affinity: req({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } }) }), node: zoned, want: [AFF] },
]);

const PORTS = "node(s) didn't have free ports for the requested pod ports";
table(nodePorts, [
  { name: 'no host ports', pod: makePod(), node: makeNode(), existing: [makePod({ name: 'e', hostPorts: [{ hostPort: 80 }] })], want: [] },
  { name: 'free', pod: makePod({ hostPorts: [{ hostPort: 81 }] }), node: makeNode(), existing: [makePod({ name: 'e', hostPorts: [{ hostPort: 80 }] })], want: [] },
  { name: 'same port TCP', pod: makePod({ hostPorts: [{ hostPort: 80 }] }), node: makeNode(), existing: [makePod({ name: 'e', hostPorts: [{ hostPort: 80 }] })], want: [PORTS] },
  { name: 'same port other protocol', pod: makePod({ hostPorts: [{ hostPort: 80, protocol: 'UDP' }] }), node: makeNode(), existing: [makePod({ name: 'e', hostPorts: [{ hostPort: 80 }] })], want: [] },
  {
    name: 'different host IPs',
    pod: makePod({ hostPorts: [{ hostPort: 80, hostIP: '127.0.0.1' }] }),
    node: makeNode(),
    existing: [makePod({ name: 'e', hostPorts: [{ hostPort: 80, hostIP: '127.0.0.2' }] })],
    want: [],
  },
  {
    name: 'wildcard vs specific IP',
    pod: makePod({ hostPorts: [{ hostPort: 80, hostIP: '127.0.0.1' }] }),
    node: makeNode(),
    existing: [makePod({ name: 'e', hostPorts: [{ hostPort: 80 }] })],
    want: [PORTS],
  },
]);

table(nodeResourcesFit, [
  { name: 'fits', pod: makePod({ cpu: '1', memory: '1Gi' }), node: makeNode({ cpu: '2', memory: '2Gi' }), want: [] },
  { name: 'exactly full', pod: makePod({ cpu: '1' }), node: makeNode({ cpu: '2' }), existing: [makePod({ name: 'e', cpu: '1000m' })], want: [] },
  { name: 'cpu short', pod: makePod({ cpu: '1001m' }), node: makeNode({ cpu: '2' }), existing: [makePod({ name: 'e', cpu: '1' })], want: ['Insufficient cpu'] },
  { name: 'memory short', pod: makePod({ memory: '1.5Gi' }), node: makeNode({ memory: '2Gi' }), existing: [makePod({ name: 'e', memory: '1G' })], want: ['Insufficient memory'] },
  { name: 'both short', pod: makePod({ cpu: '3', memory: '3Gi' }), node: makeNode({ cpu: '2', memory: '2Gi' }), want: ['Insufficient cpu', 'Insufficient memory'] },
  { name: 'too many pods', pod: makePod(), node: makeNode({ pods: '1' }), existing: [makePod({ name: 'e' })], want: ['Too many pods'] },
  {
    name: 'ephemeral storage',
    pod: makePod({ containers: [{ name: 'c', resources: { requests: { 'ephemeral-storage': '2Gi' } } }] }),
    node: makeNode({ ephemeral: '1Gi' }),
    want: ['Insufficient ephemeral-storage'],
  },
  {
    name: 'init container max rule fits',
    pod: makePod({ cpu: '500m', initContainers: [{ name: 'i', resources: { requests: { cpu: '2' } } }] }),
    node: makeNode({ cpu: '2' }),
    want: [],
  },
  {
    name: 'init container larger than node',
    pod: makePod({ cpu: '500m', initContainers: [{ name: 'i', resources: { requests: { cpu: '2100m' } } }] }),
    node: makeNode({ cpu: '2' }),
    want: ['Insufficient cpu'],
  },
  { name: 'overhead counts', pod: makePod({ cpu: '1900m', overhead: { cpu: '200m' } }), node: makeNode({ cpu: '2' }), want: ['Insufficient cpu'] },
  { name: 'best effort fits a full node', pod: makePod(), node: makeNode({ cpu: '1' }), existing: [makePod({ name: 'e', cpu: '1' })], want: [] },
]);

test('podRequests: sum of containers, max with init containers, sidecars add, overhead', () => {
  const pod = makePod({
    containers: [
      { name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
      { name: 'b', resources: { requests: { cpu: '0.2', memory: '64Mi' } } },
    ],
    initContainers: [
      { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
      { name: 'init', resources: { requests: { cpu: '1', memory: '10Mi' } } },
    ],
    overhead: { cpu: '10m', memory: '1Mi' },
  });
  const r = podRequests(pod);
  // cpu: max(100+200+50, 1000+50) + 10; memory: max(128Mi, 10Mi) + 1Mi
  assert.equal(r.milliCPU, 1060);
  assert.equal(r.memory, 129 * 1024 * 1024);
  const nz = podRequests(makePod(), true);
  assert.deepEqual([nz.milliCPU, nz.memory], [100, 200 * 1024 * 1024]);
});

test('runFilters stops at the first failing filter', () => {
  const node = makeNode({ cpu: '1', taints: [{ key: 'k', effect: 'NoSchedule' }] });
  assert.deepEqual(runFilters(makePod({ cpu: '2' }), nodeInfo(node)), ['node(s) had untolerated taint {k: }']);
});

test('fitErrorMessage: counts and sorting like Kubernetes', () => {
  assert.equal(fitErrorMessage(1, [['Insufficient cpu']]), '0/1 nodes are available: 1 Insufficient cpu.');
  assert.equal(
    fitErrorMessage(5, [['Insufficient cpu', 'Insufficient memory'], ['Insufficient cpu'], ["node(s) didn't match Pod's node affinity/selector"], ['Too many pods'], ['node(s) were unschedulable']]),
    "0/5 nodes are available: 1 Insufficient memory, 1 Too many pods, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable, 2 Insufficient cpu.",
  );
});
