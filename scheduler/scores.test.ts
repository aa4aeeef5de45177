import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCORES, leastAllocated, nodeAffinityPreferred, scoreNodes, selectHost, taintPreferNoSchedule, type ScoreContext, type ScorePlugin } from './scores.js';
import { makeNode, makePod, nodeInfo } from '../testing/scheduler-objects.js';
import type { NodeInfo } from './node-info.js';
import type { Pod } from '../api/core.js';

function normalized(p: ScorePlugin, pod: Pod, nodes: NodeInfo[]): number[] {
  const s = nodes.map((n) => p.score!(pod, n));
  p.normalize?.(s);
  return s;
}

const cases: { name: string; plugin: ScorePlugin; pod: Pod; nodes: NodeInfo[]; want: number[] }[] = [
  {
    // Kubernetes' own example: cpu (4000-3000)*100/4000=25, mem (10000-5000)*100/10000=50 -> 37
    name: 'least allocated, Kubernetes example',
    plugin: leastAllocated,
    pod: makePod({ cpu: '3000m', memory: '5000' }),
    nodes: [nodeInfo(makeNode({ cpu: '4000m', memory: '10000' })), nodeInfo(makeNode({ name: 'n2', cpu: '6000m', memory: '10000' }))],
    // n2: cpu 50, mem 50 -> 50
    want: [37, 50],
  },
  {
    name: 'least allocated counts existing pods and non-zero defaults',
    plugin: leastAllocated,
    pod: makePod(),
    nodes: [nodeInfo(makeNode({ cpu: '1', memory: '1000Mi' }), [makePod({ name: 'e', cpu: '500m', memory: '300Mi' })]), nodeInfo(makeNode({ name: 'n2', cpu: '1', memory: '1000Mi' }))],
    // n1: cpu (1000-600)/10=40, mem (1000-500)/10=50 -> 45; n2: cpu 90, mem 80 -> 85
    want: [45, 85],
  },
  {
    name: 'least allocated, over capacity is 0',
    plugin: leastAllocated,
    pod: makePod({ cpu: '8', memory: '1Mi' }),
    nodes: [nodeInfo(makeNode({ cpu: '4', memory: '100Mi' }))],
    want: [49],
  },
  {
    name: 'PreferNoSchedule taints',
    plugin: taintPreferNoSchedule,
    pod: makePod({ tolerations: [{ key: 'ok', operator: 'Exists', effect: 'PreferNoSchedule' }] }),
    nodes: [
      nodeInfo(makeNode({ name: 'a', taints: [{ key: 'x', effect: 'PreferNoSchedule' }, { key: 'y', effect: 'PreferNoSchedule' }] })),
      nodeInfo(makeNode({ name: 'b', taints: [{ key: 'x', effect: 'PreferNoSchedule' }, { key: 'ok', effect: 'PreferNoSchedule' }] })),
      nodeInfo(makeNode({ name: 'c', taints: [{ key: 'z', effect: 'NoSchedule' }] })),
    ],
    want: [0, 50, 100],
  },
  {
    name: 'preferred node affinity',
    plugin: nodeAffinityPreferred,
    pod: makePod({
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
            { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } },
          ],
        },
      },
    }),
    nodes: [
      nodeInfo(makeNode({ name: 'a', labels: { zone: 'a' } })),
      nodeInfo(makeNode({ name: 'b', labels: { zone: 'a', disk: 'ssd' } })),
      nodeInfo(makeNode({ name: 'c' })),
    ],
    want: [25, 100, 0],
  },
];

for (const c of cases) {
  test(`score ${c.plugin.name}: ${c.name}`, () => assert.deepEqual(normalized(c.plugin, c.pod, c.nodes), c.want));
}

test('scoreNodes weights: default topology spread (2) beats a small least-allocated difference', () => {
  const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' }, spec: { selector: { app: 'u' } } } as const;
  const ctxOf = (allNodes: NodeInfo[]): ScoreContext => ({ allNodes, workloads: { services: () => [], replicationController: () => rc, replicaSet: () => undefined, statefulSet: () => undefined } });
  const pod = makePod({ owner: 'u', cpu: '100m', labels: { app: 'u' } });
  const a = nodeInfo(makeNode({ name: 'a', labels: { 'kubernetes.io/hostname': 'a' } }), [makePod({ name: 'x', owner: 'u', cpu: '100m', labels: { app: 'u' } })]);
  const b = nodeInfo(makeNode({ name: 'b', labels: { 'kubernetes.io/hostname': 'b' } }), [makePod({ name: 'y', cpu: '1' })]);
  const s = scoreNodes(pod, [a, b], DEFAULT_SCORES, ctxOf([a, b]));
  assert.ok(s[1] > s[0], `b should win: ${s.join(', ')}`);
  // Without the workload context the spread plugin is skipped and least-allocated alone prefers a.
  const bare = scoreNodes(pod, [a, b], DEFAULT_SCORES);
  assert.ok(bare[0] > bare[1], `a should win without spreading: ${bare.join(', ')}`);
});

test('selectHost: best score, ties at random among the best only', () => {
  assert.equal(selectHost([1, 5, 3]), 1);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(selectHost([7, 2, 7, 7]));
  assert.deepEqual([...seen].sort(), [0, 2, 3]);
  assert.equal(selectHost([]), -1);
});
