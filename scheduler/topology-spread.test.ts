import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ReplicationController, Service, TopologySpreadConstraint } from '../api/core.js';
import type { ReplicaSet } from '../api/apps.js';
import { makeNode, makePod, nodeInfo } from '../testing/scheduler-objects.js';
import type { NodeInfo } from './node-info.js';
import { REASON_SPREAD, REASON_SPREAD_LABEL, filterSpread, preFilterSpread, scoreSpread, type WorkloadLister } from './topology-spread.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

function lister(o: { services?: Service[]; rc?: ReplicationController; rs?: ReplicaSet } = {}): WorkloadLister {
  return {
    services: (ns) => (o.services ?? []).filter((s) => s.metadata.namespace === ns),
    replicationController: (_ns, name) => (o.rc?.metadata.name === name ? o.rc : undefined),
    replicaSet: (_ns, name) => (o.rs?.metadata.name === name ? o.rs : undefined),
    statefulSet: () => undefined,
  };
}
const none = lister();

/** A node in a zone (and its hostname label), holding `n` pods labelled app=web. */
function zoned(name: string, zone: string | undefined, n: number, extra: Partial<Parameters<typeof makeNode>[0]> = {}, podLabels: Record<string, string> = { app: 'web' }): NodeInfo {
  const labels: Record<string, string> = { [HOST]: name, ...(zone ? { [ZONE]: zone } : {}) };
  const pods = Array.from({ length: n }, (_, i) => makePod({ name: `${name}-p${i}`, labels: podLabels }));
  return nodeInfo(makeNode({ name, labels, ...extra }), pods);
}

const hard = (c: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...c });
const web = (c: Partial<TopologySpreadConstraint> = {}, labels: Record<string, string> = { app: 'web' }, extra: Partial<Parameters<typeof makePod>[0]> = {}): Pod =>
  makePod({ name: 'new', labels, topologySpreadConstraints: [hard(c)], ...extra });

function filterAll(pod: Pod, nodes: NodeInfo[], l = none): string[][] {
  const state = preFilterSpread(pod, nodes, l);
  return nodes.map((n) => filterSpread(state, pod, n));
}

test('DoNotSchedule: a node whose zone would exceed maxSkew is filtered with upstream reason', () => {
  const nodes = [zoned('a1', 'a', 2), zoned('b1', 'b', 0)];
  assert.deepEqual(filterAll(web(), nodes), [[REASON_SPREAD], []]);
  // maxSkew 3 lets zone a take a third pod: 2 + 1 - 0 = 3.
  assert.deepEqual(filterAll(web({ maxSkew: 3 }), nodes), [[], []]);
});

test('DoNotSchedule: a node without the topology key is unschedulable for the constraint', () => {
  const nodes = [zoned('a1', 'a', 0), zoned('x', undefined, 0)];
  assert.deepEqual(filterAll(web(), nodes), [[], [REASON_SPREAD_LABEL]]);
});

test('a pod the selector does not match does not count itself', () => {
  const nodes = [zoned('a1', 'a', 1), zoned('b1', 'b', 0)];
  // 1 + 0 - 0 = 1 <= 1 for a pod labelled differently.
  assert.deepEqual(filterAll(web({}, { app: 'other' }), nodes), [[], []]);
  // A matching one would make zone a 2 against 0.
  assert.deepEqual(filterAll(web(), nodes), [[REASON_SPREAD], []]);
});

test('minDomains: fewer eligible domains than minDomains makes the global minimum 0', () => {
  const nodes = [zoned('a1', 'a', 1), zoned('b1', 'b', 1)];
  assert.deepEqual(filterAll(web(), nodes), [[], []]);
  assert.deepEqual(filterAll(web({ minDomains: 3 }), nodes), [[REASON_SPREAD], [REASON_SPREAD]]);
  assert.deepEqual(filterAll(web({ minDomains: 2 }), nodes), [[], []]);
});

test('nodeAffinityPolicy: Honor (default) leaves out domains the pod cannot go to, Ignore counts them', () => {
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In' as const, values: ['a', 'b'] }] }] } } };
  const nodes = [zoned('a1', 'a', 1), zoned('b1', 'b', 1), zoned('c1', 'c', 0)];
  assert.deepEqual(filterAll(web({}, undefined, { affinity }), nodes).slice(0, 2), [[], []]);
  assert.deepEqual(filterAll(web({ nodeAffinityPolicy: 'Ignore' }, undefined, { affinity }), nodes).slice(0, 2), [[REASON_SPREAD], [REASON_SPREAD]]);
});

test('nodeTaintsPolicy: Honor leaves out nodes with untolerated NoSchedule taints, Ignore (default) counts them', () => {
  const nodes = [zoned('a1', 'a', 1), zoned('b1', 'b', 1), zoned('c1', 'c', 0, { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] })];
  assert.deepEqual(filterAll(web(), nodes).slice(0, 2), [[REASON_SPREAD], [REASON_SPREAD]]);
  assert.deepEqual(filterAll(web({ nodeTaintsPolicy: 'Honor' }), nodes).slice(0, 2), [[], []]);
  // A tolerated taint keeps the node a domain.
  const tolerations = [{ key: 'dedicated', operator: 'Exists' as const }];
  assert.deepEqual(filterAll(web({ nodeTaintsPolicy: 'Honor' }, undefined, { tolerations }), nodes).slice(0, 2), [[REASON_SPREAD], [REASON_SPREAD]]);
});

test('matchLabelKeys: only pods with the same values of those keys count', () => {
  const nodes = [zoned('a1', 'a', 2, {}, { app: 'web', rev: '1' }), zoned('b1', 'b', 0)];
  const labels = { app: 'web', rev: '2' };
  assert.deepEqual(filterAll(web({}, labels), nodes), [[REASON_SPREAD], []]);
  assert.deepEqual(filterAll(web({ matchLabelKeys: ['rev'] }, labels), nodes), [[], []]);
  // A key the pod lacks adds nothing.
  assert.deepEqual(filterAll(web({ matchLabelKeys: ['absent'] }, labels), nodes), [[REASON_SPREAD], []]);
});

test('terminating pods and pods of other namespaces do not count', () => {
  const a = zoned('a1', 'a', 0);
  a.addPod({ ...makePod({ name: 'gone', labels: { app: 'web' }, nodeName: 'a1' }), metadata: { name: 'gone', namespace: 'default', labels: { app: 'web' }, deletionTimestamp: '2026-01-01T00:00:00Z' } });
  a.addPod(makePod({ name: 'elsewhere', namespace: 'other', labels: { app: 'web' }, nodeName: 'a1' }));
  a.addPod(makePod({ name: 'elsewhere2', namespace: 'other', labels: { app: 'web' }, nodeName: 'a1' }));
  assert.deepEqual(filterAll(web(), [a, zoned('b1', 'b', 0)]), [[], []]);
});

test('no constraints and no workload selecting the pod: nothing to filter or score', () => {
  const pod = makePod({ name: 'new', labels: { app: 'web' } });
  const nodes = [zoned('a1', 'a', 3), zoned('b1', 'b', 0)];
  assert.equal(preFilterSpread(pod, nodes, none), undefined);
  assert.equal(scoreSpread(pod, nodes, nodes, none), undefined);
});

test('system defaults over a Service selector: hostname spreading even without zone labels', () => {
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' } } };
  const pod = makePod({ name: 'new', labels: { app: 'web', extra: 'x' } });
  const nodes = [zoned('a', undefined, 2), zoned('b', undefined, 1), zoned('c', undefined, 0)];
  // hostname: weight ln(3+2), +maxSkew-1 = 2 -> raw 5, 4, 2; normalized 100*(max+min-s)/max.
  assert.deepEqual(scoreSpread(pod, nodes, nodes, lister({ services: [svc] })), [40, 60, 100]);
  // Defaults are ScheduleAnyway only: no filtering.
  assert.equal(preFilterSpread(pod, nodes, lister({ services: [svc] })), undefined);
  // A Service in another namespace, or one whose selector misses the pod, gives no selector.
  assert.equal(scoreSpread(pod, nodes, nodes, lister({ services: [{ ...svc, metadata: { name: 'web', namespace: 'other' } }] })), undefined);
  assert.equal(scoreSpread(pod, nodes, nodes, lister({ services: [{ ...svc, spec: { selector: { app: 'db' } } }] })), undefined);
});

test('system defaults: zones weigh in, counted over every node of the zone', () => {
  const rc: ReplicationController = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' }, spec: { selector: { app: 'web' } } };
  const pod = makePod({ name: 'new', owner: 'u', labels: { app: 'web' } });
  // Zone a: a1 (1 pod) + a2 (1 pod, not feasible); zone b: b1 (1 pod).
  const a1 = zoned('a1', 'a', 1);
  const a2 = zoned('a2', 'a', 1);
  const b1 = zoned('b1', 'b', 1);
  const s = scoreSpread(pod, [a1, b1], [a1, a2, b1], lister({ rc }))!;
  // Same node counts; zone a has 2 vs 1: b1 wins.
  assert.ok(s[1] > s[0], `b1 should win: ${s.join(', ')}`);
  assert.equal(s[1], 100);
});

test('default selector: a ReplicaSet owner adds its match expressions', () => {
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'default' }, spec: { replicas: 1, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, template: {} } } as unknown as ReplicaSet;
  const pod: Pod = { ...makePod({ name: 'new', labels: { app: 'web' } }) };
  pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'r', controller: true }];
  const nodes = [zoned('a', undefined, 1), zoned('b', undefined, 0)];
  const s = scoreSpread(pod, nodes, nodes, lister({ rs }))!;
  assert.ok(s[1] > s[0], s.join(', '));
  // An owner of another kind (or a missing RS) gives an empty selector: skipped.
  pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'missing', uid: 'r', controller: true }];
  assert.equal(scoreSpread(pod, nodes, nodes, lister({ rs })), undefined);
});

test('explicit ScheduleAnyway: nodes missing a key score 0, the rest prefer the emptier zone', () => {
  const c: TopologySpreadConstraint = { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } };
  const pod = makePod({ name: 'new', labels: { app: 'web' }, topologySpreadConstraints: [c] });
  const nodes = [zoned('a1', 'a', 3), zoned('b1', 'b', 1), zoned('x', undefined, 0)];
  const s = scoreSpread(pod, nodes, nodes, none)!;
  assert.equal(s[2], 0);
  assert.equal(s[1], 100);
  assert.ok(s[0] < s[1]);
  // ScheduleAnyway never filters.
  assert.equal(preFilterSpread(pod, nodes, none), undefined);
});

test('a constraint whose selector does not parse is an error (the attempt backs off), not a crash', () => {
  const pod = web({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Bogus' as 'In', values: [] }] } });
  assert.throws(() => preFilterSpread(pod, [zoned('a1', 'a', 0)], none));
});
