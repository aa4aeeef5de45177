import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from '../api/apps.js';
import type { Node, Pod, Taint } from '../api/core.js';
import { daemonPodFor, daemonPodTolerations, nodeShouldRunDaemonPod, targetNodeName } from './daemonset-nodes.js';
import { planDaemonSet, surgeAndUnavailable, type DaemonSetSnapshot } from './daemonset-plan.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } };
}

function ds(spec: Partial<NonNullable<DaemonSet['spec']>> = {}, podSpec: Partial<NonNullable<NonNullable<DaemonSet['spec']>['template']['spec']>> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'ns', uid: 'u1', generation: 3 },
    spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...podSpec } }, ...spec },
  };
}

let seq = 0;
function pod(nodeName: string, hash: string, opts: { ready?: boolean; phase?: string; created?: number; deleting?: boolean } = {}): Pod {
  seq++;
  return {
    metadata: { name: `agent-${seq}`, namespace: 'ns', labels: { app: 'a', 'controller-revision-hash': hash }, creationTimestamp: iso(opts.created ?? T0 + seq * 1000), ...(opts.deleting ? { deletionTimestamp: iso(T0) } : {}) },
    spec: { nodeName, containers: [] },
    status: { phase: (opts.phase ?? 'Running') as 'Running', conditions: opts.ready === false ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: iso(T0) }] },
  };
}

function snap(d: DaemonSet, nodes: Node[], pods: Pod[], hash = 'new'): DaemonSetSnapshot {
  const podsByNode = new Map<string, Pod[]>();
  for (const p of pods) {
    const n = p.spec?.nodeName ?? '';
    podsByNode.set(n, [...(podsByNode.get(n) ?? []), p]);
  }
  return { ds: d, nodes, podsByNode, hash, now: T0 + 3600_000 };
}

describe('DaemonSet node eligibility (NodeShouldRunDaemonPod)', () => {
  const cases: { name: string; node: Node; ds: DaemonSet; want: [boolean, boolean] }[] = [
    { name: 'plain node', node: node('n1'), ds: ds(), want: [true, true] },
    { name: 'nodeSelector matches', node: node('n1', { disk: 'ssd' }), ds: ds({}, { nodeSelector: { disk: 'ssd' } }), want: [true, true] },
    { name: 'nodeSelector does not match', node: node('n1', { disk: 'hdd' }), ds: ds({}, { nodeSelector: { disk: 'ssd' } }), want: [false, false] },
    {
      name: 'required affinity In',
      node: node('n1', { zone: 'a' }),
      ds: ds({}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } } }),
      want: [true, true],
    },
    {
      name: 'required affinity NotIn excludes',
      node: node('n1', { zone: 'a' }),
      ds: ds({}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }] } } } }),
      want: [false, false],
    },
    { name: 'template nodeName elsewhere', node: node('n1'), ds: ds({}, { nodeName: 'n2' }), want: [false, false] },
    { name: 'untolerated NoSchedule: no new pod, the old may stay', node: node('n1', {}, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]), ds: ds(), want: [false, true] },
    { name: 'untolerated NoExecute: neither', node: node('n1', {}, [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }]), ds: ds(), want: [false, false] },
    { name: 'tolerated NoExecute', node: node('n1', {}, [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }]), ds: ds({}, { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), want: [true, true] },
    { name: 'PreferNoSchedule ignored', node: node('n1', {}, [{ key: 'k', effect: 'PreferNoSchedule' }]), ds: ds(), want: [true, true] },
    { name: 'not-ready NoExecute tolerated by default', node: node('n1', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), ds: ds(), want: [true, true] },
    { name: 'unschedulable tolerated by default', node: node('n1', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), ds: ds(), want: [true, true] },
    { name: 'network-unavailable: only hostNetwork tolerates', node: node('n1', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds: ds(), want: [false, true] },
    { name: 'network-unavailable with hostNetwork', node: node('n1', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds: ds({}, { hostNetwork: true }), want: [true, true] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = nodeShouldRunDaemonPod(c.node, c.ds);
      assert.deepEqual([v.shouldRun, v.shouldContinueRunning], c.want);
    });
  }

  it('default tolerations are added once, not duplicated', () => {
    const t = daemonPodTolerations({ containers: [], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }] });
    assert.equal(t.filter((x) => x.key === 'node.kubernetes.io/not-ready').length, 1);
    assert.deepEqual(t.map((x) => x.key).sort(), ['node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/not-ready', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/unschedulable']);
  });

  it('the daemon pod is pinned by matchFields metadata.name, labelled with the hash, owned by the DaemonSet', () => {
    const d = ds({}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] } } } });
    const p = daemonPodFor(d, 'n7', 'h1');
    assert.equal(p.metadata?.generateName, 'agent-');
    assert.equal(p.metadata?.labels?.['controller-revision-hash'], 'h1');
    assert.deepEqual(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }] });
    assert.equal(targetNodeName(p), 'n7');
    assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    assert.equal(p.spec?.nodeName, undefined, 'the scheduler binds it');
  });
});

describe('DaemonSet manage step and status', () => {
  it('creates on eligible nodes without a pod, deletes misplaced and extra pods, replaces failed ones', () => {
    const nodes = [node('n1'), node('n2', { role: 'x' }), node('n3')];
    const d = ds({}, { nodeSelector: {} });
    const extraOld = pod('n3', 'new', { created: T0 });
    const extraNew = pod('n3', 'new', { created: T0 + 5000 });
    const failed = pod('n1', 'new', { phase: 'Failed' });
    const gone = pod('n9', 'new');
    const plan = planDaemonSet(snap(d, nodes, [failed, extraOld, extraNew, gone]));
    assert.deepEqual(plan.createOn.sort(), ['n1', 'n2']);
    assert.deepEqual(plan.deletePods.sort(), [extraNew.metadata.name, failed.metadata.name, gone.metadata.name].sort());
  });

  it('a node that stops matching loses its pod (misscheduled)', () => {
    const d = ds({}, { nodeSelector: { role: 'x' } });
    const p = pod('n1', 'new');
    const plan = planDaemonSet(snap(d, [node('n1'), node('n2', { role: 'x' })], [p]));
    assert.deepEqual(plan.createOn, ['n2']);
    assert.deepEqual(plan.deletePods, [p.metadata.name]);
    assert.equal(plan.status.numberMisscheduled, 1);
    assert.equal(plan.status.desiredNumberScheduled, 1);
    assert.equal(plan.status.currentNumberScheduled, 0);
  });

  it('status counts ready, available (minReadySeconds), updated', () => {
    const d = ds({ minReadySeconds: 10 });
    const nodes = [node('n1'), node('n2'), node('n3')];
    const s = snap(d, nodes, [pod('n1', 'new'), pod('n2', 'old'), pod('n3', 'new', { ready: false })]);
    const st = planDaemonSet(s).status;
    assert.deepEqual(
      [st.desiredNumberScheduled, st.currentNumberScheduled, st.numberReady, st.numberAvailable, st.numberUnavailable, st.updatedNumberScheduled, st.numberMisscheduled, st.observedGeneration],
      [3, 3, 2, 2, 1, 2, 0, 3],
    );
    // Ready a second ago with minReadySeconds 10: ready, not available.
    const fresh = pod('n1', 'new');
    fresh.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: iso(T0 + 3600_000 - 1000) }];
    const st2 = planDaemonSet(snap(d, [node('n1')], [fresh])).status;
    assert.deepEqual([st2.numberReady, st2.numberAvailable, st2.numberUnavailable], [1, 0, 1]);
  });
});

describe('DaemonSet RollingUpdate step', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));
  const cases: { name: string; ds: DaemonSet; pods: () => Pod[]; creates: string[]; deletes: number; check?: (deleted: string[], pods: Pod[]) => void }[] = [
    { name: 'maxUnavailable 1 (default): one old pod at a time', ds: ds(), pods: () => nodes.map((n) => pod(n.metadata.name!, 'old')), creates: [], deletes: 1 },
    { name: 'maxUnavailable 2', ds: ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }), pods: () => nodes.map((n) => pod(n.metadata.name!, 'old')), creates: [], deletes: 2 },
    { name: 'maxUnavailable 50% of 4', ds: ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } } }), pods: () => nodes.map((n) => pod(n.metadata.name!, 'old')), creates: [], deletes: 2 },
    {
      name: 'an unavailable new pod uses the budget: nothing more',
      ds: ds(),
      pods: () => [pod('n1', 'new', { ready: false }), pod('n2', 'old'), pod('n3', 'old'), pod('n4', 'old')],
      creates: [],
      deletes: 0,
    },
    {
      name: 'an unavailable old pod is replaced whatever the budget',
      ds: ds(),
      pods: () => [pod('n1', 'new', { ready: false }), pod('n2', 'old', { ready: false }), pod('n3', 'old'), pod('n4', 'old')],
      creates: [],
      deletes: 1,
      check: (deleted, pods) => assert.deepEqual(deleted, [pods[1].metadata.name]),
    },
    { name: 'all updated: nothing to do', ds: ds(), pods: () => nodes.map((n) => pod(n.metadata.name!, 'new')), creates: [], deletes: 0 },
    { name: 'OnDelete: old pods stay', ds: ds({ updateStrategy: { type: 'OnDelete' } }), pods: () => nodes.map((n) => pod(n.metadata.name!, 'old')), creates: [], deletes: 0 },
    {
      name: 'maxSurge 1: a new pod beside one old one first',
      ds: ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }),
      pods: () => nodes.map((n) => pod(n.metadata.name!, 'old')),
      creates: ['n1'],
      deletes: 0,
    },
    {
      name: 'maxSurge: the old pod goes once the new one is available; another node surges',
      ds: ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }),
      pods: () => [pod('n1', 'old'), pod('n1', 'new'), pod('n2', 'old'), pod('n3', 'old'), pod('n4', 'old')],
      creates: [],
      deletes: 1,
      check: (deleted, pods) => assert.deepEqual(deleted, [pods[0].metadata.name]),
    },
    {
      name: 'maxSurge: a surged pod not yet available holds the budget',
      ds: ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }),
      pods: () => [pod('n1', 'old'), pod('n1', 'new', { ready: false }), pod('n2', 'old'), pod('n3', 'old'), pod('n4', 'old')],
      creates: [],
      deletes: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pods = c.pods();
      const plan = planDaemonSet(snap(c.ds, nodes, pods));
      assert.deepEqual(plan.createOn, c.creates);
      assert.equal(plan.deletePods.length, c.deletes, `deletes ${plan.deletePods.join(',')}`);
      c.check?.(plan.deletePods, pods);
    });
  }

  it('maxSurge and maxUnavailable both 0 means maxUnavailable 1; percentages round up', () => {
    assert.deepEqual(surgeAndUnavailable(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }), 5), { maxSurge: 0, maxUnavailable: 1 });
    assert.deepEqual(surgeAndUnavailable(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '10%', maxUnavailable: '10%' } } }), 5), { maxSurge: 1, maxUnavailable: 1 });
  });
});
